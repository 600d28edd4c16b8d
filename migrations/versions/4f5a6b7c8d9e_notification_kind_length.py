"""notification.kind widened to 40 characters: "registration_withdrawn" (22) did not fit in 20,
which PostgreSQL refuses (SQLite does not check a VARCHAR's length).

Revision ID: 4f5a6b7c8d9e
Revises: 3c4d5e6f7a8b
Create Date: 2026-12-04 09:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f5a6b7c8d9e'
down_revision = '3c4d5e6f7a8b'
branch_labels = None
depends_on = None


# On SQLite the batch rebuilds notification: no table refers to it, so foreign keys ON lose nothing.

def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=40),
                              existing_nullable=False)


def downgrade():
    # Kinds longer than 20 characters cannot go back: they are cut (the sentence then falls back to
    # the generic one, as for any unknown kind).
    notification = sa.table('notification', sa.column('kind', sa.String()))
    op.execute(notification.update().where(sa.func.length(notification.c.kind) > 20)
               .values(kind=sa.func.substr(notification.c.kind, 1, 20)))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.String(length=20),
                              existing_nullable=False)
