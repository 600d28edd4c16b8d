"""territory.publish_policy and trusted_after replace trusts_members (who publishes without
review: animators, contributors, trusted members, everyone); the audit log indexed by
(territory_id, created_at) for a territory's audit page.

Data: a territory that trusted its members publishes "everyone"'s content, any other keeps
today's rule, "contributors". Downgrading maps "everyone" back to trusts_members, the rest to False.

Revision ID: 3c4d5e6f7a8b
Revises: 2b3c4d5e6f7a
Create Date: 2026-12-04 04:15:00

"""
from alembic import op
import sqlalchemy as sa

import csti.models.base


# revision identifiers, used by Alembic.
revision = '3c4d5e6f7a8b'
down_revision = '2b3c4d5e6f7a'
branch_labels = None
depends_on = None


# Not in batch mode: on SQLite a batch rebuild of territory drops the table, and with foreign keys
# ON (csti/database.py) that deletes its memberships or fails on the content that refers to it.
# SQLite (>= 3.35) adds and drops a plain column in place.


def _check_sqlite():
    if op.get_bind().dialect.name == 'sqlite':
        import sqlite3

        if sqlite3.sqlite_version_info < (3, 35, 0):
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} cannot drop a column in place: 3.35 or later is needed")


def upgrade():
    _check_sqlite()
    op.add_column('territory', sa.Column('publish_policy', sa.String(length=20), server_default='contributors',
                                         nullable=False))
    op.add_column('territory', sa.Column('trusted_after', sa.Integer(), server_default='5', nullable=False))
    territory = sa.table('territory', sa.column('trusts_members', sa.Boolean()),
                         sa.column('publish_policy', sa.String()))
    op.execute(territory.update().where(territory.c.trusts_members == sa.true())
               .values(publish_policy='everyone'))
    op.drop_column('territory', 'trusts_members')

    # Only an index: no rebuild of audit_log, even in batch mode.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_territory_id_created_at', ['territory_id', 'created_at'], unique=False)


def downgrade():
    _check_sqlite()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_territory_id_created_at')

    op.add_column('territory', sa.Column('trusts_members', sa.Boolean(), server_default=sa.false(), nullable=False))
    territory = sa.table('territory', sa.column('trusts_members', sa.Boolean()),
                         sa.column('publish_policy', sa.String()))
    op.execute(territory.update().where(territory.c.publish_policy == 'everyone')
               .values(trusts_members=sa.true()))
    if op.get_bind().dialect.name != 'sqlite':
        # The column had no default before; SQLite cannot drop one without rebuilding the table.
        op.alter_column('territory', 'trusts_members', server_default=None)
    op.drop_column('territory', 'trusted_after')
    op.drop_column('territory', 'publish_policy')
