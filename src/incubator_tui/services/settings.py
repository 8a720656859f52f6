"""A centre's settings (DOMAIN 7): reading those in force, changing them from a
month on, their history, and what a change would do before it is saved.

Every change is one transaction and audited (who, when, old, new).  A setting
is a row (key, effective month, value) in ``setting``; the audit row's ``old``
is the value that was in force for that month before the change, so that the
history reads as "from X to Y from month M".  Checklists are versions of their
own (``checklist_version``); the centre's details are columns of ``centre``;
the installation's settings (operator, language, folder) are in the config
file, not in the database.

Reads use SQL text only (they work on ``Database.reading()``'s plain
connection); writes import the ORM when they run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from incubator_tui.errors import UserError
from incubator_tui.rules import settings as rules
from incubator_tui.rules.errors import SettingError
from incubator_tui.rules.settings import ChecklistItemValue, SettingEntry
from incubator_tui.services.access import reads_sql
from incubator_tui.services.dates import as_datetime

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

FIRST_MONTH = "2000-01"  # as services.centres: holidays and the time zone are stored from here
CALENDAR_KEYS = ("holidays", "makeup_days")
CENTRE_FIELDS = ("name", "category", "address", "contact", "phone", "rules_title", "notice_prefix")
# the settings whose change can alter flags, and those that alter live ratings
FLAG_KEYS = frozenset({"threshold", "run_length"})
RATING_KEYS = frozenset({"weights", "star_cutoffs", "party_gate", "party_cap", "min_complete_months"})


class SettingsRefused(UserError):
    """A change refused in place: ``errors`` maps each field to its reason; nothing was saved."""

    def __init__(self, errors: dict[Any, SettingError]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first.key, **first.params)
        self.errors = errors


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CentreDetails:
    id: str
    name: str
    category: str
    address: str = ""
    contact: str = ""
    phone: str = ""
    rules_title: str = ""
    notice_prefix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in CENTRE_FIELDS}


@dataclass(frozen=True)
class ChecklistVersionView:
    id: str
    number: int
    effective_month: str
    items: tuple[ChecklistItemValue, ...]

    @property
    def total_cent(self) -> int:
        return sum(i.max_cent for i in self.items)


@dataclass(frozen=True)
class SettingsView:
    centre: CentreDetails
    as_of: str
    values: dict[str, Any]  # every key of rules.DEFAULTS, typed, in force for as_of
    since: dict[str, str | None]  # key → effective month of the value in force (None: the default)
    checklist: ChecklistVersionView | None


@reads_sql
def centre_details(conn: Connection | Session, centre_id: str) -> CentreDetails:
    row = conn.execute(
        text("SELECT id, name, category, address, contact, phone, rules_title, notice_prefix "
             "FROM centre WHERE id = :c"), {"c": centre_id},
    ).one()
    return CentreDetails(*(v if v is not None else "" for v in row))


def setting_entries(conn: Connection | Session, centre_id: str) -> list[SettingEntry]:
    """The centre's setting rows, oldest first (a later row for the same month wins)."""
    from incubator_tui.services.centres import setting_entries as entries

    return entries(conn, centre_id)


def _since(entries: list[SettingEntry], month: str) -> dict[str, str | None]:
    out: dict[str, str | None] = dict.fromkeys(rules.DEFAULTS)
    for e in entries:
        if e.key in out and e.effective_month <= month:
            current = out[e.key]
            if current is None or e.effective_month >= current:
                out[e.key] = e.effective_month
    return out


@reads_sql
def checklist_versions(conn: Connection | Session, centre_id: str) -> list[ChecklistVersionView]:
    """The centre's checklist versions, oldest first, each with its items in order."""
    versions = conn.execute(
        text("SELECT id, number, effective_month FROM checklist_version WHERE centre_id = :c "
             "ORDER BY effective_month"), {"c": centre_id},
    ).all()
    items: dict[str, list[ChecklistItemValue]] = {v.id: [] for v in versions}
    for vid, code, name, name_en, max_cent, position in conn.execute(
        text("SELECT i.version_id, i.code, i.name, i.name_en, i.max_cent, i.position FROM checklist_item i "
             "JOIN checklist_version v ON v.id = i.version_id WHERE v.centre_id = :c ORDER BY i.position"),
        {"c": centre_id},
    ).all():
        items[vid].append(ChecklistItemValue(code, name, name_en or default_english_name(code, name), max_cent,
                                             position))
    return [ChecklistVersionView(v.id, v.number, v.effective_month, tuple(items[v.id])) for v in versions]


