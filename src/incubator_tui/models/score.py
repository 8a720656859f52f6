from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field, new_id, updated_field


class Score(SQLModel, table=True):
    """One item's score for one organisation in one month.

    ``value_cent`` is the score in hundredths of a point (exact integers);
    ``na`` marks 不适用.  A row with neither is a cleared cell: kept, so the
    audit trail and the row's history stay joined.
    """

    __tablename__ = "score"
    # Both keys are unique indexes of their own (0008), not constraints in the table: the same
    # rows allowed and the same look-ups, but a merge into a new district database can build
    # them once its rows are in (a sort) instead of row by row, where the app's random ids land
    # all over both (50 centres: ~0.7 s of the build).  The mapper's primary key is still ``id``.
    # The (org_id, month, item_id) key serves every lookup by org and month.  No covering index
    # (dropped in 0007): totals, streaks and "has this month a score?" read ``month_result``.
    __table_args__ = (
        Index("uq_score_id", "id", unique=True),
        Index("uq_score_org_month_item", "org_id", "month", "item_id", unique=True),
    )
    __mapper_args__ = {"primary_key": ["id"]}

    id: str = Field(default_factory=new_id, max_length=32, sa_column_kwargs={"default": new_id})
    org_id: str = fk("organisation.id", index=False)
    month: str = Field(max_length=7)
    item_id: str = fk("checklist_item.id", index=False)
    value_cent: int | None = None
    na: bool = False
    reason: str = ""  # 扣分原因
    batch_id: str | None = fk("import_batch.id", nullable=True, index=False)
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()


class MonthResult(SQLModel, table=True):
    """Per organisation and month, the integer sums behind its total.

    Derived from the score rows and rewritten in the same transaction as every
    score write (``services.monthly.refresh_results``), so streaks, flags,
    dashboards and ratings read one small row per month instead of
    aggregating every item's score.  Completeness is judged by the reader
    against the checklist version in force that month.
    """

    __tablename__ = "month_result"
    # The key is a unique index of its own (0008), as score's are: a new district builds it once
    # its rows are in.  The mapper's primary key is still (org_id, month).
    __table_args__ = (Index("uq_month_result_org_month", "org_id", "month", unique=True),)
    __mapper_args__ = {"primary_key": ["org_id", "month"]}

    org_id: str = Field(foreign_key="organisation.id", max_length=32)
    month: str = Field(max_length=7)
    earned_cent: int  # sum of scored values
    max_cent: int  # sum of the maxima of the scored items (N/A items leave the denominator)
    scored: int  # items with a value
    na_count: int  # items marked N/A


class CentreMonth(SQLModel, table=True):
    """A centre's month: closed (locked) and/or paused (不考评)."""

    __tablename__ = "centre_month"
    __table_args__ = (UniqueConstraint("centre_id", "month"),)

    id: str = id_field()
    centre_id: str = fk("centre.id", index=False)
    month: str = Field(max_length=7)
    closed: bool = False
    paused: bool = False
    note: str = ""
    updated_at: datetime = updated_field()


class Exemption(SQLModel, table=True):
    """One organisation exempt (免考评) for one month, with a reason."""

    __tablename__ = "exemption"
    __table_args__ = (UniqueConstraint("org_id", "month"),)

    id: str = id_field()
    org_id: str = fk("organisation.id", index=False)
    month: str = Field(max_length=7)
    reason: str
    active: bool = True  # lifting an exemption keeps the row (nothing is deleted)
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()
