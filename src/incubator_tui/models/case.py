from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field, updated_field


class OrgCase(SQLModel, table=True):
    """A case (约谈 → 整改 → 复查 → 结案 / 退出) against one organisation."""

    __tablename__ = "org_case"

    id: str = id_field()
    centre_id: str = fk("centre.id")
    org_id: str = fk("organisation.id")
    kind: str = Field(max_length=10)  # monthly | annual | veto
    state: str = Field(default="to_interview", max_length=20, index=True)
    opened_on: date
    opened_at: datetime = created_field()
    reason: str = ""
    months: list[str] = Field(default_factory=list, sa_type=JSON)  # monthly cases: the streak's months
    totals: list[str] = Field(default_factory=list, sa_type=JSON)  # their exact totals, as text
    year: int | None = None  # annual and veto cases
    rating_id: str | None = fk("rating.id", nullable=True, index=False)
    interview_date: date | None = None
    interview_place: str = ""
    interviewers: str = ""
    attendees: str = ""
    problems: str = ""
    commitments: str = ""
    review_date: date | None = None
    review_findings: str = ""
    notice_date: date | None = None
    handover_deadline: date | None = None
    objection_deadline: date | None = None
    exit_date: date | None = None
    closed_on: date | None = None
    updated_at: datetime = updated_field()


class CaseEvent(SQLModel, table=True):
    """A transition or note on a case, kept forever."""

    __tablename__ = "case_event"

    id: str = id_field()
    case_id: str = fk("org_case.id")
    at: datetime = created_field()
    operator: str = Field(default="", max_length=100)
    action: str = Field(max_length=30)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class RectificationItem(SQLModel, table=True):
    """One thing the organisation must fix, with an owner and a deadline."""

    __tablename__ = "rectification_item"

    id: str = id_field()
    case_id: str = fk("org_case.id")
    description: str
    owner: str = ""
    deadline: date
    original_deadline: date
    position: int = 0
    done_on: date | None = None  # ticked off on this date (None: open)
    evidence: str = ""  # a line of evidence, e.g. 已补齐2026年11月台账
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()