def default_english_name(code: str, name: str) -> str:
    """The English name of a default item (DOMAIN 3) kept under its default Chinese name, else ''."""
    from incubator_tui.services.centres import DEFAULT_CHECKLIST

    for c, zh, en, *_rest in DEFAULT_CHECKLIST:
        if c == code and zh == name:
            return en
    return ""


def version_in_force(versions: list[ChecklistVersionView], month: str) -> ChecklistVersionView | None:
    best = None
    for v in versions:
        if v.effective_month <= month:
            best = v
    return best


@reads_sql
def read_settings(conn: Connection | Session, centre_id: str, as_of: str) -> SettingsView:
    entries = setting_entries(conn, centre_id)
    return SettingsView(
        centre=centre_details(conn, centre_id),
        as_of=as_of,
        values=rules.settings_in_force(entries, as_of),
        since=_since(entries, as_of),
        checklist=version_in_force(checklist_versions(conn, centre_id), as_of),
    )


@reads_sql
def current_month(conn: Connection | Session, centre_id: str) -> str:
    """The current month in the centre's time zone (DOMAIN 7)."""
    from incubator_tui.services import clock

    tz = rules.value_in_force(setting_entries(conn, centre_id), "timezone", "9999-12")
    try:
        return clock.current_month(tz)
    except Exception:  # noqa: BLE001 - an unknown zone name on this machine: the default zone
        return clock.current_month()


@dataclass(frozen=True)
class SettingsPage:
    """What the settings screen shows: the settings in force this month, the versions of
    the checklist, every year's holidays, the history, the years without holidays."""

    view: SettingsView
    versions: list[ChecklistVersionView]
    history: list[HistoryRow]
    missing_years: list[int]


@reads_sql
def settings_page(conn: Connection | Session, centre_id: str) -> SettingsPage:
    from incubator_tui.services import clock

    month = current_month(conn, centre_id)
    view = read_settings(conn, centre_id, month)
    # holidays and the time zone are stored from the first month: the lists of every year
    view.values["holidays"] = rules.value_in_force(setting_entries(conn, centre_id), "holidays", "9999-12")
    view.values["makeup_days"] = rules.value_in_force(setting_entries(conn, centre_id), "makeup_days", "9999-12")
    today = clock.today(view.values["timezone"]) if _zone_ok(view.values["timezone"]) else clock.today()
    return SettingsPage(view, checklist_versions(conn, centre_id), history(conn, centre_id),
                        years_without_holidays(conn, centre_id, today))


# ---------------------------------------------------------------- this installation (the config file)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def check_installation(operator: str, language: str, output_dir: str) -> dict[str, SettingError]:
    errors: dict[str, SettingError] = {}
    if not operator.strip():
        errors["operator"] = SettingError("settings.bad.operator")
    elif len(operator.strip()) > 100:
        errors["operator"] = SettingError("settings.bad.too_long", max=100)
    if language not in ("zh", "en"):
        errors["language"] = SettingError("settings.bad.language")
    return errors


def save_installation(operator: str, language: str, output_dir: str) -> Path:
    """Write the operator, language and folder to the config file, keeping what else it holds
    (the [keys] table, keys this version does not know).  Not in the database: they belong
    to this computer, not to the centre's data handed over to the district."""
    import tomllib

    from incubator_tui import paths

    errors = check_installation(operator, language, output_dir)
    if errors:
        raise SettingsRefused(errors)
    path = paths.config_file()
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}  # a broken file is replaced: load_config ignored it anyway
    data.update(operator=operator.strip(), language=language, output_dir=output_dir.strip())
    lines = []
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    for k, v in data.items():
        if k in tables:
            continue
        if isinstance(v, bool):
            lines.append(f"{_toml_string(k)} = {'true' if v else 'false'}")
        elif isinstance(v, (int, float)):
            lines.append(f"{_toml_string(k)} = {v}")
        else:
            lines.append(f"{_toml_string(k)} = {_toml_string(str(v))}")
    for name, table in tables.items():
        lines.append(f"\n[{_toml_string(name)}]")
        lines.extend(f"{_toml_string(str(k))} = {_toml_string(str(v))}" for k, v in table.items()
                     if not isinstance(v, dict))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)  # never a half-written config
    return path


