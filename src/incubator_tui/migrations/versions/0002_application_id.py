"""the app's application id in the SQLite header

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Marks the file as this app's (``PRAGMA application_id``, see
``incubator_tui.db.APPLICATION_ID``), so that it is recognised positively and
any other SQLite file can be refused untouched.  No table changes.
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The ASCII bytes of "ICBT": the same value as incubator_tui.db.APPLICATION_ID
# (kept literal here: a migration must not change when the app's code does).
APPLICATION_ID = 0x49434254


def upgrade() -> None:
    op.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def downgrade() -> None:
    op.execute("PRAGMA application_id = 0")
