"""merges: tag_redirect (a merged tag's slug → the tag kept) and content_redirect (a merged
structure's id → the structure kept), so that old addresses answer a 301.

Revision ID: 5e6f7a8b9c0d
Revises: e5f6a7b8c9d0
Create Date: 2026-12-04 04:20:00

"""
from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = '5e6f7a8b9c0d'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tag_redirect',
    sa.Column('old_slug', sa.String(length=60), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('created_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_redirect_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_tag_redirect'))
    )
    with op.batch_alter_table('tag_redirect', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_redirect_tag_id'), ['tag_id'], unique=False)

    op.create_table('content_redirect',
    sa.Column('old_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('created_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['content_id'], ['content.id'], name=op.f('fk_content_redirect_content_id_content'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_id', name=op.f('pk_content_redirect'))
    )
    with op.batch_alter_table('content_redirect', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_redirect_content_id'), ['content_id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_redirect', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_redirect_content_id'))
    op.drop_table('content_redirect')

    with op.batch_alter_table('tag_redirect', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_redirect_tag_id'))
    op.drop_table('tag_redirect')
