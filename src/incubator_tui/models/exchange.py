from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field


class ExchangeLog(SQLModel, table=True):
    """The district exchange's history (DOMAIN 9), one row per export or merge.

    In a centre's database, ``kind = 'export'`` rows: the export's sequence
    number (increasing per centre: it, not the clock, says which export is
    newer).  In a district database, ``kind = 'merge'`` rows too: which export
    of each centre was merged, when and what it changed.  Export rows travel
    with the centre's data; merge rows stay in the district.
    """

    __tablename__ = "exchange_log"
    __table_args__ = (Index("ix_exchange_log_centre", "centre_id", "kind", "sequence"),)

    id: str = id_field()
    centre_id: str = fk("centre.id", index=False)
    kind: str = Field(max_length=10)  # export | merge
    sequence: int
    exported_at: datetime
    at: datetime = created_field()
    operator: str = Field(default="", max_length=100)
    file: str = ""
    checksum: str = Field(default="", max_length=64)
    redacted: bool = False
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
