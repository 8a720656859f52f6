"""district exchange: the log of exports (the sequence number) and merges

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

- exchange_log: one row per export of a centre (its sequence number, DOMAIN 9) and, in a district
  database, one per merge of a centre's export (which sequence is in, what it changed).

A new table only: older databases gain an empty log (their next export is number 1).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_log',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('file', sa.String(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('redacted', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exchange_log', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_log_centre', ['centre_id', 'kind', 'sequence'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_log', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_log_centre')
    op.drop_table('exchange_log')
