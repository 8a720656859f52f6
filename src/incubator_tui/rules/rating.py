"""Annual review and star rating (年考核, 评星定级), DOMAIN 6.

Components are on a 0-100 scale and exact (Fraction or int); stars come from
the exact composite, never from a rounded one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from incubator_tui.rules.errors import DomainError

COMPONENTS = ("party", "monthly", "self", "peer", "public")
DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {"party": 30, "monthly": 30, "self": 10, "peer": 15, "public": 15}
)
DEFAULT_CUTOFFS: tuple[int, int, int, int] = (90, 80, 70, 60)  # lowest composite for 5, 4, 3, 2 stars
PARTY_GATE = 60
PARTY_CAP = 3
MIN_PEER_RATERS = 3


@dataclass(frozen=True)
class RatingResult:
    composite: Fraction | None  # None when a required component is missing
    stars: int | None  # None when the org cannot be rated yet
    missing: tuple[str, ...]  # required components (weight > 0) without a value, in COMPONENTS order
    capped: bool  # the party gate lowered the stars
    vetoed: bool


def exact_sum(values: Iterable[Fraction | int]) -> Fraction:
    """The exact sum, as ``sum(values, Fraction(0))`` but with integer additions: the
    numerators of equal denominators are added first (scores share a few: 1, 100, ...),
    so a district's thousands of ratings are not thousands of Fraction normalisations."""
    by_denominator: dict[int, int] = {}
    for v in values:
        n, d = v.as_integer_ratio()
        by_denominator[d] = by_denominator.get(d, 0) + n
    return sum_by_denominator(by_denominator)


def sum_by_denominator(by_denominator: Mapping[int, int]) -> Fraction:
    """Σ n/d over ``{d: n}``, normalised once."""
    num, den = 0, 1
    for d, n in by_denominator.items():
        num, den = num * d + n * den, den * d
    return Fraction(num, den)


def validate_component(name: str, value: Fraction | int) -> Fraction:
    """A component must lie in 0..100."""
    v = Fraction(value)
    if not 0 <= v <= 100:
        raise DomainError("rules.component_range", component=name, value=str(value))
    return v


def monthly_component(totals: Sequence[Fraction], min_months: int = 6) -> Fraction | None:
    """The mean of the year's complete monthly totals × 10; None with fewer than ``min_months``."""
    if len(totals) < max(min_months, 1):
        return None
    return exact_sum(totals) * 10 / len(totals)


def peer_component(
    ratings: Iterable[tuple[str | None, Fraction]], org_id: str
) -> tuple[Fraction | None, list[str]]:
    """The mean of other orgs' ratings (rater None = unnamed, counted) and warning keys.

    A rating by the org itself is dropped (rules.peer_self_ignored); fewer than
    three counted ratings is a warning, not a block (rules.peer_few_raters).
    The caller keeps only raters that belonged to the centre that year.
    """
    counted: list[Fraction] = []
    warnings: list[str] = []
    for rater, value in ratings:
        if rater is not None and rater == org_id:
            if "rules.peer_self_ignored" not in warnings:
                warnings.append("rules.peer_self_ignored")
            continue
        counted.append(value if type(value) is Fraction else Fraction(value))  # no re-making: thousands
    if len(counted) < MIN_PEER_RATERS:
        warnings.append("rules.peer_few_raters")
    mean = exact_sum(counted) / len(counted) if counted else None
    return mean, warnings


def stars_for(composite: Fraction, cutoffs: Sequence[Fraction | int] = DEFAULT_CUTOFFS) -> int:
    """5 stars at or above cutoffs[0], 4 at cutoffs[1], ... otherwise 1."""
    for i, cut in enumerate(cutoffs):
        if composite >= cut:
            return 5 - i
    return 1


def rate(
    components: Mapping[str, Fraction | int | None],
    weights: Mapping[str, Fraction | int] = DEFAULT_WEIGHTS,
    cutoffs: Sequence[Fraction | int] = DEFAULT_CUTOFFS,
    party_gate: Fraction | int = PARTY_GATE,
    party_cap: int = PARTY_CAP,
    vetoed: bool = False,
) -> RatingResult:
    """Composite = Σ weight × component / Σ weights; stars from it; the party gate; the veto.

    A component with weight 0 is optional.  The party gate applies whenever a
    party score is present (even at weight 0).  A veto gives 1 star whatever
    else is missing; the composite is still reported when it can be computed.
    """
    missing = tuple(c for c in COMPONENTS if weights.get(c, 0) and components.get(c) is None)
    composite: Fraction | None = None
    if not missing:
        # Σ weight × component / Σ weight, each sum over a common denominator in integers:
        # one Fraction normalisation per org instead of a dozen.
        num, den, w_num, w_den = 0, 1, 0, 1
        for c in COMPONENTS:
            if weights.get(c, 0):
                wn, wd = weights[c].as_integer_ratio()
                vn, vd = components[c].as_integer_ratio()  # type: ignore[union-attr]
                num, den = num * wd * vd + wn * vn * den, den * wd * vd
                w_num, w_den = w_num * wd + wn * w_den, w_den * wd
        if w_num > 0:
            composite = Fraction(num * w_den, den * w_num)
    if vetoed:
        return RatingResult(composite, 1, missing, False, True)
    if composite is None:
        return RatingResult(None, None, missing, False, False)
    stars = stars_for(composite, cutoffs)
    party = components.get("party")
    capped = party is not None and party < party_gate and stars > party_cap
    return RatingResult(composite, party_cap if capped else stars, missing, capped, False)


def parse_component(text: object) -> int | None:
    """A component score as typed (``"85"``, ``"72.5"``, full-width ``"８５"``) → hundredths
    of a point; None for blank.  Refused (DomainError) unless a number in 0..100 with at
    most two decimals: what is stored is exact, never rounded."""
    from incubator_tui.rules.scoring import exact_number

    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value = exact_number(text)
    shown = str(text).strip()
    if value is None:
        raise DomainError("review.rule.not_number", value=shown)
    if not 0 <= value <= 100:
        raise DomainError("review.rule.range", value=shown)
    cents = value * 100
    if cents.denominator != 1:
        raise DomainError("review.rule.decimals", value=shown)
    return int(cents)


def publicity_end(finalised_on, days: int):  # noqa: ANN001, ANN201 - dates
    """The last day of the publicity period (公示) of a rating finalised on ``finalised_on``:
    ``days`` calendar days, the day of finalising being the first."""
    from datetime import timedelta

    return finalised_on + timedelta(days=max(days, 1) - 1)


def rating_state(finalised: bool, amended: bool, vetoed: bool) -> str:
    """What a review row is: ``amended`` or ``finalised`` once recorded, else ``vetoed`` or ``live``."""
    if finalised:
        return "amended" if amended else "finalised"
    return "vetoed" if vetoed else "live"