# ---------------------------------------------------------------- presenting (CLI)


def _num(v: int | Fraction) -> int | float:
    f = Fraction(v)
    return int(f) if f.denominator == 1 else float(f)


def settings_json(view: SettingsView) -> dict[str, Any]:
    """DOMAIN 10's shape (these keys exactly, numbers as JSON numbers) plus deadlines,
    holidays, the centre's details and where each value comes from."""
    v = view.values
    items = view.checklist.items if view.checklist else ()
    return {
        "centre": view.centre.name,
        "as_of": view.as_of,
        "threshold": _num(v["threshold"]),
        "run_length": v["run_length"],
        "step": _num(Fraction(v["score_step_cent"], 100)),
        "weights": {c: _num(w) for c, w in v["weights"].items()},
        "cutoffs": [_num(x) for x in v["star_cutoffs"]],
        "party_gate": {"below": _num(v["party_gate"]), "cap": v["party_cap"]},
        "min_complete_months": v["min_complete_months"],
        "checklist": [
            {"code": i.code, "name": i.name, "max": _num(Fraction(i.max_cent, 100)), "name_en": i.name_en}
            for i in items
        ],
        "checklist_effective": view.checklist.effective_month if view.checklist else None,
        "deadlines": {
            "rectification_days": v["deadline_days"],
            "rectification_months_annual": v["deadline_months_annual"],
            "handover_working_days": v["handover_working_days"],
            "objection_days": v["objection_days"],
            "publicity_days": v["publicity_days"],
        },
        "holidays": {str(y): [d.isoformat() for d in days] for y, days in sorted(v["holidays"].items())},
        "makeup_days": {str(y): [d.isoformat() for d in days] for y, days in sorted(v["makeup_days"].items())},
        "timezone": v["timezone"],
        "centre_details": {k: val for k, val in view.centre.as_dict().items() if k != "name"},
        "effective": {k: view.since[k] for k in rules.DEFAULTS if view.since.get(k)},
    }


def _text(v: Any) -> str:
    if isinstance(v, Fraction) or isinstance(v, int):
        return str(rules._json_number(v)) if not isinstance(v, bool) else str(v)
    return str(v)


def value_text(key: str, value: Any) -> str:
    """A setting's value as a person reads it, in the language in force."""
    from incubator_tui.i18n import t

    if key == "score_step_cent":
        return _text(Fraction(value, 100))
    if key == "weights":
        return t("sep.comma").join(f"{t(f'settings.component.{c}')} {_text(w)}" for c, w in value.items())
    if key == "star_cutoffs":
        return " / ".join(_text(x) for x in value)
    if key in CALENDAR_KEYS:
        if not value:
            return t("settings.none")
        return t("sep.semicolon").join(f"{y}: {len(days)}" + t("settings.days_unit")
                                       for y, days in sorted(value.items()))
    return _text(value)


def settings_lines(view: SettingsView) -> list[str]:
    """Human output of the ``settings`` command: one line per setting."""
    from incubator_tui.i18n import t

    lines = [t("settings.line.header", centre=view.centre.name, as_of=view.as_of)]
    for f in CENTRE_FIELDS[1:]:
        value = getattr(view.centre, f)
        if f == "category":
            value = t(f"category.{value}")
        lines.append(t("settings.line.value", label=t(f"settings.field.{f}"), value=value or t("settings.none"),
                       since=""))
    for key in (*rules.SCHEME_KEYS, "timezone", *CALENDAR_KEYS):
        since = view.since.get(key)
        origin = t("settings.since", month=since) if since else t("settings.default")
        lines.append(t("settings.line.value", label=t(f"settings.key.{key}"), value=value_text(key, view.values[key]),
                       since=origin))
    if view.checklist:
        lines.append(t("settings.line.checklist", number=view.checklist.number,
                       month=view.checklist.effective_month, count=len(view.checklist.items)))
        for i in view.checklist.items:
            lines.append(t("settings.line.item", code=i.code, name=item_name(i), max=_text(Fraction(i.max_cent, 100))))
    return lines


