"""Scratch databases for the tests that need one of their own (the live server of the browser
tests, several processes, migrations from empty): a new SQLite file, or — when
``CSTI_TEST_DATABASE_URL`` is set — a new database on that PostgreSQL server, dropped at the end."""
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("CSTI_TEST_DATABASE_URL")


def _server_url():
    url = PG_URL
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return make_url(url)


@contextmanager
def scratch_database(directory: Path, label: str):
    """Yield the URL of an empty database; drop it (PostgreSQL) at the end."""
    if not PG_URL:
        yield f"sqlite:///{Path(directory) / f'{label}.db'}"
        return
    url = _server_url()
    name = f"csti_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


def empty_tables(db):
    """Delete every row (inside an app context), children first.

    On PostgreSQL the TRUNCATE waits for every table's lock; a request of the live site still
    running after a browser test (an image, an htmx call the page fired as it closed) may hold
    one and wait for another, and PostgreSQL then breaks the deadlock by aborting one side —
    when it is ours, the TRUNCATE is tried again once that request is over."""
    import time

    from sqlalchemy.exc import OperationalError

    db.session.remove()
    engine = db.engine
    tables = list(reversed(db.metadata.sorted_tables))
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in tables)
                    conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                else:
                    for table in tables:
                        conn.execute(table.delete())
            return
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
