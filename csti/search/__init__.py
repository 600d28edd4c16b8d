"""Search behind a small service interface (docs/architecture.md §8): ``search()``, ``suggest()``, ``count()``,
``drain()``, ``reindex()``, ``check()``. The backend is Whoosh (embedded, the default) or
PostgreSQL full-text search (``CSTI_SEARCH_BACKEND=postgres``); views never see which.

Keeping the index exact:
- every change to a ``Content`` writes a ``SearchOutbox`` row in the same transaction (a flush
  hook), so a change is never committed without its row;
- after the outermost commit the outbox is drained: take the index's write lock *without
  waiting* (a request never waits on, nor fails because of, the index), read the pending rows
  and the items' current state, write, commit the index, then delete exactly the rows read;
- a drain that got the lock goes round again while rows keep coming, so a writer that found the
  lock busy has its rows taken by the holder; whatever is left waits for the next drain,
  ``flask csti search-check`` or ``flask csti reindex``. A crash between the commit and the
  drain loses nothing: the rows are in the database.
Index writes happen in lock order and each reads the state after the previous one, so an older
state never overwrites a newer one.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import after_this_request, current_app, g, has_app_context, has_request_context
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Content
from ..models.search import SearchOutbox
from .base import Filters, SearchResults, clean_text, query_words  # noqa: F401  (re-exported)
from .documents import document, load, published_batches

BACKENDS = ("whoosh", "postgres")


class SearchBusy(RuntimeError):
    """The index stayed locked by another writer for the whole wait."""


def make_backend(app, name: str | None = None):
    name = name or app.config.get("SEARCH_BACKEND") or "whoosh"
    if name == "whoosh":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(app.config["SEARCH_DIR"], cache_mb=app.config.get("SEARCH_CACHE_MB", 8))
    if name == "postgres":
        from .postgres_backend import PostgresBackend

        with app.app_context():
            engine = db.engine
        if engine.dialect.name != "postgresql":
            raise RuntimeError("CSTI_SEARCH_BACKEND=postgres needs a PostgreSQL database (CSTI_DATABASE_URL)")
        return PostgresBackend(engine, lambda: db.session)
    raise ValueError(f"unknown search backend {name!r}: choose one of {', '.join(BACKENDS)}")


def backend():
    app = current_app._get_current_object()
    found = app.extensions.get("csti_search")
    if found is None:
        found = make_backend(app)
        app.extensions["csti_search"] = found
    return found


def search(text: str, filters=None, page: int = 1, pagelen: int = 20) -> SearchResults:
    """Published items matching ``text`` (every word, stemmed, accents ignored) and ``filters``
    (a ``Filters`` or a dict of its fields), one page of hits, facet counts, "did you mean"."""
    text = clean_text(text)
    filters = Filters.of(filters)
    if not text and not filters:
        return SearchResults()
    return backend().search(text, filters, page, pagelen)


def suggest(text: str, limit: int = 6) -> list[dict]:
    """Titles for the header's as-you-type box (the last word may be unfinished)."""
    text = clean_text(text)
    return backend().suggest(text, limit) if text else []


def count(text: str, filters=None) -> int:
    return backend().count(clean_text(text), Filters.of(filters))


# --- the outbox ---------------------------------------------------------------------------------
def _changed_content(session):
    for state, op in ((session.new, "index"), (session.dirty, "index"), (session.deleted, "delete")):
        for obj in state:
            if isinstance(obj, Content) and obj.id is not None:
                yield obj.id, op


@event.listens_for(Session, "after_flush")
def _record_changes(session, flush_context):
    rows = {}
    for content_id, op in _changed_content(session):
        rows[content_id] = op if rows.get(content_id) != "delete" else "delete"
    if rows:
        session.connection().execute(insert(SearchOutbox), [
            {"content_id": cid, "op": op} for cid, op in rows.items()])
        session.info["csti_search_dirty"] = True


@event.listens_for(Session, "after_commit")
def _note_commit(session):
    # Also fired when a SAVEPOINT is released: only the outermost commit counts.
    if session.get_nested_transaction() is None:
        session.info["csti_search_committed"] = True


