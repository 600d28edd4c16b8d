"""Files that belong to rows being deleted (a document, an image, a logo): removed once the
outermost transaction commits, forgotten on any rollback — a rolled-back deletion keeps its files
(at worst a file outlives its row; never a row its file). Used by the documents and take-down."""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "csti_files_after_commit"


def remove_after_commit(session, remover, names) -> None:
    """``remover(name)`` for each of ``names`` once ``session``'s transaction commits."""
    names = [n for n in names if n]
    if names:
        session.info.setdefault(_KEY, []).extend((remover, n) for n in names)


@event.listens_for(Session, "after_commit")
def _remove(session):
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop(_KEY, None)
    if not pending or not has_app_context():
        return
    for remover, name in pending:
        try:
            remover(name)
        except OSError:
            current_app.logger.warning("could not remove the file %s", name, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_KEY, None)
