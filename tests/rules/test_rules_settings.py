"""Settings in force for a month (DOMAIN 7), and coercion of stored values."""

import json
import random
from datetime import date
from fractions import Fraction as F

import pytest

from incubator_tui.rules.errors import MonthFormatError, SettingError
from incubator_tui.rules.months import add_months
from incubator_tui.rules.settings import (
    DEFAULTS,
    DraftItem,
    check_calendar,
    check_checklist,
    checklist_total,
    parse_date_list,
    parse_scheme,
    scheme_texts,
    SettingEntry,
    coerce,
    dump,
    in_force,
    settings_in_force,
    threshold_for,
    value_in_force,
)


def test_defaults():
    assert DEFAULTS == {
        "threshold": F(6),
        "run_length": 3,
        "score_step_cent": 50,
        "weights": {"party": 30, "monthly": 30, "self": 10, "peer": 15, "public": 15},
        "star_cutoffs": (90, 80, 70, 60),
        "party_gate": 60,
        "party_cap": 3,
        "min_complete_months": 6,
        "deadline_days": 30,
        "deadline_months_annual": 3,
        "handover_working_days": 15,
        "objection_days": 10,
        "publicity_days": 7,
        "holidays": {},
        "makeup_days": {},
        "timezone": "Asia/Shanghai",
    }
    assert isinstance(DEFAULTS["threshold"], F)


def test_value_in_force_is_the_latest_effective_at_or_before_the_month():
    entries = [SettingEntry("threshold", "2024-06", "7"), SettingEntry("threshold", "2024-03", "5.5"),
               SettingEntry("run_length", "2024-01", 4)]
    assert value_in_force(entries, "threshold", "2024-02") == 6
    assert value_in_force(entries, "threshold", "2024-03") == F(11, 2)
    assert value_in_force(entries, "threshold", "2024-05") == F(11, 2)
    assert value_in_force(entries, "threshold", "2024-06") == 7
    assert value_in_force(entries, "threshold", "2030-01") == 7
    assert value_in_force(entries, "run_length", "2023-12") == 3
    assert value_in_force(entries, "run_length", "2024-01") == 4


def test_of_two_entries_for_the_same_month_the_later_one_wins():
    entries = [SettingEntry("threshold", "2024-03", "5"), SettingEntry("threshold", "2024-03", "5.5")]
    assert value_in_force(entries, "threshold", "2024-03") == F(11, 2)
    assert threshold_for(entries)("2024-03") == F(11, 2)
    assert settings_in_force(entries, "2024-03")["threshold"] == F(11, 2)


def test_settings_in_force_gives_every_key():
    entries = [SettingEntry("party_cap", "2024-01", "2"), SettingEntry("some_future_key", "2024-01", 1)]
    s = settings_in_force(entries, "2024-05")
    assert s.keys() == DEFAULTS.keys()
    assert s["party_cap"] == 2 and s["threshold"] == 6
    assert settings_in_force(entries, "2023-12")["party_cap"] == 3


def test_defaults_handed_out_are_copies():
    value_in_force([], "weights", "2024-01")["party"] = 0
    settings_in_force([], "2024-01")["holidays"][2024] = ()
    assert DEFAULTS["weights"]["party"] == 30 and DEFAULTS["holidays"] == {}


def test_threshold_for_agrees_with_value_in_force():
    rng = random.Random(7)
    entries = [SettingEntry("threshold", add_months("2020-01", rng.randrange(60)), str(rng.choice(["5", "5.5", "6", "6.5"])))
               for _ in range(12)]
    fn = threshold_for(entries)
    for i in range(-3, 66):
        month = add_months("2020-01", i)
        assert fn(month) == value_in_force(entries, "threshold", month)


def test_in_force_for_any_key():
    fn = in_force([SettingEntry("weights", "2025-01", {"party": 40, "monthly": 20, "self": 10, "peer": 15, "public": 15})], "weights")
    assert fn("2024-12")["party"] == 30 and fn("2025-01")["party"] == 40


def test_unknown_key():
    with pytest.raises(SettingError) as e:
        value_in_force([], "nope", "2024-01")
    assert e.value.key == "rules.setting_unknown"
    with pytest.raises(SettingError):
        coerce("nope", 1)


def test_entry_month_must_be_canonical():
    with pytest.raises(MonthFormatError):
        SettingEntry("threshold", "2024-3", "6")


