"""A territory's agenda filtered by its dates' own fields reads indexes alone: event_occurrence's
(territory_id, starts_at) index also holds ends_at and event_id, and content's (id, status,
territory_id, published_at) index also holds members_only, so the walk to a deep page of a
territory's agenda (page 100 of its free events: 4 500 dates tested) reads no table row of a date
or of its item (whose row holds the body, stored past the row's first page) — 21 ms → 8 ms of SQL
at national scale.

Revision ID: e7f8a9b0c1d2
Revises: d6e7f8a9b0c1
Create Date: 2026-12-05 18:20:00

"""
from alembic import op


revision = 'e7f8a9b0c1d2'
down_revision = 'd6e7f8a9b0c1'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_event_occurrence_territory_id_starts_at', table_name='event_occurrence')
    op.create_index('ix_event_occurrence_territory_id_starts_at', 'event_occurrence',
                    ['territory_id', 'starts_at', 'ends_at', 'event_id'])
    op.drop_index('ix_content_id_status', table_name='content')
    op.create_index('ix_content_id_status', 'content', ['id', 'status', 'territory_id', 'published_at', 'members_only'])


def downgrade():
    op.drop_index('ix_content_id_status', table_name='content')
    op.create_index('ix_content_id_status', 'content', ['id', 'status', 'territory_id', 'published_at'])
    op.drop_index('ix_event_occurrence_territory_id_starts_at', table_name='event_occurrence')
    op.create_index('ix_event_occurrence_territory_id_starts_at', 'event_occurrence', ['territory_id', 'starts_at'])
