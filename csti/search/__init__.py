"""Search behind a small service interface (DESIGN §6): ``search()``, ``drain()``,
``reindex()``, ``check()``; the backend is Whoosh (embedded default).

Every change to searchable content writes a ``SearchOutbox`` row in the same transaction
(a flush hook); after commit the outbox is drained into the index. If the index is locked the
rows wait for the next drain or ``flask csti reindex``: nothing is lost on a crash and a
request never fails on the index.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Content
from ..models.search import SearchOutbox
from .documents import document


def backend():
    app = current_app._get_current_object()
    found = app.extensions.get("csti_search")
    if found is None:
        from .whoosh_backend import WhooshBackend

        found = WhooshBackend(app.config["SEARCH_DIR"])
        app.extensions["csti_search"] = found
    return found


def search(text, filters=None, page=1, pagelen=20):
    return backend().search(text or "", filters or {}, page, pagelen)


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
def _drain_after_commit(session):
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released; drain only once the
    # outermost transaction is committed (the drain's own connection would wait on our lock).
    if session.in_transaction():
        return
    if session.info.pop("csti_search_dirty", False) and has_app_context() \
            and current_app.config.get("SEARCH_DRAIN_ON_COMMIT", True):
        try:
            drain()
        except Exception:  # noqa: BLE001 — the rows stay in the outbox for the next drain
            current_app.logger.exception("search drain failed; the outbox keeps the changes")


def drain(limit: int = 500, timeout: float = 0.2) -> int:
    """Apply pending outbox rows to the index; returns how many rows were applied."""
    from ..database import write_intent

    with Session(db.engine) as session, write_intent():
        rows = session.scalars(select(SearchOutbox).order_by(SearchOutbox.id).limit(limit)).all()
        if not rows:
            return 0
        ids = sorted({r.content_id for r in rows})
        items = {c.id: c for c in session.scalars(select(Content).where(Content.id.in_(ids)))}
        documents, deleted = [], []
        for content_id in ids:
            doc = document(items[content_id]) if content_id in items else None
            if doc is None:
                deleted.append(content_id)
            else:
                documents.append(doc)
        if not backend().apply(documents, deleted, timeout=timeout):
            return 0  # index busy: the rows wait
        session.execute(delete(SearchOutbox).where(SearchOutbox.id <= rows[-1].id,
                                                   SearchOutbox.content_id.in_(ids)))
        session.commit()
        return len(rows)


def reindex(batch: int = 500) -> int:
    """Rebuild the whole index from the database into a fresh directory, swapped in at the end."""
    from ..database import write_intent

    with Session(db.engine) as session:
        with write_intent():
            session.execute(delete(SearchOutbox))
            session.commit()

        def documents():
            last = 0
            while True:
                chunk = session.scalars(select(Content).where(Content.id > last, Content.status == "published")
                                        .order_by(Content.id).limit(batch)).all()
                if not chunk:
                    return
                for item in chunk:
                    doc = document(item)
                    if doc:
                        yield doc
                last = chunk[-1].id
                session.expunge_all()

        return backend().rebuild(documents())


def check() -> dict:
    """Differences between the index and the database: {"missing": [...], "extra": [...]}."""
    published = set(db.session.scalars(select(Content.id).where(Content.status == "published")))
    indexed = backend().all_ids()
    return {"missing": sorted(published - indexed), "extra": sorted(indexed - published)}
