"""Centres, their checklists and their settings."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from incubator_tui.errors import UserError, UsageError
from incubator_tui.services.access import reads_sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Reads here use plain SQL on purpose: the read-only commands (flags, cases,
# ratings) then never import the SQLModel table classes, which keeps their
# whole process close to the cost of importing SQLModel itself.

DEFAULT_CENTRE_NAME = "孵化中心"
CATEGORIES = ("charity", "culture", "community", "volunteer")  # DOMAIN 2: the one list of categories
FIRST_MONTH = "2000-01"  # the default checklist is in force from before any real data

# DOMAIN 3, version 1: (code, 名称, English, what is checked, max in cents)
DEFAULT_CHECKLIST = (
    ("plan", "工作计划", "Work plan", "月度工作计划按时报送并落实", 200),
    ("hygiene", "卫生清洁", "Hygiene", "组织活动空间干净整洁", 200),
    ("party", "党建工作", "Party-building", "党建活动按期开展并有记录", 200),
    ("activity", "服务活动", "Service activities", "服务活动开展并有记录", 200),
    ("records", "制度台账", "Records", "档案、账目和台账规范", 100),
    ("safety", "安全规范", "Safety", "消防、用电和场地安全", 100),
)


@dataclass(frozen=True)
class CentreRef:
    id: str
    name: str
    category: str


def list_centres(session: Session) -> list[CentreRef]:
    rows = session.execute(text("SELECT id, name, category FROM centre ORDER BY name")).all()
    return [CentreRef(*r) for r in rows]


def create_centre(session: Session, name: str, operator: str, category: str = "community", **fields: Any):
    from incubator_tui.models import Centre, ChecklistItem, ChecklistVersion
    from incubator_tui.services import audit

    centre = Centre(name=name, category=category, **fields)
    session.add(centre)
    session.flush()
    audit.record(session, operator, "centre", centre.id, "name", None, name)
    version = ChecklistVersion(centre_id=centre.id, number=1, effective_month=FIRST_MONTH)
    session.add(version)
    session.flush()
    for position, (code, name_zh, name_en, description, max_cent) in enumerate(DEFAULT_CHECKLIST):
        session.add(
            ChecklistItem(
                version_id=version.id, code=code, name=name_zh, name_en=name_en, description=description,
                max_cent=max_cent, position=position,
            )
        )
    session.flush()
    return centre


def resolve_centre(session: Session, name: str | None, *, required_if_many: bool = False) -> CentreRef | None:
    """The centre a command works on (DOMAIN 10).

    With ``name``: that centre, or exit 1 if unknown.  Without: the only centre;
    with several, ``None`` (= all centres) unless ``required_if_many``, which
    is a usage error (exit 2).  A database with no centre yet gives ``None``.
    """
    if name:
        row = session.execute(text("SELECT id, name, category FROM centre WHERE name = :n"), {"n": name}).first()
        if row is None:
            raise UserError("centre.unknown", name=name)
        return CentreRef(*row)
    centres = list_centres(session)
    if len(centres) == 1:
        return centres[0]
    if len(centres) > 1 and required_if_many:
        from incubator_tui.i18n import t

        raise UsageError("centre.needed", names=t("sep.enum").join(c.name for c in centres))
    return None


@dataclass(frozen=True)
class Item:
    id: str
    code: str
    name: str
    max_cent: int
    position: int
    name_en: str = ""  # the English name (migration 0004; '' when none was given)


class Checklists:
    """A centre's checklist versions, to find the items in force for any month."""

    def __init__(self, session: Session, centre_id: str) -> None:
        versions = session.execute(
            text("SELECT id, effective_month FROM checklist_version WHERE centre_id = :c ORDER BY effective_month"),
            {"c": centre_id},
        ).all()
        self._months = [v.effective_month for v in versions]
        self._version_ids = [v.id for v in versions]
        items = session.execute(
            text(
                "SELECT i.version_id, i.id, i.code, i.name, i.max_cent, i.position, i.name_en FROM checklist_item i "
                "JOIN checklist_version v ON v.id = i.version_id WHERE v.centre_id = :c"
            ),
            {"c": centre_id},
        ).all()
        self._items: dict[str, list[Item]] = {vid: [] for vid in self._version_ids}
        for version_id, *fields in items:
            self._items[version_id].append(Item(*fields))
        for lst in self._items.values():
            lst.sort(key=lambda i: i.position)

    def version_for(self, month: str) -> str | None:
        i = bisect.bisect_right(self._months, month) - 1
        return self._version_ids[i] if i >= 0 else None

    def items_for(self, month: str) -> list[Item]:
        vid = self.version_for(month)
        return self._items.get(vid, []) if vid else []

    @cached_property
    def item_count_by_version(self) -> dict[str, int]:
        return {vid: len(items) for vid, items in self._items.items()}

    @cached_property
    def item_by_id(self) -> dict[str, Item]:
        return {it.id: it for items in self._items.values() for it in items}


