"""account_sanction (suspensions, bans, hidden content) and content.queued_because (spam signals).

Revision ID: 2b3c4d5e6f7a
Revises: 4d5e6f7a8b9c
Create Date: 2026-12-04 04:10:00

"""
from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = '2b3c4d5e6f7a'
down_revision = '4d5e6f7a8b9c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_sanction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.Column('ends_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', csti.models.base.UTCDateTime(), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=False),
    sa.Column('hidden_content', sa.JSON(), nullable=False),
    sa.Column('hidden_comments', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_account_sanction_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user.id'], name=op.f('fk_account_sanction_lifted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], name=op.f('fk_account_sanction_territory_id_territory'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_account_sanction_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_sanction'))
    )
    with op.batch_alter_table('account_sanction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_sanction_user_id'), ['user_id'], unique=False)

    # Not in batch mode: rebuilding content (referenced by many tables) is not needed on SQLite
    # for adding or dropping a plain column (the working groups' migration does the same).
    op.add_column('content', sa.Column('queued_because', sa.String(length=20), server_default='', nullable=False))


def downgrade():
    op.drop_column('content', 'queued_because')

    with op.batch_alter_table('account_sanction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_sanction_user_id'))

    op.drop_table('account_sanction')
