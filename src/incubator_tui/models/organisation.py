from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field, updated_field


class Organisation(SQLModel, table=True):
    """An incubated social organisation or start-up team (社会组织 / 初创团队)."""

    __tablename__ = "organisation"
    __table_args__ = (
        # A name is unique among the centre's organisations that have not left.
        Index(
            "uq_organisation_active_name",
            "centre_id",
            "name",
            unique=True,
            sqlite_where=text("status = 'incubating'"),
            postgresql_where=text("status = 'incubating'"),
        ),
    )

    id: str = id_field()
    centre_id: str = fk("centre.id")
    name: str = Field(max_length=200)
    category: str = Field(max_length=20)  # charity|culture|community|volunteer
    legal_form: str = Field(default="startup", max_length=30)
    credit_code: str | None = Field(default=None, max_length=18)
    credit_code_warning: bool = False  # check character wrong: recorded, never blocking
    filing_no: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=50)
    party_form: str = Field(default="none", max_length=20)
    entry_date: date
    agreement_no: str = Field(default="", max_length=100)
    legal_rep: str = Field(default="", max_length=100)  # legal representative or head, named on notices
    agreement_start: date | None = None
    agreement_end: date | None = None
    deposit_cent: int = 0
    room: str = Field(default="", max_length=100)
    fee_relief: str = Field(default="none", max_length=30)
    # Base status: incubating | exited | graduated.  The case-driven statuses
    # (约谈中, 整改中, 责令退出) are derived from open cases, never stored.
    status: str = Field(default="incubating", max_length=20, index=True)
    end_date: date | None = None  # exit or graduation date: membership ends that month
    evidence: list[Any] = Field(default_factory=list, sa_type=JSON)
    previous_id: str | None = fk("organisation.id", nullable=True, index=False)
    note: str = ""
    # Sort and search keys, computed when the name is written so that the app
    # need not import pypinyin to sort or search.
    pinyin: str = Field(default="", max_length=600)
    initials: str = Field(default="", max_length=200)
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()
