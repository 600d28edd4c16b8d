"""mail_preference.updated_at: when a member's choice last changed, so that an unsubscribe
link issued before it is known as spent (a replayed link answers 410, nothing changes).

Rows that exist before this revision take the upgrade's time: links mailed before the upgrade
then read as spent for the categories already chosen, which only asks the member to use the
mail settings page.

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-04 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_preference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', csti.models.base.UTCDateTime(), nullable=True))
    op.execute("UPDATE mail_preference SET updated_at = CURRENT_TIMESTAMP")


def downgrade():
    with op.batch_alter_table('mail_preference', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
