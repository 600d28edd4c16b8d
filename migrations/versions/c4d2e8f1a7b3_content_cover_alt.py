"""content: the cover image's text alternative ("" with no image or a decorative one).

Revision ID: c4d2e8f1a7b3
Revises: b3e1c7a4d2f0
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2e8f1a7b3'
down_revision = 'b3e1c7a4d2f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_alt', sa.String(length=300), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('content', schema=None) as batch_op:
        batch_op.drop_column('cover_alt')
