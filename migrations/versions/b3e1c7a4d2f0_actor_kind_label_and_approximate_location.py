"""actor: the census file's own kind label (kind "other") and "approximate location" (placed at
its commune's centre by the census import).

Revision ID: b3e1c7a4d2f0
Revises: b4e1c7a9d2f0
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e1c7a4d2f0'
down_revision = 'b4e1c7a9d2f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind_label_source', sa.String(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('location_approximate', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.drop_column('location_approximate')
        batch_op.drop_column('kind_label_source')