def item_name(item: ChecklistItemValue) -> str:
    from incubator_tui.i18n import get_language

    return item.name_en if get_language() == "en" and item.name_en else item.name


# ---------------------------------------------------------------- writing settings


def _json_text(key: str, value: Any) -> str:
    return json.dumps(rules.dump(key, value), ensure_ascii=False, sort_keys=True)


def _write_setting(session: Session, centre_id: str, key: str, month: str, value: Any, operator: str | None,
                   old_in_force: Any, *, batch_id: str | None = None, audit_field: str | None = None,
                   audit_old: Any = None, audit_new: Any = None) -> None:
    from sqlalchemy import select

    from incubator_tui.models import Setting
    from incubator_tui.services import audit

    stored = rules.dump(key, value)
    row = session.execute(
        select(Setting).where(Setting.centre_id == centre_id, Setting.key == key, Setting.effective_month == month)
    ).scalars().first()
    if row is None:
        row = Setting(centre_id=centre_id, key=key, effective_month=month, value=stored)
        session.add(row)
    else:
        row.value = stored
    session.flush()
    if operator is None:  # a preview's write, rolled back
        return
    if audit_field is None:
        audit_old = None if old_in_force is None else _json_text(key, old_in_force)
        audit_field, audit_new = key, _json_text(key, value)
    audit.record(session, operator, "setting", row.id, audit_field, audit_old, audit_new, batch_id)


def diff_settings(entries: list[SettingEntry], changes: dict[str, Any], month: str) -> dict[str, tuple[Any, Any]]:
    """key → (value in force for ``month`` now, new value) for the changes that change something."""
    out = {}
    for key, new in changes.items():
        new = rules.coerce(key, new)
        old = rules.value_in_force(entries, key, month)
        if rules.dump(key, old) != rules.dump(key, new):
            out[key] = (old, new)
    return out


def save_settings(db: Any, centre_id: str, changes: dict[str, Any], month: str, operator: str) -> list[str]:
    """Save settings in force from ``month`` on; returns the keys that changed (audited).
    A value equal to the one in force for that month is not written."""
    from incubator_tui.rules.months import parse_month

    month = parse_month(month)
    with db.session() as s:
        entries = setting_entries(s, centre_id)
        diff = diff_settings(entries, changes, month)
        for key, (old, new) in diff.items():
            _write_setting(s, centre_id, key, month, new, operator, old)
        return list(diff)


def save_scheme_texts(db: Any, centre_id: str, texts: dict[str, str], month: str, operator: str) -> list[str]:
    """The scheme's form as typed: refused whole (:class:`SettingsRefused`) when a field is bad."""
    values, errors = rules.parse_scheme(texts)
    if errors:
        raise SettingsRefused(errors)
    return save_settings(db, centre_id, values, month, operator)


# ---------------------------------------------------------------- the centre's details


def check_centre_fields(fields: dict[str, str]) -> dict[str, SettingError]:
    from incubator_tui.services.centres import CATEGORIES

    errors: dict[str, SettingError] = {}
    if "name" in fields and not fields["name"].strip():
        errors["name"] = SettingError("settings.bad.centre_name")
    if "category" in fields and fields["category"] not in CATEGORIES:
        errors["category"] = SettingError("settings.bad.category", value=fields["category"])
    limits = {"name": 200, "address": 300, "contact": 100, "phone": 50, "rules_title": 300, "notice_prefix": 50}
    for f, n in limits.items():
        if f in fields and len(fields[f].strip()) > n and f not in errors:
            errors[f] = SettingError("settings.bad.too_long", max=n)
    if "timezone" in fields and not _zone_ok(fields["timezone"].strip()):
        errors["timezone"] = SettingError("settings.bad.timezone", value=fields["timezone"])
    return errors