def setting_entries(session: Session, centre_id: str) -> list:
    from incubator_tui.rules.settings import SettingEntry, coerce

    import json

    rows = session.execute(
        text("SELECT key, effective_month, value FROM setting WHERE centre_id = :c ORDER BY created_at"),
        {"c": centre_id},
    ).all()
    return [
        SettingEntry(key=r.key, effective_month=r.effective_month,
                     value=coerce(r.key, json.loads(r.value) if isinstance(r.value, str) else r.value))
        for r in rows
    ]


def set_setting(session: Session, centre_id: str, key: str, effective_month: str, value: Any, operator: str) -> None:
    from sqlalchemy import select

    from incubator_tui.models import Setting
    from incubator_tui.services import audit

    existing = session.execute(
        select(Setting).where(
            Setting.centre_id == centre_id, Setting.key == key, Setting.effective_month == effective_month
        )
    ).scalars().first()
    if existing is None:
        existing = Setting(centre_id=centre_id, key=key, effective_month=effective_month, value=value)
        session.add(existing)
        session.flush()
        audit.record(session, operator, "setting", existing.id, key, None, value)
    else:
        audit.record(session, operator, "setting", existing.id, key, existing.value, value)
        existing.value = value
        session.flush()


def org_count(session: Session, centre_id: str) -> int:
    return session.execute(text("SELECT COUNT(*) FROM organisation WHERE centre_id = :c"), {"c": centre_id}).scalar_one()


# ---------------------------------------------------------------- the app's scope (a district database)


def ids_in(column: str, centre_ids: Sequence[str], params: dict, name: str = "cids") -> str:
    """``column IN (:cids0, :cids1, ...)`` for ``centre_ids`` (bind parameters added to ``params``):
    the screens read one centre or several with the same query (an index on ``column`` serves both).
    Portable SQL: SQLite and PostgreSQL alike."""
    ids = list(dict.fromkeys(centre_ids))
    if not ids:
        return "1 = 0"
    params.update({f"{name}{i}": c for i, c in enumerate(ids)})
    return f"{column} IN (" + ", ".join(f":{name}{i}" for i in range(len(ids))) + ")"


def scope_ids(centre_ids: str | Sequence[str]) -> tuple[str, ...]:
    """One centre id or several, as a tuple (services take either)."""
    return (centre_ids,) if isinstance(centre_ids, str) else tuple(centre_ids)


@reads_sql
def merged_centres(session: Session) -> frozenset[str]:
    """The centres whose rows came from a district merge (``exchange_log`` kind ``merge``): the
    database is a district database, and these centres' scores are entered in their own
    databases (their next export replaces what is here)."""
    rows = session.execute(text(
        "SELECT DISTINCT l.centre_id FROM exchange_log l JOIN centre c ON c.id = l.centre_id WHERE l.kind = 'merge'"
    )).all()
    return frozenset(r[0] for r in rows)
