from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field


class ImportBatch(SQLModel, table=True):
    """One import: the file, its checksum and what it did (audited as a batch)."""

    __tablename__ = "import_batch"

    id: str = id_field()
    centre_id: str = fk("centre.id")
    kind: str = Field(max_length=20)  # orgs | scores | reviews
    filename: str
    sha256: str = Field(max_length=64)
    at: datetime = created_field()
    operator: str = Field(default="", max_length=100)
    added: int = 0
    changed: int = 0
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class AuditEntry(SQLModel, table=True):
    """Who changed which field of which row, when, from what to what."""

    __tablename__ = "audit"
    # ix_audit_batch (0008): only rows an import wrote have a batch; a merge replacing a centre
    # finds its imports' rows by it.
    __table_args__ = (
        Index("ix_audit_row", "table_name", "row_id"),
        Index("ix_audit_batch", "batch_id", sqlite_where=text("batch_id IS NOT NULL")),
    )

    id: str = id_field()
    at: datetime = created_field()
    operator: str = Field(default="", max_length=100)
    table_name: str = Field(max_length=40)
    row_id: str = Field(max_length=32)
    field: str = Field(max_length=60)
    old: str | None = None
    new: str | None = None
    batch_id: str | None = fk("import_batch.id", nullable=True, index=False)
