"""content (kind, status, sort_key, id) gains members_only at its end: a list sorted by title
(the resources') still walks it in order, and its count reads it alone — every list filters
out what is kept for a working group's members (``members_only IS NOT 1``), which made the
count read each published item's row (50 ms for 10 000 resources on SQLite, 6 ms from the index).

Revision ID: 8d9e0f1a2b3c
Revises: 7c8d9e0f1a2b
Create Date: 2026-12-04 14:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8d9e0f1a2b3c'
down_revision = '7c8d9e0f1a2b'
branch_labels = None
depends_on = None


def upgrade():
    # Only indexes of content: no rebuild (batch mode is never used on content).
    op.create_index('ix_content_kind_status_sort_key_public', 'content',
                    ['kind', 'status', 'sort_key', 'id', 'members_only'], unique=False)
    op.drop_index('ix_content_kind_status_sort_key', table_name='content')


def downgrade():
    op.create_index('ix_content_kind_status_sort_key', 'content', ['kind', 'status', 'sort_key', 'id'], unique=False)
    op.drop_index('ix_content_kind_status_sort_key_public', table_name='content')
