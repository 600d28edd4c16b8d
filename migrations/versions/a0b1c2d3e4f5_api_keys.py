"""api_key: the keys members create to call the read-only API with a higher rate limit (only the
key's SHA-256 is stored; its first 8 characters tell the keys apart). Deleting an account deletes
its keys (ON DELETE CASCADE).

Revision ID: a0b1c2d3e4f5
Revises: b1c2d3e4f5a6
Create Date: 2026-12-04 17:30:00

"""
from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = 'a0b1c2d3e4f5'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_key_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_key_key_hash'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_user_id'))

    op.drop_table('api_key')
