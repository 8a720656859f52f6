"""Alembic environment: always run programmatically by ``incubator_tui.db``
with an open connection passed in ``config.attributes['connection']``."""

from __future__ import annotations

from alembic import context

import incubator_tui.models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # only used when developers autogenerate from a URL
        from sqlalchemy import create_engine

        connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
