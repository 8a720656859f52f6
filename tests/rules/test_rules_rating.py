"""Annual review and stars (DOMAIN 6): exact composite, cut-offs, party gate, veto."""

from fractions import Fraction as F

import pytest

from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.rating import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    RatingResult,
    monthly_component,
    peer_component,
    rate,
    stars_for,
    validate_component,
)


def all_at(value, **override):
    comps = {c: F(value) for c in COMPONENTS}
    comps.update({k: (None if v is None else F(v)) for k, v in override.items()})
    return comps


def test_defaults():
    assert COMPONENTS == ("party", "monthly", "self", "peer", "public")
    assert dict(DEFAULT_WEIGHTS) == {"party": 30, "monthly": 30, "self": 10, "peer": 15, "public": 15}


def test_composite_is_the_weighted_mean():
    comps = {"party": F(85), "monthly": F("72.5"), "self": F(90), "peer": F(80), "public": F(88)}
    r = rate(comps)
    # (30×85 + 30×72.5 + 10×90 + 15×80 + 15×88) / 100 = 81.45
    assert r == RatingResult(F("81.45"), 4, (), False, False)


@pytest.mark.parametrize(
    "value,stars",
    [("100", 5), ("90", 5), ("89.99", 4), ("80", 4), ("79.99", 3), ("70", 3), ("69.99", 2), ("60", 2), ("59.99", 1), ("0", 1)],
)
def test_star_boundaries_are_exact(value, stars):
    # Every component at the value makes the composite exactly the value (below 60
    # party is below the gate too, but 1 or 2 stars are under the cap anyway).
    r = rate(all_at(value))
    assert r.composite == F(value) and r.stars == stars == stars_for(F(value))


def test_stars_from_exact_composite_not_rounded():
    # Composite 89.995 would display as 90.00 (2 decimals, half up) but is below 90.
    r = rate(all_at("89.995"))
    assert r.composite == F("89.995") and r.stars == 4


def test_party_gate_caps_at_three_stars():
    r = rate(all_at(100, party="59.5"))
    # (30×59.5 + 70×100) / 100 = 87.85 → 4 stars, capped to 3
    assert r.composite == F("87.85") and r.stars == 3 and r.capped


def test_party_exactly_at_the_gate_is_not_capped():
    r = rate(all_at(100, party=60))
    assert r.stars == 4 and not r.capped  # 88 → 4


def test_party_gate_reported_only_when_it_lowers_the_stars():
    r = rate(all_at(60, party=50))  # composite 57 → 1 star already
    assert r.stars == 1 and not r.capped


def test_a_missing_component_means_not_rated_yet():
    r = rate(all_at(95, monthly=None, public=None))
    assert r == RatingResult(None, None, ("monthly", "public"), False, False)
    assert rate({}).missing == COMPONENTS


def test_a_zero_weight_component_is_optional():
    weights = {**DEFAULT_WEIGHTS, "peer": 0}
    r = rate(all_at(92, peer=None), weights=weights)
    assert r.composite == 92 and r.stars == 5 and r.missing == ()
    # Present but weighted 0: it does not move the composite.
    assert rate(all_at(92, peer=0), weights=weights).composite == 92


def test_veto_is_one_star_whatever_is_missing():
    r = rate(all_at(95, peer=None, self=None), vetoed=True)
    assert r == RatingResult(None, 1, ("self", "peer"), False, True)
    r = rate(all_at(95), vetoed=True)
    assert r.stars == 1 and r.composite == 95 and r.vetoed


def test_custom_cutoffs_and_cap():
    r = rate(all_at(85), cutoffs=(95, 85, 75, 65))
    assert r.stars == 4
    r = rate(all_at(100, party=30), party_gate=40, party_cap=2)
    assert r.stars == 2 and r.capped


def test_all_weights_zero_cannot_rate():
    assert rate(all_at(90), weights=dict.fromkeys(COMPONENTS, 0)).stars is None


def test_monthly_component_needs_six_complete_months():
    totals = [F(7), F(8), F("6.5"), F(9), F("5.5"), F(6)]
    assert monthly_component(totals) == F(70)  # mean 7.0 × 10
    assert monthly_component(totals[:5]) is None
    assert monthly_component(totals[:5], min_months=5) == F(72)
    assert monthly_component([F(55, 9)] * 6) == F(550, 9)  # exact, not 61.1
    assert monthly_component([], min_months=0) is None


def test_peer_component_never_counts_the_org_itself():
    ratings = [("a", F(80)), ("b", F(90)), (None, F(70)), ("me", F(100))]
    value, warnings = peer_component(ratings, "me")
    assert value == F(80) and warnings == ["rules.peer_self_ignored"]


def test_fewer_than_three_peer_ratings_warns():
    value, warnings = peer_component([("a", F(80)), ("b", F(91))], "me")
    assert value == F("85.5") and warnings == ["rules.peer_few_raters"]
    value, warnings = peer_component([("me", F(80))], "me")
    assert value is None and warnings == ["rules.peer_self_ignored", "rules.peer_few_raters"]
    assert peer_component([], "me") == (None, ["rules.peer_few_raters"])


def test_validate_component():
    assert validate_component("party", 0) == 0 and validate_component("party", F(100)) == 100
    for bad in (F(-1, 100), F(10001, 100)):
        with pytest.raises(DomainError) as e:
            validate_component("self", bad)
        assert e.value.key == "rules.component_range"


# -- typed components, publicity, states (#10) --------------------------------------------------------

from datetime import date  # noqa: E402

from incubator_tui.rules.rating import parse_component, publicity_end, rating_state  # noqa: E402


@pytest.mark.parametrize("typed,cents", [("85", 8500), ("72.5", 7250), ("0", 0), ("100", 10000), ("100.00", 10000),
                                         ("８５．５", 8550), (" 60 ", 6000), ("", None), (None, None), (".5", 50)])
def test_parse_component_accepts_0_to_100_in_hundredths(typed, cents):
    assert parse_component(typed) == cents


@pytest.mark.parametrize("typed,key", [("101", "review.rule.range"), ("100.01", "review.rule.range"),
                                       ("-1", "review.rule.range"), ("8.555", "review.rule.decimals"),
                                       ("abc", "review.rule.not_number"), ("1e2", "review.rule.not_number")])
def test_parse_component_refuses(typed, key):
    with pytest.raises(DomainError) as err:
        parse_component(typed)
    assert err.value.key == key


def test_publicity_end_counts_the_day_of_finalising():
    assert publicity_end(date(2026, 1, 20), 7) == date(2026, 1, 26)
    assert publicity_end(date(2026, 1, 20), 1) == date(2026, 1, 20)
    assert publicity_end(date(2026, 12, 30), 7) == date(2027, 1, 5)


def test_rating_state():
    assert rating_state(False, False, False) == "live"
    assert rating_state(False, False, True) == "vetoed"
    assert rating_state(True, False, True) == "finalised"
    assert rating_state(True, True, False) == "amended"
