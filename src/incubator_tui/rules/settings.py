"""Settings in force for a month, DOMAIN 7.

A centre's settings are stored as entries (key, effective month, value); the
value in force for a month is the latest entry effective at or before it,
else the default.  Values are stored as JSON (numbers and strings); ``coerce``
turns them into typed values (exact Fractions, ints, dates) and ``dump`` back.
"""

from __future__ import annotations

import copy
import unicodedata
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
    "publicity_days": 7,  # 公示期 of finalised ratings (DOMAIN 6)
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
    "publicity_days": lambda v: _int(v, 1),
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


# ---------------------------------------------------------------- forms
#
# The settings screen and the imports check what a person typed field by
# field, so that each refusal can be shown beside its field (and nothing is
# saved while one is shown).  Errors carry catalogue keys (settings.bad.*).

WEIGHT_FIELDS = tuple(f"weight.{c}" for c in COMPONENTS)
CUTOFF_FIELDS = ("cutoff.5", "cutoff.4", "cutoff.3", "cutoff.2")  # the least composite for 5, 4, 3, 2 stars
# field id → the setting it feeds, in the order of the form
SCHEME_FIELDS: tuple[tuple[str, str], ...] = (
    ("threshold", "threshold"),
    ("run_length", "run_length"),
    ("step", "score_step_cent"),
    *((f, "weights") for f in WEIGHT_FIELDS),
    *((f, "star_cutoffs") for f in CUTOFF_FIELDS),
    ("party_gate", "party_gate"),
    ("party_cap", "party_cap"),
    ("min_complete_months", "min_complete_months"),
    ("deadline_days", "deadline_days"),
    ("deadline_months_annual", "deadline_months_annual"),
    ("handover_working_days", "handover_working_days"),
    ("objection_days", "objection_days"),
    ("publicity_days", "publicity_days"),
)
SCHEME_KEYS = tuple(dict.fromkeys(key for _f, key in SCHEME_FIELDS))

# field id → (least, greatest or None, whole numbers only, message key)
_FIELD_RANGES: dict[str, tuple[int, int | None, bool, str]] = {
    "threshold": (0, 10, False, "settings.bad.threshold"),
    "run_length": (1, None, True, "settings.bad.run_length"),
    "party_gate": (0, 100, False, "settings.bad.percent"),
    "party_cap": (1, 5, True, "settings.bad.party_cap"),
    "min_complete_months": (1, 12, True, "settings.bad.min_months"),
    **{f: (0, None, False, "settings.bad.weight") for f in WEIGHT_FIELDS},
    **{f: (0, 100, False, "settings.bad.percent") for f in CUTOFF_FIELDS},
    **{f: (1, None, True, "settings.bad.days") for f in (
        "deadline_days", "deadline_months_annual", "handover_working_days", "objection_days", "publicity_days")},
}


def _field_number(field: str, text: str) -> int | Fraction:
    v = exact_number(text)
    if v is None:
        raise SettingError("settings.bad.not_number", value=text)
    if field == "step":
        cents = v * 100
        # a step must be a whole number of cents that divides one point (0.5, 0.25, 1 ...)
        if v <= 0 or v > 1 or cents.denominator != 1 or 100 % int(cents):
            raise SettingError("settings.bad.step", value=text)
        return int(cents)
    lo, hi, whole, key = _FIELD_RANGES[field]
    if (whole and v.denominator != 1) or v < lo or (hi is not None and v > hi):
        raise SettingError(key, value=text, lo=lo, hi="" if hi is None else hi)
    return int(v) if v.denominator == 1 else v


def parse_scheme(texts: dict[str, str]) -> tuple[dict[str, Any], dict[str, SettingError]]:
    """The scheme's fields as typed → (setting key → typed value, field id → error).

    Fields left out of ``texts`` are not checked.  Group errors use the ids
    ``weights`` (all weights 0) and ``cutoffs`` (not strictly descending).
    A setting is in the values only when all its fields were given and good.
    """
    parsed: dict[str, int | Fraction] = {}
    errors: dict[str, SettingError] = {}
    for field, _key in SCHEME_FIELDS:
        if field in texts:
            try:
                parsed[field] = _field_number(field, str(texts[field]).strip())
            except SettingError as err:
                errors[field] = err
    values: dict[str, Any] = {}
    for field, key in SCHEME_FIELDS:
        if key in ("weights", "star_cutoffs") or field not in parsed:
            continue
        values[key] = Fraction(parsed[field]) if key == "threshold" else parsed[field]
    if all(f in parsed for f in WEIGHT_FIELDS):
        weights = {c: parsed[f"weight.{c}"] for c in COMPONENTS}
        if sum(weights.values()) <= 0:
            errors["weights"] = SettingError("settings.bad.weights_zero")
        else:
            values["weights"] = weights
    if all(f in parsed for f in CUTOFF_FIELDS):
        cuts = tuple(parsed[f] for f in CUTOFF_FIELDS)
        if any(a <= b for a, b in zip(cuts, cuts[1:])):
            errors["cutoffs"] = SettingError("settings.bad.cutoffs_order")
        else:
            values["star_cutoffs"] = cuts
    return values, errors


def _num_text(v: int | Fraction) -> str:
    t = _json_number(v)
    return str(t)


