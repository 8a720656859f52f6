"""Item scores and month totals (DOMAIN 3): exact, in cents and Fractions."""

import copy
import pickle
from decimal import Decimal
from fractions import Fraction as F

import pytest

from incubator_tui.rules.errors import ScoreError
from incubator_tui.rules.scoring import (
    NA,
    MonthResult,
    NotApplicable,
    cents_to_text,
    format_total,
    is_low,
    month_result,
    parse_score,
    points_to_cents,
    round_half_up,
    validate_score_cents,
)

# The default checklist (version 1): plan, hygiene, party, activity 2 each; records, safety 1 each.
CHECKLIST = (200, 200, 200, 200, 100, 100)


@pytest.mark.parametrize(
    "text,cents",
    [("0", 0), ("0.5", 50), ("1.5", 150), ("2", 200), (" 2.0 ", 200), ("1.50", 150), (".5", 50), ("+1", 100),
     ("１．５", 150), ("２", 200), (2, 200), (1.5, 150), (Decimal("0.5"), 50), ("-0", 0)],
)
def test_parse_score_numbers(text, cents):
    assert parse_score(text, 200) == cents


@pytest.mark.parametrize("text", ["N/A", "n/a", "NA", "na", "Na", "不适用", " N/A ", "Ｎ／Ａ"])
def test_parse_score_na(text):
    assert parse_score(text, 200) is NA


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000"])
def test_parse_score_blank(text):
    assert parse_score(text, 200) is None


@pytest.mark.parametrize(
    "text,key,params",
    [
        ("abc", "rules.score_not_number", {"value": "abc"}),
        ("1,5", "rules.score_not_number", {"value": "1,5"}),
        ("1e0", "rules.score_not_number", {"value": "1e0"}),
        ("NaN", "rules.score_not_number", {"value": "NaN"}),
        ("1_0", "rules.score_not_number", {"value": "1_0"}),
        ("-0.5", "rules.score_negative", {"value": "-0.5"}),
        ("2.5", "rules.score_above_max", {"value": "2.5", "max": "2"}),
        ("2.001", "rules.score_above_max", {"value": "2.001", "max": "2"}),
        ("1.2", "rules.score_off_step", {"value": "1.2", "step": "0.5"}),
        ("0.25", "rules.score_off_step", {"value": "0.25", "step": "0.5"}),
        ("1.505", "rules.score_off_step", {"value": "1.505", "step": "0.5"}),  # finer than a cent
        (float("nan"), "rules.score_not_number", {"value": "nan"}),
        (True, "rules.score_not_number", {"value": "True"}),
    ],
)
def test_parse_score_errors(text, key, params):
    with pytest.raises(ScoreError) as e:
        parse_score(text, 200)
    assert e.value.key == key and e.value.params == params


def test_parse_score_other_steps():
    assert parse_score("0.25", 100, step_cent=25) == 25
    assert parse_score("1", 100, step_cent=100) == 100
    with pytest.raises(ScoreError):
        parse_score("0.5", 100, step_cent=100)


def test_validate_score_cents():
    assert validate_score_cents(150, 200, 50) == 150
    for value, key in ((-50, "rules.score_negative"), (250, "rules.score_above_max"), (120, "rules.score_off_step")):
        with pytest.raises(ScoreError) as e:
            validate_score_cents(value, 200, 50)
        assert e.value.key == key
    with pytest.raises(ValueError):
        validate_score_cents(100, 200, 0)


def test_na_is_a_singleton_even_when_copied():
    assert NotApplicable() is NA
    assert copy.deepcopy(NA) is NA and pickle.loads(pickle.dumps(NA)) is NA
    assert repr(NA) == "NA"


def test_complete_month_total():
    r = month_result(zip(CHECKLIST, (200, 150, 200, 100, 100, 50)))
    assert r == MonthResult(True, 800, 1000, 6, 0, 0)
    assert r.total == 8


def test_na_leaves_the_denominator():
    # party N/A: 10 × (2+1.5+1+1+0.5) / (2+2+2+1+1) = 10 × 6/8 = 7.5
    r = month_result(zip(CHECKLIST, (200, 150, NA, 100, 100, 50)))
    assert r.complete and (r.scored, r.na) == (5, 1)
    assert r.total == F(15, 2)


def test_total_can_be_a_repeating_fraction_and_stays_exact():
    # 10 × 5.5 / 9 = 55/9 = 6.111...: not low, shown 6.1
    r = month_result(zip(CHECKLIST, (200, 200, 100, 50, NA, 0)))
    assert r.total == F(55, 9) and not is_low(r.total, F(6))
    assert format_total(r.total) == "6.1"


def test_a_blank_item_makes_the_month_incomplete():
    r = month_result(zip(CHECKLIST, (200, 200, None, 200, 100, 100)))
    assert not r.complete and r.blank == 1
    assert r.total == F(10 * 800, 800)  # a partial total is still available to show


def test_all_na_is_not_complete():
    r = month_result((m, NA) for m in CHECKLIST)
    assert not r.complete and r.total is None


def test_nothing_entered_is_not_complete():
    assert not month_result((m, None) for m in CHECKLIST).complete
    assert not month_result([]).complete


def test_zero_scores_are_complete():
    r = month_result((m, 0) for m in CHECKLIST)
    assert r.complete and r.total == 0


def test_low_is_strictly_below_threshold():
    assert is_low(F(599, 100), F(6))
    assert not is_low(F(6), F(6))  # exactly 6.0 is not low
    assert not is_low(F(6, 1) + F(1, 10**9), F(6))
    assert is_low(F(54, 10), F(11, 2))


@pytest.mark.parametrize(
    "x,places,text",
    [(F(11, 2), 1, "5.5"), (10, 1, "10.0"), (F(0), 1, "0.0"), (F(1, 3), 1, "0.3"), (F(2, 3), 1, "0.7"),
     (F(5, 100), 1, "0.1"), (F(25, 1000), 2, "0.03"), (F(599, 100), 1, "6.0"), (F(1199, 200), 2, "6.00"),
     (F(1, 20), 0, "0"), (F(1, 2), 0, "1"), (Decimal("2.45"), 1, "2.5"), (F(-1, 20), 1, "-0.1")],
)
def test_round_half_up_on_the_exact_value(x, places, text):
    assert format_total(x, places) == text
    assert round_half_up(x, places) == Decimal(text)


def test_round_half_up_beats_binary_floats():
    # 2.675 as a float is 2.67499999...; the exact value rounds up.
    assert format_total(F("2.675"), 2) == "2.68"
    with pytest.raises(TypeError):
        round_half_up(2.675, 2)


def test_display_rounding_never_decides_low():
    total = F(5999, 1000)  # shows 6.0 but is low
    assert format_total(total) == "6.0" and is_low(total, F(6))


@pytest.mark.parametrize("c,text", [(150, "1.5"), (200, "2"), (50, "0.5"), (0, "0"), (125, "1.25"), (5, "0.05"), (-50, "-0.5"), (1000, "10")])
def test_cents_to_text(c, text):
    assert cents_to_text(c) == text


def test_points_to_cents():
    assert points_to_cents(F(3, 2)) == 150
    assert points_to_cents(Decimal("0.5")) == 50
    assert points_to_cents("0.5") == 50
    assert points_to_cents(2) == 200
    with pytest.raises(ScoreError) as e:
        points_to_cents(F(1, 3))
    assert e.value.key == "rules.score_off_step"
    with pytest.raises(ScoreError):
        points_to_cents("0.001")
    with pytest.raises(ScoreError) as e:
        points_to_cents("x")
    assert e.value.key == "rules.score_not_number"
