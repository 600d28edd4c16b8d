"""On PostgreSQL, a request whose transaction only read ends it with a ``COMMIT``
(``csti.database.end_reading``): psycopg forgets the statements it prepared on a connection
whenever that connection rolls back, so each request's statements were planned anew. A
transaction that wrote anything — flushed, changed and not flushed, or by a statement of its
own — still rolls back: nothing half-saved is kept."""
import pytest
from sqlalchemy import select, text, update

from csti.database import end_reading
from csti.models import Article, Territory


@pytest.fixture(autouse=True)
def _postgresql_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's prepared statements (SQLite: the session rolls back as ever)")


@pytest.fixture
def territory(db, factory):
    return factory.territory(slug="occitanie", name="Occitanie")


def test_pages_that_only_read_keep_their_statements_prepared(app, db, testapp, territory):
    from sqlalchemy import event

    item = Article(title="Les comètes de Zélie", territory=territory, article_kind="news")
    item.publish()
    db.session.add(item)
    db.session.commit()
    used = {}

    def note(conn, *args):
        used[id(conn.connection.driver_connection)] = conn.connection.driver_connection

    # Several connections in the pool (as after concurrent requests): each request still takes
    # the one used last (``pool_use_lifo``, config.py), not the next in turn.
    held = [db.engine.connect() for _ in range(3)]
    for connection in held:
        connection.close()
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for _ in range(8):  # psycopg prepares a statement run 5 times on one connection
            assert item.title in testapp.get("/articles").text
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    prepared = 0
    for connection in used.values():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            prepared += cursor.fetchone()[0]
        connection.commit()
    assert prepared > 0


def _titles(db):
    db.session.rollback()
    return set(db.session.scalars(select(Article.title)))


def test_a_transaction_that_flushed_a_change_is_not_committed(db, territory):
    db.session.add(Article(title="Brouillon jamais enregistré", territory=territory))
    db.session.flush()
    end_reading(db.session())
    assert "Brouillon jamais enregistré" not in _titles(db)


def test_a_change_not_flushed_is_not_committed(db, territory):
    db.session.add(Article(title="Brouillon en attente", territory=territory))
    end_reading(db.session())
    assert "Brouillon en attente" not in _titles(db)


def test_a_statement_that_writes_is_not_committed(db, territory):
    db.session.execute(update(Territory).where(Territory.id == territory.id).values(name="Renommée"))
    db.session.scalar(select(Territory.name))  # a read after it: the transaction still wrote
    end_reading(db.session())
    db.session.rollback()
    assert db.session.scalar(select(Territory.name).where(Territory.id == territory.id)) == "Occitanie"
    db.session.execute(text("SET LOCAL statement_timeout = 1000"))  # anything but a SELECT
    end_reading(db.session())
    assert db.session().in_transaction()


def test_a_transaction_that_only_read_is_committed(db, territory):
    db.session.scalar(select(Territory.name))
    assert db.session().in_transaction()
    end_reading(db.session())
    assert not db.session().in_transaction()
