"""The SQL statements a block of a test runs, as text: ``with statements(engine) as seen: …``."""
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def statements(engine):
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
