"""Migration 7c8d9e0f1a2b: the database refuses a booking whose last day comes before its first
(ck_booking_dates_in_order) and indexes booking.answered_by_id; the downgrade takes both away —
on SQLite (a batch rebuild of the table) and on PostgreSQL when CSTI_TEST_DATABASE_URL is set."""
import pytest
import sqlalchemy as sa

from .databases import scratch_database
from .test_migrations import flask_db

BEFORE, REVISION = "6b7c8d9e0f1a", "7c8d9e0f1a2b"
REVERSED = ("INSERT INTO booking (id, resource_id, borrower_id, starts_on, ends_on, status, message, answer) "
            "VALUES (:id, 1, 1, '2030-05-10', '2030-05-09', 'requested', '', '')")


def _schema(engine):
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        checks = {c["name"] for c in inspector.get_check_constraints("booking")}
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("booking")}
    return checks, indexes


@pytest.mark.slow
def test_the_booking_dates_check_and_answered_by_index_come_and_go(tmp_path):
    with scratch_database(tmp_path, "booking_dates") as url:
        flask_db(url, tmp_path, "upgrade", REVISION)
        engine = sa.create_engine(url)
        try:
            checks, indexes = _schema(engine)
            assert "ck_booking_dates_in_order" in checks
            assert indexes.get("ix_booking_answered_by_id") == ["answered_by_id"]
            # Refused by the CHECK (PostgreSQL checks it before the foreign keys; SQLite here
            # does not enforce those).
            with pytest.raises(sa.exc.IntegrityError) as refused, engine.begin() as conn:
                conn.execute(sa.text(REVERSED), {"id": 1})
            assert "dates_in_order" in str(refused.value)

            flask_db(url, tmp_path, "downgrade", BEFORE)
            checks, indexes = _schema(engine)
            assert "ck_booking_dates_in_order" not in checks
            assert "ix_booking_answered_by_id" not in indexes
            assert "ix_booking_resource_id_status_starts_on" in indexes  # the rebuild kept the others
            flask_db(url, tmp_path, "upgrade")
            assert "ck_booking_dates_in_order" in _schema(engine)[0]
        finally:
            engine.dispose()
