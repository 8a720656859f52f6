"""district exchange: the score table's covering index dropped

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

- score: ix_score_org_month (org_id, month, item_id, value_cent, na) is dropped. It let month totals be
  summed from the index alone before month_result existed; streaks, flags, the dashboard and ratings read
  month_result now, the unique key (org_id, month, item_id) serves every lookup by org and month, and the
  few questions it still answered ("has this month any score?") read month_result too. It was a sixth
  of every export and a quarter of the time a district merge spends building its copy.

An index only: no row is touched. Its pages go to the database's free list (reused as it grows); an
export is written compact (VACUUM INTO), so exports are smaller at once.
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF EXISTS: the end state is the same whoever dropped it first (SQLite and PostgreSQL both have it).
    op.drop_index('ix_score_org_month', table_name='score', if_exists=True)


def downgrade() -> None:
    op.create_index('ix_score_org_month', 'score', ['org_id', 'month', 'item_id', 'value_cent', 'na'], unique=False)
