"""notification: its note as it was when sent (a rejection's reason).

Revision ID: e6f4a0b3c9d5
Revises: d5e3f9a2b8c4
Create Date: 2026-12-03 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6f4a0b3c9d5'
down_revision = 'd5e3f9a2b8c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('note')
