"""Each event date keeps its own iCalendar UID (event_occurrence.uid); the data version says when
it changed (data_version.changed_at, the feeds' Last-Modified).

Revision ID: b4e1c7a9d2f0
Revises: b7e3c1a9d2f4
Create Date: 2026-12-03 10:05:00

"""
from uuid import uuid4

from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = 'b4e1c7a9d2f0'
down_revision = 'b7e3c1a9d2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_occurrence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=36), nullable=True))
    # A UID for every existing date, then the column is required.
    conn = op.get_bind()
    table = sa.table('event_occurrence', sa.column('id', sa.Integer), sa.column('uid', sa.String))
    ids = [row.id for row in conn.execute(sa.select(table.c.id))]
    update = table.update().where(table.c.id == sa.bindparam('row_id')).values(uid=sa.bindparam('new_uid'))
    for start in range(0, len(ids), 10_000):
        conn.execute(update, [{'row_id': i, 'new_uid': str(uuid4())} for i in ids[start:start + 10_000]])
    with op.batch_alter_table('event_occurrence', schema=None) as batch_op:
        batch_op.alter_column('uid', existing_type=sa.String(length=36), nullable=False)

    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', csti.models.base.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
    with op.batch_alter_table('event_occurrence', schema=None) as batch_op:
        batch_op.drop_column('uid')
