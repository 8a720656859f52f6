"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('centre',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('rules_title', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_name'), ['name'], unique=False)

    op.create_table('centre_month',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('centre_id', 'month')
    )
    op.create_table('checklist_version',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('effective_month', sa.String(length=7), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('centre_id', 'effective_month')
    )
    with op.batch_alter_table('checklist_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_version_centre_id'), ['centre_id'], unique=False)

    op.create_table('import_batch',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_centre_id'), ['centre_id'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('legal_form', sa.String(length=30), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('credit_code_warning', sa.Boolean(), nullable=False),
    sa.Column('filing_no', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('party_form', sa.String(length=20), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('agreement_no', sa.String(length=100), nullable=False),
    sa.Column('agreement_start', sa.Date(), nullable=True),
    sa.Column('agreement_end', sa.Date(), nullable=True),
    sa.Column('deposit_cent', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('fee_relief', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('previous_id', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('pinyin', sa.String(length=600), nullable=False),
    sa.Column('initials', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.ForeignKeyConstraint(['previous_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_status'), ['status'], unique=False)
        batch_op.create_index('uq_organisation_active_name', ['centre_id', 'name'], unique=True, sqlite_where=sa.text("status = 'incubating'"), postgresql_where=sa.text("status = 'incubating'"))

    op.create_table('setting',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('effective_month', sa.String(length=7), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('centre_id', 'key', 'effective_month')
    )
    op.create_table('audit',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old', sa.String(), nullable=True),
    sa.Column('new', sa.String(), nullable=True),
    sa.Column('batch_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index('ix_audit_row', ['table_name', 'row_id'], unique=False)

    op.create_table('checklist_item',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('version_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(), nullable=False),
    sa.Column('max_cent', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['checklist_version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'code')
    )
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_item_version_id'), ['version_id'], unique=False)

    op.create_table('exemption',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'month')
    )
    op.create_table('peer_rating',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rater_org_id', sa.String(length=32), nullable=True),
    sa.Column('value_cent', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['rater_org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('peer_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_rating_org_id'), ['org_id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('composite', sa.String(length=60), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('original_stars', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finalised_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'year')
    )
    op.create_table('review_input',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('party_cent', sa.Integer(), nullable=True),
    sa.Column('self_cent', sa.Integer(), nullable=True),
    sa.Column('public_cent', sa.Integer(), nullable=True),
    sa.Column('veto', sa.String(), nullable=False),
    sa.Column('batch_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'year')
    )
    op.create_table('month_result',
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('earned_cent', sa.Integer(), nullable=False),
    sa.Column('max_cent', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('na_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('org_id', 'month')
    )
    op.create_table('org_case',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('months', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('rating_id', sa.String(length=32), nullable=True),
    sa.Column('interview_date', sa.Date(), nullable=True),
    sa.Column('interview_place', sa.String(), nullable=False),
    sa.Column('interviewers', sa.String(), nullable=False),
    sa.Column('attendees', sa.String(), nullable=False),
    sa.Column('problems', sa.String(), nullable=False),
    sa.Column('commitments', sa.String(), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('review_findings', sa.String(), nullable=False),
    sa.Column('notice_date', sa.Date(), nullable=True),
    sa.Column('handover_deadline', sa.Date(), nullable=True),
    sa.Column('objection_deadline', sa.Date(), nullable=True),
    sa.Column('exit_date', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('org_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_case_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_case_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_case_state'), ['state'], unique=False)

    op.create_table('rating_amendment',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('rating_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('old_stars', sa.Integer(), nullable=False),
    sa.Column('new_stars', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rating_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_amendment_rating_id'), ['rating_id'], unique=False)

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
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_item.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'month', 'item_id')
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index('ix_score_org_month', ['org_id', 'month', 'item_id', 'value_cent', 'na'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=True),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['org_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('rectification_item',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('original_deadline', sa.Date(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['org_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_item_case_id'), ['case_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_item_case_id'))

    op.drop_table('rectification_item')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index('ix_score_org_month')

    op.drop_table('score')
    with op.batch_alter_table('rating_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_amendment_rating_id'))

    op.drop_table('rating_amendment')
    with op.batch_alter_table('org_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_case_state'))
        batch_op.drop_index(batch_op.f('ix_org_case_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_case_centre_id'))

    op.drop_table('org_case')
    op.drop_table('month_result')
    op.drop_table('review_input')
    op.drop_table('rating')
    with op.batch_alter_table('peer_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_rating_org_id'))

    op.drop_table('peer_rating')
    op.drop_table('exemption')
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_item_version_id'))

    op.drop_table('checklist_item')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_row')

    op.drop_table('audit')
    op.drop_table('setting')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index('uq_organisation_active_name', sqlite_where=sa.text("status = 'incubating'"), postgresql_where=sa.text("status = 'incubating'"))
        batch_op.drop_index(batch_op.f('ix_organisation_status'))
        batch_op.drop_index(batch_op.f('ix_organisation_centre_id'))

    op.drop_table('organisation')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_centre_id'))

    op.drop_table('import_batch')
    with op.batch_alter_table('checklist_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_version_centre_id'))

    op.drop_table('checklist_version')
    op.drop_table('centre_month')
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_name'))

    op.drop_table('centre')

