"""content indexed by (kind, status, territory_id, sort_key, id, members_only): a territory's
structures (or resources) by title are read in order up to the page, instead of sorting all of the
territory's items of that kind first (the directory filtered by territory: 5 ms → 0.2 ms of SQL at
national scale).

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-12-05 04:40:00

"""
from alembic import op


revision = 'd6e7f8a9b0c1'
down_revision = 'c5d6e7f8a9b0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_content_kind_status_territory_sort_key', 'content',
                    ['kind', 'status', 'territory_id', 'sort_key', 'id', 'members_only'])


def downgrade():
    op.drop_index('ix_content_kind_status_territory_sort_key', table_name='content')
