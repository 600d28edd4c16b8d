"""Linked instances: sync_source (a feed linked to a territory) and synced_item (a local item's
remote identity, unique per source: a run never duplicates).

Revision ID: b1c2d3e4f5a6
Revises: 9e0f1a2b3c4d
Create Date: 2026-12-04 18:00:00

"""
import sqlalchemy as sa
from alembic import op

from csti.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'b1c2d3e4f5a6'
down_revision = '9e0f1a2b3c4d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sync_source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('territory_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=True),
        sa.Column('last_run_at', UTCDateTime(), nullable=True),
        sa.Column('last_ok_at', UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('last_counts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('url'),
    )
    op.create_index('ix_sync_source_territory_id', 'sync_source', ['territory_id'], unique=False)
    op.create_table(
        'synced_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('remote_id', sa.String(length=255), nullable=False),
        sa.Column('content_id', sa.Integer(), nullable=True),
        sa.Column('remote_url', sa.String(length=500), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['content_id'], ['content.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['source_id'], ['sync_source.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('content_id'),
        sa.UniqueConstraint('source_id', 'remote_id', name='uq_synced_item_source_remote'),
    )


def downgrade():
    op.drop_table('synced_item')
    op.drop_index('ix_sync_source_territory_id', table_name='sync_source')
    op.drop_table('sync_source')
