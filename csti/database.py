"""Engine set-up, SQLite's transactional recipe and write transactions.

SQLite under several processes loses updates with the driver's defaults (pysqlite opens
transactions late and as DEFERRED, so two read-modify-write transactions interleave). We
follow SQLAlchemy's "non-legacy SQLite transactional modes" recipe: the driver's own
transaction handling is switched off and we emit ``BEGIN`` ourselves — ``BEGIN IMMEDIATE``
when the unit of work writes, so the write lock is taken before the read. Writers then wait
(``busy_timeout``) instead of failing with "database is locked".
"""
import os
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# True while the current request / command is one that writes.
_write_intent: ContextVar[bool] = ContextVar("csti_write_intent", default=False)


def set_write_intent(value: bool):
    return _write_intent.set(value)


def reset_write_intent(token):
    _write_intent.reset(token)


@contextmanager
def write_transaction(session):
    """For a write inside a safe (GET) request: end the read transaction the request may have
    opened (a DEFERRED one cannot safely be upgraded to a write under concurrency), then run
    the block's transaction as ``BEGIN IMMEDIATE``. The block commits."""
    session.commit()
    with write_intent():
        yield


@contextmanager
def write_intent():
    """Mark the transactions opened inside the block as writing (``BEGIN IMMEDIATE``)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _owner_only(database: str | None) -> None:
    """The SQLite file (and its -wal, -shm) readable by its owner alone: the reverse proxy's user is
    in the site's group to serve the uploads (docs/deploy.md), and must not read password hashes."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    for path in (database, database + "-wal", database + "-shm"):
        try:
            st = os.stat(path)
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                os.chmod(path, st.st_mode & 0o700)
        except OSError:
            continue  # not there yet (created by this connection), or not ours


def configure_sqlite(engine: Engine, busy_timeout_ms: int = 30000) -> None:
    """Attach the recipe's listeners to one SQLite engine (idempotent)."""
    if getattr(engine, "_csti_configured", False):
        return
    engine._csti_configured = True

    database = engine.url.database

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        _owner_only(database)
        # Let SQLAlchemy / us emit BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


# --- PostgreSQL: prepared statements kept from request to request ---------------------------------
_WROTE = "csti_wrote"


def configure_postgresql(engine: Engine) -> None:
    """Note on each connection whether its transaction ran anything but a ``SELECT`` (a write,
    a lock, a ``SET``…): ``end_reading`` commits only transactions that did not (idempotent)."""
    if getattr(engine, "_csti_configured", False):
        return
    engine._csti_configured = True

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip()[:7].upper().startswith("SELECT "):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn):
        conn.info.pop(_WROTE, None)

    @event.listens_for(engine.pool, "reset")
    def _reset(dbapi_connection, connection_record, reset_state):
        connection_record.info.pop(_WROTE, None)


def end_reading(session) -> None:
    """End a request's transaction that only read by a ``COMMIT`` — the same as a rollback for a
    transaction that wrote nothing — instead of the rollback the session's close would send:
    psycopg forgets every statement it prepared on a connection when the connection rolls back,
    so the server planned each statement anew on every request (a member's home: 4 ms of its
    7 ms of SQL on PostgreSQL, the next registrations' seven-table statement alone 2 ms).
    Committed, the statements a connection runs often (5 times, psycopg's threshold) stay
    prepared, and PostgreSQL reuses their plan where a generic one serves. A transaction that
    wrote, or holds objects changed but not flushed, is left to roll back as before. A
    ``SELECT`` with effects a rollback would undo (``set_config``, a session advisory lock) would
    be kept: the site runs none. One bind only (the site has no ``SQLALCHEMY_BINDS``)."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(_WROTE):
        return
    session.expire_on_commit = False  # the session is removed next: nothing is read again
    session.commit()


def analyze(engine: Engine) -> None:
    """ANALYZE: the statistics the query planner chooses indexes with (SQLite keeps them in
    ``sqlite_stat1``; PostgreSQL's autovacuum refreshes them too, eventually)."""
    with write_intent(), engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
