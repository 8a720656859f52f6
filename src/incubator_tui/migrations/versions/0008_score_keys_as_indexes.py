"""district exchange: the score table's two keys as unique indexes; the audit's imports indexed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

- score: ``PRIMARY KEY (id)`` and ``UNIQUE (org_id, month, item_id)`` become the unique indexes
  ``uq_score_id`` and ``uq_score_org_month_item``. The same rows are allowed and the same look-ups
  made (SQLite implemented both constraints as exactly such indexes), but an index of its own can
  be built after the rows: a merge into a new district database copies every centre's score rows
  first and then sorts each key once, instead of inserting each row into both keys, where the app's
  random ids land anywhere (50 centres, 621,000 rows: ~0.7 s of the build). SQLite cannot drop a
  table's constraint, so the table is rebuilt: a new table, the rows copied, the old one dropped.
  Nothing refers to score's rows by foreign key.
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

_COLUMNS = "id, org_id, month, item_id, value_cent, na, reason, batch_id, created_at, updated_at"


def _new_score(*constraints: sa.schema.SchemaItem) -> None:
    """score made anew with these foreign keys and keys, its rows copied in their order.  The old
    table is renamed first, so the new one is created under its own name (a renamed table's SQL
    would read ``CREATE TABLE "score"``)."""
    op.rename_table('score', 'score_old')
    op.create_table('score',
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
    *constraints,
    )
    op.execute(f"INSERT INTO score ({_COLUMNS}) SELECT {_COLUMNS} FROM score_old ORDER BY rowid")
    op.drop_table('score_old')


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{table}.id'], )


def upgrade() -> None:
    _new_score(_fk('org_id', 'organisation'), _fk('item_id', 'checklist_item'), _fk('batch_id', 'import_batch'))
    # Built after the rows: each key one sort. A duplicate cannot be there (both were constraints).
    op.create_index('uq_score_id', 'score', ['id'], unique=True)
    op.create_index('uq_score_org_month_item', 'score', ['org_id', 'month', 'item_id'], unique=True)
    op.create_index('ix_audit_batch', 'audit', ['batch_id'], unique=False,
                    sqlite_where=sa.text('batch_id IS NOT NULL'), postgresql_where=sa.text('batch_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_audit_batch', table_name='audit')
    # As 0001 made it, constraints in its order (a downgraded database's schema reads as 0007's).
    _new_score(_fk('batch_id', 'import_batch'), _fk('item_id', 'checklist_item'), _fk('org_id', 'organisation'),
               sa.PrimaryKeyConstraint('id'), sa.UniqueConstraint('org_id', 'month', 'item_id'))
