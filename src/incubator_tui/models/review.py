from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from incubator_tui.models.base import created_field, fk, id_field, updated_field


class ReviewInput(SQLModel, table=True):
    """An organisation's annual-review inputs for one year (0-100, in cents)."""

    __tablename__ = "review_input"
    __table_args__ = (UniqueConstraint("org_id", "year"),)

    id: str = id_field()
    org_id: str = fk("organisation.id", index=False)
    year: int
    party_cent: int | None = None
    self_cent: int | None = None
    public_cent: int | None = None
    veto: str = ""  # the grave violation's description; empty = none
    batch_id: str | None = fk("import_batch.id", nullable=True, index=False)
    created_at: datetime = created_field()
    updated_at: datetime = updated_field()


class PeerRating(SQLModel, table=True):
    """One peer rating (互评) of an organisation, by a named org or unnamed."""

    __tablename__ = "peer_rating"

    id: str = id_field()
    org_id: str = fk("organisation.id")
    year: int
    rater_org_id: str | None = fk("organisation.id", nullable=True, index=False)
    value_cent: int
    active: bool = True  # a re-import retires the previous imported ratings
    batch_id: str | None = fk("import_batch.id", nullable=True, index=False)
    created_at: datetime = created_field()


class Rating(SQLModel, table=True):
    """A finalised star rating; never overwritten, only amended."""

    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("org_id", "year"),)

    id: str = id_field()
    org_id: str = fk("organisation.id", index=False)
    year: int
    composite: str | None = Field(default=None, max_length=60)  # exact fraction as text, e.g. "1697/20"
    stars: int  # current stars (after amendments)
    original_stars: int
    priority: bool = False  # five stars: priority list for project matching
    inputs: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    finalised_at: datetime = created_field()
    finalised_by: str = Field(default="", max_length=100)
    # The last day of its publicity period (公示, DOMAIN 6); None on ratings finalised
    # before schema 0006 (the services then count it from the finalising date).
    publicity_until: date | None = None


class RatingAmendment(SQLModel, table=True):
    __tablename__ = "rating_amendment"

    id: str = id_field()
    rating_id: str = fk("rating.id")
    at: datetime = created_field()
    operator: str = Field(default="", max_length=100)
    old_stars: int
    new_stars: int
    reason: str


class RatingRequest(SQLModel, table=True):
    """An organisation's request for review (复核申请) of a finalised rating during its
    publicity period, and its decision: the rating amended, or confirmed with a reason."""

    __tablename__ = "rating_request"

    id: str = id_field()
    rating_id: str = fk("rating.id")
    received_on: date
    text: str
    recorded_at: datetime = created_field()
    recorded_by: str = Field(default="", max_length=100)
    decision: str = Field(default="", max_length=20)  # "" pending | amended | confirmed
    decision_reason: str = ""
    decided_at: datetime | None = None
    decided_by: str = Field(default="", max_length=100)
