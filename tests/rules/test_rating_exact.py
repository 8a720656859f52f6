"""The integer fast paths of rules.rating give exactly what plain Fraction arithmetic gives."""

from __future__ import annotations

import random
from fractions import Fraction

from incubator_tui.rules.rating import COMPONENTS, exact_sum, monthly_component, peer_component, rate, stars_for


def naive_composite(components, weights) -> Fraction:
    total = sum((Fraction(weights[c]) for c in COMPONENTS), Fraction(0))
    return sum((Fraction(weights[c]) * Fraction(components[c]) for c in COMPONENTS if weights[c]), Fraction(0)) / total


def test_exact_sum_matches_fraction_sum_for_mixed_denominators():
    rng = random.Random(3)
    for _ in range(300):
        values = [rng.choice([Fraction(rng.randint(0, 10000), rng.choice([1, 2, 3, 7, 100, 900, 1000])),
                              rng.randint(0, 100)]) for _ in range(rng.randint(0, 15))]
        assert exact_sum(values) == sum((Fraction(v) for v in values), Fraction(0))
    assert exact_sum([]) == 0 and isinstance(exact_sum([]), Fraction)


def test_rate_composite_and_stars_match_the_definition():
    rng = random.Random(5)
    for _ in range(500):
        weights = {c: rng.choice([0, 5, 10, 15, 30, Fraction(25, 2)]) for c in COMPONENTS}
        if not any(weights.values()):
            weights["party"] = 10
        components = {c: Fraction(rng.randint(0, 10000), rng.choice([1, 100, 12, 700])) for c in COMPONENTS}
        components = {c: min(v, Fraction(100)) for c, v in components.items()}
        result = rate(components, weights, party_gate=0)
        expected = naive_composite(components, weights)
        assert result.composite == expected
        assert result.stars == stars_for(expected)


def test_monthly_and_peer_means_are_exact():
    totals = [Fraction(85, 10), Fraction(2, 3), Fraction(9), Fraction(71, 9), Fraction(5), Fraction(6)]
    assert monthly_component(totals) == sum(totals, Fraction(0)) * 10 / 6
    ratings = [(None, Fraction(8850, 100)), ("a", Fraction(90)), ("b", Fraction(1, 3)), ("me", Fraction(100))]
    mean, warnings = peer_component(ratings, "me")
    assert mean == (Fraction(8850, 100) + 90 + Fraction(1, 3)) / 3
    assert warnings == ["rules.peer_self_ignored"]