@event.listens_for(Session, "after_transaction_end")
def _drain_after_commit(session, transaction):
    """Once the outermost transaction is over: drain if it committed outbox rows."""
    if transaction.parent is not None or transaction.nested:
        return
    dirty = session.info.pop("csti_search_dirty", False)
    committed = session.info.pop("csti_search_committed", False)
    if dirty and committed and has_app_context() and current_app.config.get("SEARCH_DRAIN_ON_COMMIT", True):
        try:
            drain(quick=True)
            _maintain_later()
        except Exception:  # noqa: BLE001 — the rows stay in the outbox for the next drain
            current_app.logger.exception("search drain failed; the outbox keeps the changes")


def _maintain_later() -> None:
    """The index's housekeeping, after the response is sent (or now, outside a request)."""
    index = backend()

    def maintain():
        try:
            index.maintain()
        except Exception:  # noqa: BLE001 — housekeeping only: the next save tries again
            logging.getLogger(__name__).exception("search index maintenance failed")

    if not has_request_context():
        maintain()
    elif not g.get("csti_search_maintenance"):
        g.csti_search_maintenance = True

        @after_this_request
        def _after_response(response):
            response.call_on_close(maintain)
            return response


@contextmanager
def _reading():
    """Transactions opened inside only read (a plain BEGIN on SQLite even within a POST
    request): the drain must not hold the database's write lock while it writes the index."""
    from ..database import reset_write_intent, set_write_intent

    token = set_write_intent(False)
    try:
        yield
    finally:
        reset_write_intent(token)


def drain(limit: int = 200, timeout: float = 0.0, rounds: int = 5, quick: bool = False) -> int:
    """Apply pending outbox rows to the index; returns how many rows were applied. Gives up at
    once (``timeout`` 0) when another writer holds the index: that one goes round again.
    ``quick``: leave the index's housekeeping for later (in a request)."""
    applied = 0
    for _ in range(rounds):
        done = _drain_round(limit, timeout, quick)
        if not done:
            break
        applied += done
    return applied


def _drain_round(limit: int, timeout: float, quick: bool = False) -> int | None:
    """One batch: None if the index is busy, else the number of rows applied."""
    from ..database import write_intent

    with backend().writer(timeout, quick) as writer:
        if writer is None:
            return None
        with Session(db.engine) as session, _reading():
            rows = session.execute(select(SearchOutbox.id, SearchOutbox.content_id)
                                   .order_by(SearchOutbox.id).limit(limit)).all()
            if not rows:
                return 0
            ids = sorted({r.content_id for r in rows})
            items = load(session, ids)
            documents, deleted = [], []
            for content_id in ids:
                doc = document(items.get(content_id))
                if doc is None:
                    deleted.append(content_id)
                else:
                    documents.append(doc)
            writer.delete(deleted)
            writer.index(documents)
    # The index is committed: forget exactly the rows read (a row committed meanwhile, even
    # with a smaller id, stays for the next round).
    with Session(db.engine) as session, write_intent():
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
        session.commit()
    return len(rows)


def reindex(batch: int = 500, timeout: float = 60.0) -> int:
    """Rebuild the whole index from the database and swap it in atomically; searches keep
    answering from the old index meanwhile. Changes made during the rebuild wait in the outbox
    (the index is locked) and are applied to the new index at the end."""
    with Session(db.engine) as session, _reading():
        with backend().writer(timeout) as writer:
            if writer is None:
                raise SearchBusy("the search index stayed locked by another writer; try again")
            documents = (doc for items in published_batches(session, batch) for doc in map(document, items) if doc)
            count = writer.replace_all(documents)
    drain(timeout=timeout, rounds=10_000)
    return count


def check() -> dict:
    """Differences between the index and the database: {"missing": ids, "extra": ids,
    "stale": ids (indexed with other contents than the database's)}."""
    indexed = backend().fingerprints()
    expected = {}
    with Session(db.engine) as session, _reading():
        for items in published_batches(session):
            for item in items:
                doc = document(item)
                if doc is not None:
                    expected[item.id] = doc["fingerprint"]
    both = set(expected) & set(indexed)
    return {"missing": sorted(set(expected) - set(indexed)), "extra": sorted(set(indexed) - set(expected)),
            "stale": sorted(i for i in both if expected[i] != indexed[i])}
