"""account_sanction.hidden_surveys: the ids of the published surveys a sanction took offline
(their public link answers 404 until the sanction is lifted), as hidden_content keeps the items.

Revision ID: 9e0f1a2b3c4d
Revises: 8d9e0f1a2b3c
Create Date: 2026-12-04 17:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9e0f1a2b3c4d'
down_revision = '8d9e0f1a2b3c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account_sanction') as batch_op:
        batch_op.add_column(sa.Column('hidden_surveys', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('account_sanction') as batch_op:
        batch_op.drop_column('hidden_surveys')
