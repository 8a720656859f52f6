from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field


class Setting(SQLModel, table=True):
    """A centre setting (DOMAIN 7), in force from ``effective_month``."""

    __tablename__ = "setting"
    __table_args__ = (UniqueConstraint("centre_id", "key", "effective_month"),)

    id: str = id_field()
    centre_id: str = fk("centre.id", index=False)
    key: str = Field(max_length=60)
    effective_month: str = Field(max_length=7)
    value: Any = Field(sa_type=JSON)
    created_at: datetime = created_field()