def _zone_ok(name: str) -> bool:
    """A name of the IANA time zone database (Asia/Shanghai, Asia/Urumqi ...)."""
    from zoneinfo import ZoneInfo

    if not name:
        return False
    try:
        ZoneInfo(name)
    except Exception:  # noqa: BLE001 - ZoneInfo raises several kinds for a bad name
        return False
    return True


def save_centre(db: Any, centre_id: str, fields: dict[str, str], operator: str) -> list[str]:
    """The centre's details (and its time zone); returns the fields that changed (audited).

    Details are the centre's current ones (no effective month): notices print
    what is true when they are written.  The time zone is a setting stored
    from the first month, so "today" is the same for every month's rules."""
    from incubator_tui.models import Centre
    from incubator_tui.services import audit

    fields = {k: v.strip() for k, v in fields.items()}
    errors = check_centre_fields(fields)
    if errors:
        raise SettingsRefused(errors)
    changed: list[str] = []
    with db.session() as s:
        centre = s.get(Centre, centre_id)
        if centre is None:
            raise UserError("centre.unknown", name=centre_id)
        if "name" in fields and fields["name"] != centre.name:
            clash = s.execute(text("SELECT 1 FROM centre WHERE name = :n AND id != :c"),
                              {"n": fields["name"], "c": centre_id}).first()
            if clash:
                raise SettingsRefused({"name": SettingError("settings.bad.centre_name_taken", name=fields["name"])})
        old = {f: getattr(centre, f) or "" for f in CENTRE_FIELDS if f in fields}
        new = {f: fields[f] for f in old}
        if audit.record_changes(s, operator, "centre", centre_id, old, new):
            for f, v in new.items():
                if old[f] != v:
                    setattr(centre, f, v)
                    changed.append(f)
            s.add(centre)
            s.flush()
        if "timezone" in fields:
            entries = setting_entries(s, centre_id)
            diff = diff_settings(entries, {"timezone": fields["timezone"]}, "9999-12")
            for key, (old_tz, new_tz) in diff.items():
                _write_setting(s, centre_id, key, FIRST_MONTH, new_tz, operator, old_tz)
                changed.append(key)
    return changed


# ---------------------------------------------------------------- holidays


@reads_sql
def year_calendar(conn: Connection | Session, centre_id: str, year: int) -> tuple[list[date], list[date]]:
    """The public holidays and make-up working days recorded for ``year``."""
    entries = setting_entries(conn, centre_id)
    hol = rules.value_in_force(entries, "holidays", "9999-12").get(year, ())
    mk = rules.value_in_force(entries, "makeup_days", "9999-12").get(year, ())
    return list(hol), list(mk)


@reads_sql
def years_without_holidays(conn: Connection | Session, centre_id: str, today: date) -> list[int]:
    """Of the current and next year, those with no list of public holidays (the dashboard warns)."""
    entries = setting_entries(conn, centre_id)
    known = rules.value_in_force(entries, "holidays", "9999-12")
    return [y for y in (today.year, today.year + 1) if not known.get(y)]


def write_calendars(session: Session, centre_id: str, years: dict[int, tuple[list[date], list[date]]],
                    operator: str, batch_id: str | None = None) -> list[int]:
    """Replace the lists of these years (others kept); returns the years that changed.
    Audited per year and list: field ``holidays:2027`` from the old dates to the new."""
    entries = setting_entries(session, centre_id)
    changed: set[int] = set()
    for idx, key in enumerate(CALENDAR_KEYS):
        current = dict(rules.value_in_force(entries, key, "9999-12"))
        updated = dict(current)
        audits = []
        for year, lists in years.items():
            new_days = tuple(sorted(set(lists[idx])))
            old_days = tuple(current.get(year, ()))
            if new_days == old_days:
                continue
            if new_days:
                updated[year] = new_days
            else:
                updated.pop(year, None)
            changed.add(year)
            audits.append((f"{key}:{year}", " ".join(d.isoformat() for d in old_days) or None,
                           " ".join(d.isoformat() for d in new_days) or None))
        if not audits:
            continue
        for i, (fld, old, new) in enumerate(audits):
            if i == 0:
                _write_setting(session, centre_id, key, FIRST_MONTH, updated, operator, None, batch_id=batch_id,
                               audit_field=fld, audit_old=old, audit_new=new)
            else:
                from incubator_tui.services import audit

                row_id = session.execute(
                    text("SELECT id FROM setting WHERE centre_id = :c AND key = :k AND effective_month = :m"),
                    {"c": centre_id, "k": key, "m": FIRST_MONTH},
                ).scalar_one()
                audit.record(session, operator, "setting", row_id, fld, old, new, batch_id)
    return sorted(changed)


