"""cases: rectification items ticked off, notice details of centres and organisations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

- rectification_item.done_on / evidence: an item is done on a date with a line of evidence (DOMAIN 5);
- centre.notice_prefix: the prefix of the centre's notice numbers (雪宫孵 → 雪宫孵约〔2026〕3号), DOMAIN 7;
  the other centre details (address, contact, phone, rules_title) are in 0001 already;
- organisation.legal_rep: the legal representative or head named on notices (agreement_no is in 0001).

Plain added columns with server defaults: old rows read as "not done", "no prefix", "no representative".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('evidence', sa.String(), nullable=False, server_default=''))
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_prefix', sa.String(length=50), nullable=False, server_default=''))
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_rep', sa.String(length=100), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('legal_rep')
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.drop_column('notice_prefix')
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.drop_column('evidence')
        batch_op.drop_column('done_on')
