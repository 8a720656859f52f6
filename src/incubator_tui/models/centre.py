from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, id_field, updated_field


class Centre(SQLModel, table=True):
    """An incubation centre (孵化中心)."""

    __tablename__ = "centre"

    id: str = id_field()
    name: str = Field(max_length=200, index=True)
    category: str = Field(default="community", max_length=20)  # charity|culture|community|volunteer
    address: str = Field(default="", max_length=300)
    contact: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=50)
    rules_title: str = Field(default="", max_length=300)  # title of its management rules, cited in notices
    notice_prefix: str = Field(default="", max_length=50)  # 雪宫孵 → 雪宫孵约〔2026〕3号 (blank: from the name)
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()
