"""district exchange: the keys of score and month_result as unique indexes; the audit's imports indexed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

- score: ``PRIMARY KEY (id)`` and ``UNIQUE (org_id, month, item_id)`` become the unique indexes
  ``uq_score_id`` and ``uq_score_org_month_item``; month_result's ``PRIMARY KEY (org_id, month)``
  becomes ``uq_month_result_org_month``. The same rows are allowed and the same look-ups made
  (SQLite implemented those constraints as exactly such indexes), but an index of its own can be
  built after the rows: a merge into a new district database copies every centre's rows of the two
  tables with an organisation and month per row first, then sorts each key once, instead of
  inserting each row into its keys, where the app's random ids land anywhere (50 centres, 621,000
  score rows: ~0.75 s of the build). SQLite cannot drop a table's constraint, so the two tables
  are rebuilt: a new table, the rows copied, the old one dropped. Nothing refers to their rows by
  foreign key.
- audit: ``ix_audit_batch`` on ``batch_id``, partial (only rows an import wrote have one), so that
  a merge replacing a centre finds the audit rows of its imports without reading the whole audit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _score_columns() -> list[sa.Column]:
    return [
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('item_id', sa.String(length=32), nullable=False),
        sa.Column('value_cent', sa.Integer(), nullable=True),
        sa.Column('na', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(), nullable=False),
        sa.Column('batch_id', sa.String(length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def _month_result_columns() -> list[sa.Column]:
    return [
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('earned_cent', sa.Integer(), nullable=False),
        sa.Column('max_cent', sa.Integer(), nullable=False),
        sa.Column('scored', sa.Integer(), nullable=False),
        sa.Column('na_count', sa.Integer(), nullable=False),
    ]


def _rebuild(table: str, columns: list[sa.Column], *constraints: sa.schema.SchemaItem) -> None:
    """``table`` made anew with these columns, foreign keys and keys, its rows copied in their
    order.  The old table is renamed first, so the new one is created under its own name (a
    renamed table's SQL would read ``CREATE TABLE "score"``)."""
    names = ", ".join(c.name for c in columns)
    op.rename_table(table, f'{table}_old')
    op.create_table(table, *columns, *constraints)
    op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}_old ORDER BY rowid")
    op.drop_table(f'{table}_old')


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{table}.id'], )


def upgrade() -> None:
    _rebuild('score', _score_columns(),
             _fk('org_id', 'organisation'), _fk('item_id', 'checklist_item'), _fk('batch_id', 'import_batch'))
    _rebuild('month_result', _month_result_columns(), _fk('org_id', 'organisation'))
    # Built after the rows: each key one sort. A duplicate cannot be there (each was a constraint).
    op.create_index('uq_score_id', 'score', ['id'], unique=True)
    op.create_index('uq_score_org_month_item', 'score', ['org_id', 'month', 'item_id'], unique=True)
    op.create_index('uq_month_result_org_month', 'month_result', ['org_id', 'month'], unique=True)
    op.create_index('ix_audit_batch', 'audit', ['batch_id'], unique=False,
                    sqlite_where=sa.text('batch_id IS NOT NULL'), postgresql_where=sa.text('batch_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_audit_batch', table_name='audit')
    # As 0001 made them, constraints in its order (a downgraded database's schema reads as 0007's).
    _rebuild('month_result', _month_result_columns(), _fk('org_id', 'organisation'),
             sa.PrimaryKeyConstraint('org_id', 'month'))
    _rebuild('score', _score_columns(),
             _fk('batch_id', 'import_batch'), _fk('item_id', 'checklist_item'), _fk('org_id', 'organisation'),
             sa.PrimaryKeyConstraint('id'), sa.UniqueConstraint('org_id', 'month', 'item_id'))
