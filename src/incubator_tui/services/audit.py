"""The audit trail: who changed which field of which row, when, old and new."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from incubator_tui.models import AuditEntry
from incubator_tui.models.base import new_id, utcnow


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def audit_row(
    operator: str, table: str, row_id: str, field: str, old: Any, new: Any, batch_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "at": utcnow(),
        "operator": operator,
        "table_name": table,
        "row_id": row_id,
        "field": field,
        "old": _text(old),
        "new": _text(new),
        "batch_id": batch_id,
    }


def record(
    session: Session, operator: str, table: str, row_id: str, field: str, old: Any, new: Any,
    batch_id: str | None = None,
) -> None:
    session.execute(insert(AuditEntry), [audit_row(operator, table, row_id, field, old, new, batch_id)])


def record_changes(
    session: Session, operator: str, table: str, row_id: str, old: Mapping[str, Any], new: Mapping[str, Any],
    batch_id: str | None = None,
) -> int:
    """Audit every field whose value differs; returns how many did."""
    rows = [
        audit_row(operator, table, row_id, key, old.get(key), value, batch_id)
        for key, value in new.items()
        if _text(old.get(key)) != _text(value)
    ]
    if rows:
        session.execute(insert(AuditEntry), rows)
    return len(rows)


def record_many(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        session.execute(insert(AuditEntry), rows)