def save_year_calendar(db: Any, centre_id: str, year: int, holidays_text: str, makeup_text: str,
                       operator: str) -> bool:
    """A year's lists as typed or pasted (any date form of DOMAIN 9); True if something changed."""
    errors: dict[str, SettingError] = {}
    hol, bad = rules.parse_date_list(holidays_text, year)
    if bad:
        errors["holidays"] = bad[0]
    mk, bad = rules.parse_date_list(makeup_text, year)
    if bad:
        errors["makeup_days"] = bad[0]
    if not errors:
        cal = rules.check_calendar(hol, mk)
        if cal:
            errors["makeup_days"] = cal[0]
    if errors:
        raise SettingsRefused(errors)
    with db.session() as s:
        return bool(write_calendars(s, centre_id, {year: (hol, mk)}, operator))


# ---------------------------------------------------------------- checklist versions


def scored_months_from(conn: Connection | Session, centre_id: str, month: str) -> str | None:
    """The latest month at or after ``month`` in which an org of the centre has a score or N/A
    (from ``month_result``: one row per org-month instead of one per item)."""
    return conn.execute(
        text("SELECT MAX(r.month) FROM month_result r JOIN organisation o ON o.id = r.org_id "
             "WHERE o.centre_id = :c AND r.month >= :m AND (r.scored > 0 OR r.na_count > 0)"),
        {"c": centre_id, "m": month},
    ).scalar()


def check_new_version(conn: Connection | Session, centre_id: str, month: str,
                      items: list[ChecklistItemValue]) -> SettingError | None:
    """Why a new version cannot take effect from ``month`` (None: it can, or it is the
    same as the version already there, which is not an error but writes nothing)."""
    from incubator_tui.rules.months import next_month

    existing = {v.effective_month: v for v in checklist_versions(conn, centre_id)}
    same = existing.get(month)
    if same is not None:
        if _same_items(same.items, items):
            return None
        return SettingError("settings.bad.version_exists", month=month)
    latest = scored_months_from(conn, centre_id, month)
    if latest is not None:
        # old months keep their version and their totals: a version never takes over a scored month
        return SettingError("settings.bad.version_scored", month=month, latest=latest, next=next_month(latest))
    return None


def _same_items(a: tuple[ChecklistItemValue, ...] | list[ChecklistItemValue],
                b: list[ChecklistItemValue]) -> bool:
    key = lambda i: (i.code, i.name, i.name_en, i.max_cent)  # noqa: E731
    return [key(i) for i in a] == [key(i) for i in b]


def write_version(session: Session, centre_id: str, month: str, items: list[ChecklistItemValue], operator: str,
                  batch_id: str | None = None) -> str | None:
    """Write a new version (already checked); None when the same version is already there."""
    from incubator_tui.models import ChecklistItem, ChecklistVersion
    from incubator_tui.services import audit

    versions = checklist_versions(session, centre_id)
    if any(v.effective_month == month and _same_items(v.items, items) for v in versions):
        return None
    before = version_in_force(versions, month)
    number = max((v.number for v in versions), default=0) + 1
    version = ChecklistVersion(centre_id=centre_id, number=number, effective_month=month)
    session.add(version)
    session.flush()
    for pos, it in enumerate(items):
        session.add(ChecklistItem(version_id=version.id, code=it.code, name=it.name, name_en=it.name_en,
                                  max_cent=it.max_cent, position=pos))
    session.flush()
    audit.record(session, operator, "checklist_version", version.id, "items",
                 items_text(before.items) if before else None, items_text(items), batch_id)
    return version.id


