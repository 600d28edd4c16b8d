"""search outbox ids never reused (SQLite AUTOINCREMENT)

A drain deletes exactly the outbox rows it read, after the index commit. Without AUTOINCREMENT,
SQLite gives a new row the largest id + 1: once the table had been emptied, a new change could get
the id of a row a slower drain had read and was about to delete — that change was then deleted
unapplied and the index stayed stale. PostgreSQL's sequences never reuse an id.

Revision ID: b4c5d6e7f8a9
Revises: a0b1c2d3e4f5
Create Date: 2026-12-04 23:55:00

"""
from alembic import op


revision = 'b4c5d6e7f8a9'
down_revision = 'a0b1c2d3e4f5'
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool):
    if op.get_bind().dialect.name != "sqlite":
        return
    # Nothing references search_outbox and it has no foreign key: a copy loses nothing.
    with op.batch_alter_table('search_outbox', recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}) as batch_op:
        batch_op.alter_column('op')  # a no-op: the batch only rebuilds the table


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
