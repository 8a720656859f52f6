"""Shared column helpers: UUID-hex primary keys and timestamps.

Ids are UUID4 hex strings so that the databases of several centres can be
merged into a district database without collisions.  Defaults are set on the
SQLAlchemy side too, so bulk Core inserts get them as well as ORM objects.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Field


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=32, sa_column_kwargs={"default": new_id})


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    if nullable:
        return Field(default=None, foreign_key=target, max_length=32, index=index, nullable=True)
    return Field(foreign_key=target, max_length=32, index=index)


def created_field() -> Any:
    return Field(default_factory=utcnow, sa_column_kwargs={"default": utcnow})


def updated_field() -> Any:
    return Field(default_factory=utcnow, sa_column_kwargs={"default": utcnow, "onupdate": utcnow})