def items_text(items: tuple[ChecklistItemValue, ...] | list[ChecklistItemValue]) -> str:
    """A version's items in one line for the audit trail: 'plan 工作计划 2; hygiene 卫生清洁 3 ...'."""
    from incubator_tui.rules.scoring import cents_to_text

    return "; ".join(f"{i.code} {i.name} {cents_to_text(i.max_cent)}" for i in items)


def save_checklist_version(db: Any, centre_id: str, month: str, drafts: list[rules.DraftItem],
                           operator: str) -> str | None:
    """A new version from the screen's rows: refused in place (:class:`SettingsRefused`,
    keys ``(row, column)`` or ``"total"`` / ``"month"``), else written and audited."""
    from incubator_tui.rules.months import parse_month

    month = parse_month(month)
    with db.session() as s:
        step = rules.value_in_force(setting_entries(s, centre_id), "score_step_cent", month)
        items, errors, whole = rules.check_checklist(drafts, step)
        if errors or whole:
            raise SettingsRefused({**errors, **({"total": whole} if whole else {})})
        problem = check_new_version(s, centre_id, month, items)
        if problem:
            raise SettingsRefused({"month": problem})
        return write_version(s, centre_id, month, items, operator)


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    operator: str
    field: str  # a setting key ('holidays:2027' for a year's list), a centre field, or 'checklist'
    effective_month: str | None
    old: str | None
    new: str | None


@reads_sql
def history(conn: Connection | Session, centre_id: str) -> list[HistoryRow]:
    """Every audited change of the centre's settings, details and checklist, newest first."""
    rows: list[HistoryRow] = []
    for at, op, fld, month, old, new in conn.execute(
        text("SELECT a.at, a.operator, a.field, s.effective_month, a.old, a.new FROM audit a "
             "JOIN setting s ON s.id = a.row_id WHERE a.table_name = 'setting' AND s.centre_id = :c"),
        {"c": centre_id},
    ).all():
        rows.append(HistoryRow(as_datetime(at), op, fld, None if fld.split(":")[0] in CALENDAR_KEYS else month, old, new))
    for at, op, fld, old, new in conn.execute(
        text("SELECT at, operator, field, old, new FROM audit WHERE table_name = 'centre' AND row_id = :c"),
        {"c": centre_id},
    ).all():
        rows.append(HistoryRow(as_datetime(at), op, fld, None, old, new))
    for at, op, month, old, new in conn.execute(
        text("SELECT a.at, a.operator, v.effective_month, a.old, a.new FROM audit a "
             "JOIN checklist_version v ON v.id = a.row_id "
             "WHERE a.table_name = 'checklist_version' AND v.centre_id = :c"),
        {"c": centre_id},
    ).all():
        rows.append(HistoryRow(as_datetime(at), op, "checklist", month, old, new))
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows


# ---------------------------------------------------------------- what a change does


@dataclass
class Preview:
    """What a change would do, as lines in the language in force."""

    lines: list[str] = field(default_factory=list)


class _Rollback(Exception):
    pass


def _red_orgs(session: Session, centre_id: str, as_of: str) -> dict[str, str]:
    from incubator_tui.services.flags import compute_flags

    return {f.org_id: f.org for f in compute_flags(session, centre_id, as_of, include_amber=False)}


def _live_stars(session: Session, centre_id: str, years: list[int]) -> dict[tuple[int, str], int | None]:
    from incubator_tui.services.reviews import ratings_for_year

    out = {}
    for y in years:
        for r in ratings_for_year(session, centre_id, y):
            if not r.finalised:
                out[(y, r.org_id)] = r.stars
    return out


def _review_years(session: Session, centre_id: str, month: str) -> list[int]:
    """Years with review inputs whose December is at or after ``month`` (their ratings use it)."""
    first = int(month[:4])
    rows = session.execute(
        text("SELECT DISTINCT x.year FROM review_input x JOIN organisation o ON o.id = x.org_id "
             "WHERE o.centre_id = :c AND x.year >= :y ORDER BY x.year"), {"c": centre_id, "y": first},
    ).scalars().all()
    return list(rows)


