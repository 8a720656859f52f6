"""checklist items get an English name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

checklist_item.name_en: the item's English name (DOMAIN 9's name_en column; the
settings screen's new versions).  Existing items of the default checklist get
their English names (services.centres.DEFAULT_CHECKLIST); other items keep ''.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# DOMAIN 3's default items as version 1 wrote them: (code, 名称, English)
_DEFAULT_NAMES = (
    ("plan", "工作计划", "Work plan"),
    ("hygiene", "卫生清洁", "Hygiene"),
    ("party", "党建工作", "Party-building"),
    ("activity", "服务活动", "Service activities"),
    ("records", "制度台账", "Records"),
    ("safety", "安全规范", "Safety"),
)


def upgrade() -> None:
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=100), nullable=False, server_default=''))
    for code, zh, en in _DEFAULT_NAMES:
        op.execute(
            sa.text("UPDATE checklist_item SET name_en = :en WHERE code = :code AND name = :zh AND name_en = ''")
            .bindparams(en=en, code=code, zh=zh)
        )


def downgrade() -> None:
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_column('name_en')
