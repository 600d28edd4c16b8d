"""Bookings: the database refuses a loan whose last day comes before its first
(ck_booking_dates_in_order, the form already checks it), and an index on booking.answered_by_id
(a person deleted sets it NULL: without it, PostgreSQL reads every booking).

Revision ID: 7c8d9e0f1a2b
Revises: 6b7c8d9e0f1a
Create Date: 2026-12-04 13:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c8d9e0f1a2b'
down_revision = '6b7c8d9e0f1a'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite adds a CHECK constraint only by rebuilding the table: batch mode (PostgreSQL alters it).
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_booking_dates_in_order'), 'ends_on >= starts_on')
        batch_op.create_index(batch_op.f('ix_booking_answered_by_id'), ['answered_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_answered_by_id'))
        batch_op.drop_constraint(batch_op.f('ck_booking_dates_in_order'), type_='check')