def preview_settings(db: Any, centre_id: str, changes: dict[str, Any], month: str) -> Preview:
    """Lines saying what saving ``changes`` from ``month`` would do: each value from → to,
    then the red flags raised or cleared as of the latest scored month (only months from
    ``month`` on are judged anew) and the live ratings whose stars change (finalised never).
    Computed on the real data inside a transaction that is rolled back."""
    from incubator_tui.i18n import t
    from incubator_tui.services.flags import latest_scored_month

    preview = Preview()
    with db.session() as s:
        entries = setting_entries(s, centre_id)
        diff = diff_settings(entries, changes, month)
        if not diff:
            preview.lines.append(t("settings.preview.nothing"))
            return preview
        for key, (old, new) in diff.items():
            preview.lines.append(t("settings.preview.change", label=t(f"settings.key.{key}"),
                                   old=value_text(key, old), new=value_text(key, new), month=month))
        as_of = max(latest_scored_month(s, centre_id) or month, current_month(s, centre_id))
        flag_effect = bool(FLAG_KEYS & diff.keys())
        rating_effect = bool(RATING_KEYS & diff.keys())
        years = [y for y in _review_years(s, centre_id, month) if f"{y}-12" >= month] if rating_effect else []
        before_flags = _red_orgs(s, centre_id, as_of) if flag_effect else {}
        before_stars = _live_stars(s, centre_id, years)
        try:
            with s.begin_nested():
                for key, (_old, new) in diff.items():
                    _write_setting(s, centre_id, key, month, new, None, None)
                after_flags = _red_orgs(s, centre_id, as_of) if flag_effect else {}
                after_stars = _live_stars(s, centre_id, years)
                raise _Rollback
        except _Rollback:
            pass
        if flag_effect:
            cleared = sorted(before_flags[o] for o in before_flags.keys() - after_flags.keys())
            raised = sorted(after_flags[o] for o in after_flags.keys() - before_flags.keys())
            if month > as_of:
                preview.lines.append(t("settings.preview.flags_later", month=month))
            elif not cleared and not raised:
                preview.lines.append(t("settings.preview.flags_same", as_of=as_of))
            if cleared:
                preview.lines.append(t("settings.preview.flags_cleared", count=len(cleared), as_of=as_of,
                                       names="、".join(cleared[:5])))
            if raised:
                preview.lines.append(t("settings.preview.flags_raised", count=len(raised), as_of=as_of,
                                       names="、".join(raised[:5])))
        if rating_effect:
            changed: dict[int, int] = {}
            for k, stars in after_stars.items():
                if before_stars.get(k) != stars:
                    changed[k[0]] = changed.get(k[0], 0) + 1
            for y in sorted({y for y, _org in before_stars}):  # years with live (not finalised) ratings
                preview.lines.append(t("settings.preview.ratings", year=y, count=changed.get(y, 0)))
            preview.lines.append(t("settings.preview.finalised_kept"))
        if "score_step_cent" in diff:
            preview.lines.append(t("settings.preview.step"))
        s.rollback()
    return preview


def preview_checklist(db: Any, centre_id: str, month: str, items: list[ChecklistItemValue]) -> Preview:
    from incubator_tui.i18n import t

    with db.reading() as conn:
        before = version_in_force(checklist_versions(conn, centre_id), month)
    lines = []
    if before:
        lines.append(t("settings.preview.checklist_from", old=items_text(before.items), new=items_text(items),
                       month=month))
    lines.append(t("settings.preview.checklist_kept", month=month))
    return Preview(lines)


__all__ = [
    "CentreDetails", "ChecklistVersionView", "HistoryRow", "Preview", "SettingsRefused", "SettingsView",
    "checklist_versions", "history", "preview_checklist", "preview_settings", "read_settings", "save_centre",
    "save_checklist_version", "save_scheme_texts", "save_settings", "save_year_calendar", "settings_json",
    "settings_lines", "years_without_holidays",
]
