"""visits: page views and unique visitors counted on the server (per day and territory), the
day's salt and the day's salted hashes (deleted once the day is aggregated)

Revision ID: 4d5e6f7a8b9c
Revises: 5e6f7a8b9c0d
Create Date: 2026-12-04 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4d5e6f7a8b9c'
down_revision = '5e6f7a8b9c0d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('territory_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'territory_id', name=op.f('pk_visit_day'))
    )
    op.create_table('visit_hash',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('territory_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=32), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'territory_id', 'hash', name=op.f('pk_visit_hash'))
    )
    op.create_table('visit_salt',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_visit_salt'))
    )


def downgrade():
    op.drop_table('visit_salt')
    op.drop_table('visit_hash')
    op.drop_table('visit_day')
