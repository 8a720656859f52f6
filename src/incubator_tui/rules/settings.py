"""Settings in force for a month, DOMAIN 7.

A centre's settings are stored as entries (key, effective month, value); the
value in force for a month is the latest entry effective at or before it,
else the default.  Values are stored as JSON (numbers and strings); ``coerce``
turns them into typed values (exact Fractions, ints, dates) and ``dump`` back.
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from incubator_tui.rules.errors import DateFormatError, MonthFormatError, SettingError
from incubator_tui.rules.months import is_month, parse_date
from incubator_tui.rules.rating import COMPONENTS
from incubator_tui.rules.scoring import exact_number

DEFAULTS: dict[str, Any] = {
    "threshold": Fraction(6),
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
    "holidays": {},  # year → dates off on weekdays (法定节假日)
    "makeup_days": {},  # year → weekend dates worked (调休上班)
    "timezone": "Asia/Shanghai",
}


@dataclass(frozen=True)
class SettingEntry:
    key: str
    effective_month: str  # canonical 'YYYY-MM'
    value: object  # as stored (JSON) or already typed: coerce accepts both

    def __post_init__(self) -> None:
        if not is_month(self.effective_month):
            raise MonthFormatError("rules.month_format", text=str(self.effective_month))


# ---------------------------------------------------------------- coercion

_RATIO_RE = re.compile(r"[+-]?\d+/\d+", re.ASCII)


class _Bad(Exception):
    pass


def _exact(raw: object) -> Fraction:
    if isinstance(raw, str) and _RATIO_RE.fullmatch(text := raw.strip()):
        return Fraction(text)  # dump writes a repeating fraction as 'n/d'; n/0 fails in coerce
    value = exact_number(raw)
    if value is None:
        raise _Bad
    return value


def _number(raw: object, lo: int, hi: int | None) -> int | Fraction:
    """An exact number in [lo, hi], as int when whole (so it reads naturally)."""
    v = _exact(raw)
    if v < lo or (hi is not None and v > hi):
        raise _Bad
    return int(v) if v.denominator == 1 else v


def _int(raw: object, lo: int, hi: int | None = None) -> int:
    v = _number(raw, lo, hi)
    if not isinstance(v, int):
        raise _Bad
    return v


def _threshold(raw: object) -> Fraction:
    return Fraction(_number(raw, 0, 10))


def _step(raw: object) -> int:
    step = _int(raw, 1, 100)
    if 100 % step:  # an item max of 1 point must be reachable in whole steps
        raise _Bad
    return step


def _weights(raw: object) -> dict[str, int | Fraction]:
    if not isinstance(raw, dict) or set(raw) != set(COMPONENTS):
        raise _Bad
    weights = {c: _number(raw[c], 0, None) for c in COMPONENTS}
    if sum(weights.values()) <= 0:
        raise _Bad
    return weights


def _cutoffs(raw: object) -> tuple[int | Fraction, ...]:
    if isinstance(raw, str):
        raw = re.split(r"[,，;；\s]+", raw.strip())
    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        raise _Bad
    cuts = tuple(_number(x, 0, 100) for x in raw)
    if any(a <= b for a, b in zip(cuts, cuts[1:])):  # 5 stars needs more than 4, ...
        raise _Bad
    return cuts


def _calendar(raw: object) -> dict[int, tuple[date, ...]]:
    if not isinstance(raw, dict):
        raise _Bad
    out: dict[int, tuple[date, ...]] = {}
    for year, days in raw.items():
        y = _int(year, 1, 9999)
        if isinstance(days, (str, date)) or not isinstance(days, (list, tuple, set, frozenset)):
            raise _Bad
        out[y] = tuple(sorted({parse_date(d) for d in days}))
    return out


def _timezone(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _Bad
    return raw.strip()


_COERCE: dict[str, Callable[[object], Any]] = {
    "threshold": _threshold,
    "run_length": lambda v: _int(v, 1),
    "score_step_cent": _step,
    "weights": _weights,
    "star_cutoffs": _cutoffs,
    "party_gate": lambda v: _number(v, 0, 100),
    "party_cap": lambda v: _int(v, 1, 5),
    "min_complete_months": lambda v: _int(v, 1, 12),
    "deadline_days": lambda v: _int(v, 1),
    "deadline_months_annual": lambda v: _int(v, 1),
    "handover_working_days": lambda v: _int(v, 1),
    "objection_days": lambda v: _int(v, 1),
    "holidays": _calendar,
    "makeup_days": _calendar,
    "timezone": _timezone,
}
assert _COERCE.keys() == DEFAULTS.keys()


def coerce(key: str, raw: object) -> Any:
    """A stored (JSON) or typed value → the typed value; SettingError if it cannot be used."""
    fn = _COERCE.get(key)
    if fn is None:
        raise SettingError("rules.setting_unknown", key=key)
    try:
        return fn(raw)
    except (_Bad, DateFormatError, ValueError, TypeError, ArithmeticError) as exc:
        raise SettingError("rules.setting_invalid", key=key, value=str(raw)) from exc


def _json_number(v: int | Fraction) -> int | str:
    """int stays int; a Fraction becomes '5.5' when it has a finite decimal, else '1/3'."""
    f = Fraction(v)
    if f.denominator == 1:
        return int(f)
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        return format(Decimal(f.numerator) / Decimal(f.denominator), "f")
    return f"{f.numerator}/{f.denominator}"


def dump(key: str, value: Any) -> Any:
    """A typed value → JSON-compatible data that ``coerce`` reads back to the same value."""
    v = coerce(key, value)
    if key in ("threshold", "party_gate"):
        return _json_number(v)
    if key == "weights":
        return {c: _json_number(w) for c, w in v.items()}
    if key == "star_cutoffs":
        return [_json_number(x) for x in v]
    if key in ("holidays", "makeup_days"):
        return {str(y): [d.isoformat() for d in days] for y, days in sorted(v.items())}
    return v


# ---------------------------------------------------------------- in force


def _default(key: str) -> Any:
    if key not in DEFAULTS:
        raise SettingError("rules.setting_unknown", key=key)
    return copy.deepcopy(DEFAULTS[key])  # callers may not mutate the shared defaults


def value_in_force(entries: Iterable[SettingEntry], key: str, month: str) -> Any:
    """The latest entry for ``key`` effective at or before ``month`` (of two with the
    same effective month, the later in ``entries`` wins), else the default."""
    best: SettingEntry | None = None
    for e in entries:
        if e.key == key and e.effective_month <= month and (best is None or e.effective_month >= best.effective_month):
            best = e
    return _default(key) if best is None else coerce(key, best.value)


def settings_in_force(entries: Iterable[SettingEntry], month: str) -> dict[str, Any]:
    """Every setting in force for ``month``; entries with keys this version does not know are ignored."""
    best: dict[str, SettingEntry] = {}
    for e in entries:
        if e.key in DEFAULTS and e.effective_month <= month:
            b = best.get(e.key)
            if b is None or e.effective_month >= b.effective_month:
                best[e.key] = e
    return {k: coerce(k, best[k].value) if k in best else _default(k) for k in DEFAULTS}


def in_force(entries: Iterable[SettingEntry], key: str) -> Callable[[str], Any]:
    """A fast month → value function for one key: values coerced once, then a bisect."""
    default = _default(key)
    changes = sorted((e for e in entries if e.key == key), key=lambda e: e.effective_month)  # stable
    starts = [e.effective_month for e in changes]
    values = [coerce(key, e.value) for e in changes]

    def at(month: str) -> Any:
        i = bisect_right(starts, month)
        return values[i - 1] if i else default

    return at


def threshold_for(entries: Iterable[SettingEntry]) -> Callable[[str], Fraction]:
    """month → the threshold in force that month (streaks judge each month by its own)."""
    return in_force(entries, "threshold")
