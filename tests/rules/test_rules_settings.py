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
