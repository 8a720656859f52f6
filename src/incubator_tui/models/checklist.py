from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field


class ChecklistVersion(SQLModel, table=True):
    """A version of the monthly checklist (考评细则), in force from a month."""

    __tablename__ = "checklist_version"
    __table_args__ = (UniqueConstraint("centre_id", "effective_month"),)

    id: str = id_field()
    centre_id: str = fk("centre.id")
    number: int = 1
    effective_month: str = Field(max_length=7)  # YYYY-MM
    created_at: datetime = created_field()


class ChecklistItem(SQLModel, table=True):
    """One scored item; maxima of a version sum to 10 points (1000 cents)."""

    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: str = id_field()
    version_id: str = fk("checklist_version.id")
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)  # English name (blank: the Chinese one is shown)
    description: str = ""
    max_cent: int  # maximum in hundredths of a point
    position: int = 0