@pytest.mark.parametrize(
    "key,raw,value",
    [
        ("threshold", "6", F(6)), ("threshold", "5.5", F(11, 2)), ("threshold", 5.5, F(11, 2)), ("threshold", 6, F(6)),
        ("threshold", "１０", F(10)), ("threshold", F(59, 10), F(59, 10)), ("threshold", "0", F(0)),
        ("run_length", "3", 3), ("run_length", 2.0, 2), ("run_length", 1, 1),
        ("score_step_cent", 50, 50), ("score_step_cent", "25", 25), ("score_step_cent", 100, 100),
        ("party_gate", "60", 60), ("party_gate", "59.5", F(119, 2)), ("party_cap", 2, 2),
        ("min_complete_months", "6", 6), ("deadline_days", 45, 45), ("objection_days", "15", 15),
        ("star_cutoffs", [90, 80, 70, 60], (90, 80, 70, 60)), ("star_cutoffs", "95,85,75，65", (95, 85, 75, 65)),
        ("star_cutoffs", ["90.5", 80, 70, 60], (F(181, 2), 80, 70, 60)),
        ("weights", {"party": "40", "monthly": 30, "self": 10, "peer": 0, "public": "12.5"},
         {"party": 40, "monthly": 30, "self": 10, "peer": 0, "public": F(25, 2)}),
        ("holidays", {"2024": ["2024-10-02", "2024/10/1"]}, {2024: (date(2024, 10, 1), date(2024, 10, 2))}),
        ("makeup_days", {2025: [date(2025, 1, 26)]}, {2025: (date(2025, 1, 26),)}),
        ("timezone", " Asia/Urumqi ", "Asia/Urumqi"),
    ],
)
def test_coerce(key, raw, value):
    got = coerce(key, raw)
    assert got == value and type(got) is type(value)
    assert coerce(key, got) == got  # idempotent: typed values pass through
    back = dump(key, got)
    json.dumps(back)  # storable as JSON
    assert coerce(key, back) == got


@pytest.mark.parametrize(
    "key,raw",
    [
        ("threshold", "abc"), ("threshold", "-1"), ("threshold", "10.5"), ("threshold", True), ("threshold", None),
        ("threshold", float("nan")), ("threshold", "1/0"),
        ("run_length", "2.5"), ("run_length", 0), ("run_length", "x"),
        ("score_step_cent", 0), ("score_step_cent", 30), ("score_step_cent", 200),
        ("party_gate", 101), ("party_cap", 0), ("party_cap", 6), ("min_complete_months", 0), ("min_complete_months", 13),
        ("deadline_days", 0), ("objection_days", -1),
        ("star_cutoffs", [90, 80, 70]), ("star_cutoffs", [90, 80, 80, 60]), ("star_cutoffs", [60, 70, 80, 90]),
        ("star_cutoffs", [190, 80, 70, 60]), ("star_cutoffs", 90),
        ("weights", {"party": 30}), ("weights", {"party": 30, "monthly": 30, "self": 10, "peer": 15, "public": 15, "x": 1}),
        ("weights", {"party": -1, "monthly": 30, "self": 10, "peer": 15, "public": 15}),
        ("weights", dict.fromkeys(("party", "monthly", "self", "peer", "public"), 0)), ("weights", [30, 30, 10, 15, 15]),
        ("holidays", {"2024": ["2024-13-01"]}), ("holidays", {"24x": []}), ("holidays", ["2024-10-01"]),
        ("holidays", {"2024": "2024-10-01"}),
        ("timezone", ""), ("timezone", 8),
    ],
)
def test_coerce_refuses(key, raw):
    with pytest.raises(SettingError) as e:
        coerce(key, raw)
    assert e.value.key == "rules.setting_invalid" and e.value.params["key"] == key


def test_dump_of_a_repeating_fraction_round_trips():
    assert dump("threshold", F(17, 3)) == "17/3"
    assert coerce("threshold", "17/3") == F(17, 3)
    assert dump("threshold", F(11, 2)) == "5.5" and dump("threshold", F(6)) == 6


def test_defaults_dump_and_round_trip():
    for key, value in DEFAULTS.items():
        assert coerce(key, json.loads(json.dumps(dump(key, value)))) == value


# ---------------------------------------------------------------- the forms' checks


