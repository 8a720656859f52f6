"""annual review: the publicity period of a finalised rating and requests for review

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

- rating.publicity_until: the last day of the rating's publicity period (公示, DOMAIN 6); NULL on
  ratings finalised before (the app counts it from their finalising date and the setting).
- rating_request: an organisation's request for review (复核申请) during that period, and its
  decision (amended or confirmed, with the reason).

A new nullable column and a new table: older databases keep every rating as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable): SQLite and PostgreSQL both do it in place, no table rebuilt.
    op.add_column('rating', sa.Column('publicity_until', sa.Date(), nullable=True))
    op.create_table('rating_request',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('rating_id', sa.String(length=32), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('decision_reason', sa.String(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rating_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_request_rating_id'), ['rating_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rating_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_request_rating_id'))
    op.drop_table('rating_request')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_column('publicity_until')
