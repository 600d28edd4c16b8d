"""document: files (PDF, office documents) attached to a content item.

Revision ID: a7b8c9d0e1f2
Revises: c9d0e1f2a3b4
Create Date: 2026-12-03 20:48:30.028088

"""
from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = "c9d0e1f2a3b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=160), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('media_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.Column('preview', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['content_id'], ['content.id'], name=op.f('fk_document_content_id_content'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_document_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_document_stored_name'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_content_id'), ['content_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_uploaded_by_id'), ['uploaded_by_id'], unique=False)



def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_document_content_id'))

    op.drop_table('document')