def scheme_texts(values: dict[str, Any]) -> dict[str, str]:
    """Settings in force → the text of each field of the scheme's form."""
    out: dict[str, str] = {}
    for field, key in SCHEME_FIELDS:
        v = values[key]
        if key == "weights":
            out[field] = _num_text(v[field.split(".", 1)[1]])
        elif key == "star_cutoffs":
            out[field] = _num_text(v[CUTOFF_FIELDS.index(field)])
        elif key == "score_step_cent":
            out[field] = _num_text(Fraction(v, 100))
        else:
            out[field] = _num_text(v)
    return out


# ---------------------------------------------------------------- checklist drafts

CHECKLIST_TOTAL_CENT = 1000  # DOMAIN 3 (fixed): the maxima sum to 10 points
_CODE_RE = re.compile(r"[A-Za-z0-9_\-]{1,40}", re.ASCII)


@dataclass(frozen=True)
class DraftItem:
    """A checklist item as typed (the screen) or read (the import)."""

    code: str
    name: str
    name_en: str
    max_text: str


@dataclass(frozen=True)
class ChecklistItemValue:
    code: str
    name: str
    name_en: str
    max_cent: int
    position: int


def checklist_total(drafts: Iterable[DraftItem]) -> Fraction | None:
    """The sum of the maxima typed so far (None while one is not a number), for the running total."""
    total = Fraction(0)
    for d in drafts:
        if not d.max_text.strip():
            continue
        v = exact_number(d.max_text)
        if v is None:
            return None
        total += v
    return total


def check_checklist(
    drafts: Iterable[DraftItem], step_cent: int
) -> tuple[list[ChecklistItemValue], dict[tuple[int, str], SettingError], SettingError | None]:
    """A new checklist version's items → (items, (row, column) → error, error of the whole).

    Blank rows are left out (positions follow the other rows' order).  Columns:
    ``code``, ``name``, ``name_en``, ``max``.  The whole: at least one item and
    maxima summing to exactly 10 points.
    """
    items: list[ChecklistItemValue] = []
    errors: dict[tuple[int, str], SettingError] = {}
    seen: dict[str, int] = {}
    total = 0
    for row, d in enumerate(drafts):
        code, name, name_en, max_text = (unicodedata.normalize("NFC", x).strip() for x in
                                         (d.code, d.name, d.name_en, d.max_text))
        if not (code or name or name_en or max_text):
            continue
        ok = True
        if not code:
            errors[(row, "code")] = SettingError("settings.bad.code_missing")
            ok = False
        elif not _CODE_RE.fullmatch(code):
            errors[(row, "code")] = SettingError("settings.bad.code_chars", code=code)
            ok = False
        elif code.casefold() in seen:
            errors[(row, "code")] = SettingError("settings.bad.code_duplicate", code=code, first=seen[code.casefold()] + 1)
            ok = False
        else:
            seen[code.casefold()] = row
        if not name:
            errors[(row, "name")] = SettingError("settings.bad.name_missing")
            ok = False
        elif len(name) > 100:
            errors[(row, "name")] = SettingError("settings.bad.name_long")
            ok = False
        if len(name_en) > 100:
            errors[(row, "name_en")] = SettingError("settings.bad.name_long")
            ok = False
        v = exact_number(max_text)
        cents = None if v is None else v * 100
        if v is None:
            errors[(row, "max")] = SettingError("settings.bad.not_number", value=max_text)
        elif v <= 0 or v > 10:
            errors[(row, "max")] = SettingError("settings.bad.item_max", value=max_text)
        elif cents.denominator != 1 or int(cents) % step_cent:
            errors[(row, "max")] = SettingError("settings.bad.item_step", value=max_text,
                                                step=_num_text(Fraction(step_cent, 100)))
        else:
            total += int(cents)
            if ok:
                items.append(ChecklistItemValue(code, name, name_en, int(cents), len(items)))
    whole = None
    if not errors:
        if not items:
            whole = SettingError("settings.bad.checklist_empty")
        elif total != CHECKLIST_TOTAL_CENT:
            whole = SettingError("settings.bad.checklist_total", total=_num_text(Fraction(total, 100)))
    return items, errors, whole


# ---------------------------------------------------------------- holidays typed or pasted

_DATE_SPLIT_RE = re.compile(r"[\s,，;；、]+")


def parse_date_list(text: str, year: int | None = None) -> tuple[list[date], list[SettingError]]:
    """Dates typed or pasted (any form ``months.parse_date`` reads, separated by spaces,
    new lines, commas or 、) → (sorted distinct dates, one error per bad piece)."""
    dates: set[date] = set()
    errors: list[SettingError] = []
    for piece in _DATE_SPLIT_RE.split(unicodedata.normalize("NFKC", text or "").strip()):
        if not piece:
            continue
        try:
            d = parse_date(piece)
        except DateFormatError:
            errors.append(SettingError("settings.bad.date", value=piece))
            continue
        if year is not None and d.year != year:
            errors.append(SettingError("settings.bad.date_year", value=piece, year=year))
            continue
        dates.add(d)
    return sorted(dates), errors


def check_calendar(holidays: Iterable[date], makeup: Iterable[date]) -> list[SettingError]:
    """A year's lists: a make-up working day is a Saturday or Sunday; no date in both lists."""
    errors = []
    hol = set(holidays)
    for d in sorted(set(makeup)):
        if d.weekday() < 5:
            errors.append(SettingError("settings.bad.makeup_weekday", date=d.isoformat()))
        if d in hol:
            errors.append(SettingError("settings.bad.date_both", date=d.isoformat()))
    return errors