def test_scheme_texts_and_parse_scheme_round_trip_the_defaults():
    texts = scheme_texts(DEFAULTS)
    assert texts["threshold"] == "6" and texts["step"] == "0.5" and texts["cutoff.5"] == "90"
    values, errors = parse_scheme(texts)
    assert errors == {}
    assert values == {k: DEFAULTS[k] for k in values} and len(values) == 13


@pytest.mark.parametrize("field,typed,where,key", [
    ("threshold", "10.5", "threshold", "settings.bad.threshold"),
    ("threshold", "-0.5", "threshold", "settings.bad.threshold"),
    ("threshold", "abc", "threshold", "settings.bad.not_number"),
    ("run_length", "0", "run_length", "settings.bad.run_length"),
    ("run_length", "1.5", "run_length", "settings.bad.run_length"),
    ("step", "0.3", "step", "settings.bad.step"),
    ("step", "0", "step", "settings.bad.step"),
    ("step", "2", "step", "settings.bad.step"),
    ("step", "0.125", "step", "settings.bad.step"),  # finer than a cent
    ("cutoff.3", "85", "cutoffs", "settings.bad.cutoffs_order"),
    ("cutoff.2", "70", "cutoffs", "settings.bad.cutoffs_order"),  # equal is out of order too
    ("cutoff.5", "101", "cutoff.5", "settings.bad.percent"),
    ("party_cap", "6", "party_cap", "settings.bad.party_cap"),
    ("min_complete_months", "13", "min_complete_months", "settings.bad.min_months"),
    ("objection_days", "0", "objection_days", "settings.bad.days"),
    ("weight.peer", "-1", "weight.peer", "settings.bad.weight"),
])
def test_parse_scheme_refuses_each_bad_value_at_its_field(field, typed, where, key):
    texts = scheme_texts(DEFAULTS)
    texts[field] = typed
    values, errors = parse_scheme(texts)
    assert {k: e.key for k, e in errors.items()} == {where: key}
    setting = {"cutoffs": "star_cutoffs", "step": "score_step_cent"}.get(where, where)
    assert setting not in values


def test_weights_summing_to_zero_are_refused_as_a_group():
    texts = scheme_texts(DEFAULTS)
    texts.update({f"weight.{c}": "0" for c in ("party", "monthly", "self", "peer", "public")})
    values, errors = parse_scheme(texts)
    assert list(errors) == ["weights"] and "weights" not in values
    texts["weight.self"] = "0.5"
    values, errors = parse_scheme(texts)
    assert errors == {} and values["weights"]["self"] == F(1, 2)


def test_steps_that_divide_one_point():
    for typed, cents in (("0.5", 50), ("0.25", 25), ("1", 100), ("0.1", 10), ("0.01", 1), ("0.2", 20)):
        values, errors = parse_scheme({"step": typed})
        assert errors == {} and values["score_step_cent"] == cents


def test_check_checklist_sums_to_ten_with_unique_codes():
    rows = [DraftItem("plan", "工作计划", "Work plan", "2"), DraftItem("hygiene", "卫生清洁", "", "3"),
            DraftItem("", "", "", ""), DraftItem("party", "党建工作", "", "５")]
    items, errors, whole = check_checklist(rows, 50)
    assert errors == {} and whole is None
    assert [(i.code, i.max_cent, i.position) for i in items] == [("plan", 200, 0), ("hygiene", 300, 1), ("party", 500, 2)]
    assert checklist_total(rows) == 10
    items, errors, whole = check_checklist(rows[:2], 50)
    assert whole.key == "settings.bad.checklist_total" and whole.params["total"] == "5"
    _items, errors, _whole = check_checklist([*rows, DraftItem("PLAN", "重复", "", "0")], 50)
    assert {k: e.key for k, e in errors.items()} == {(4, "code"): "settings.bad.code_duplicate",
                                                      (4, "max"): "settings.bad.item_max"}
    assert checklist_total([DraftItem("a", "b", "", "x")]) is None


def test_date_lists_in_any_form_and_calendar_checks():
    dates, errors = parse_date_list("2027-01-01，2027/1/2\n2027年1月3日 、2027-01-01", 2027)
    assert dates == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)] and errors == []
    dates, errors = parse_date_list("2027-02-30 2026-12-31", 2027)
    assert dates == [] and [e.key for e in errors] == ["settings.bad.date", "settings.bad.date_year"]
    assert [e.key for e in check_calendar([date(2027, 2, 6)], [date(2027, 2, 6), date(2027, 2, 8)])] == [
        "settings.bad.date_both", "settings.bad.makeup_weekday"]
