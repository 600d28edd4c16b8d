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


# Not in batch mode: on SQLite a batch rebuild of actor drops the table, and with foreign keys ON
# (csti/database.py) that deleted the structures' managers and claims (ON DELETE CASCADE) and
# emptied the events' venue (SET NULL) — tests/test_migration_from_first.py. SQLite (>= 3.35)
# adds and drops a plain column in place.


def upgrade():
    op.add_column('actor', sa.Column('kind_label_source', sa.String(length=100), nullable=False,
                                     server_default=''))
    op.add_column('actor', sa.Column('location_approximate', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade():
    op.drop_column('actor', 'location_approximate')
    op.drop_column('actor', 'kind_label_source')
