"""Figures that every visitor sees alike and that cost more than the page around them (the
instance home's member and content counts per territory…), computed once per worker and kept
until the data changes — for members too, whom the page cache never serves
(docs/architecture.md §26).

Correctness is the page cache's (csti/pagecache.py): every transaction that writes bumps
``DataVersion`` in the same transaction, so a value computed at an older version is never used
again, by any worker or app server; the version is read once per request. A lifetime bounds
what changes with time alone. Off when ``DATA_CACHE`` is false (then every call computes).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from functools import lru_cache

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

_lock = threading.Lock()
WRITING = object()  # the request has flushed a write not committed yet: compute, keep nothing
_entries: dict[Hashable, tuple[tuple, float, object]] = {}  # key -> (version, expires, value)
MAX_ENTRIES = 1024  # a few per territory and list, one per member's feed total; beyond, the oldest go


def _read_version() -> tuple:
    from .extensions import db

    row = db.session.execute(_VERSION()).first()
    return tuple(row) if row else (0, None)


@lru_cache(maxsize=1)
def _VERSION():  # noqa: N802 — a statement, built once: every page reads it (its cache key computed once)
    from sqlalchemy import select

    from .models.cache import DataVersion

    # With when it was bumped: a database emptied and written again (tests, a restore) may
    # count up to the same number, never at the same instant.
    return select(DataVersion.value, DataVersion.changed_at).where(DataVersion.id == 1)


def version_columns() -> tuple:
    """The data version's value and date as columns of another statement, for a request that
    has not read it yet (``version_unread``): a member's session loads their row with them
    (``sessions.load_session_user``), a round trip less on each of their pages."""
    from sqlalchemy import select

    from .models.cache import DataVersion

    return (select(DataVersion.value).where(DataVersion.id == 1).scalar_subquery(),
            select(DataVersion.changed_at).where(DataVersion.id == 1).scalar_subquery())


def version_unread() -> bool:
    """Whether the request has no data version read (none yet, or none since it committed),
    and has not written since (``data_version`` would read it)."""
    return has_request_context() and getattr(request, "_csti_data_version", None) is None


def version_read(value, changed_at) -> None:
    """The data version the request read in another statement's ``version_columns`` — unless
    that statement's autoflush wrote (``_writing``): the request keeps nothing until it ends."""
    if getattr(request, "_csti_data_version", None) is None:
        request._csti_data_version = (value, changed_at) if value is not None else (0, None)


def data_version() -> tuple:
    """The site's data version, read once per request (csti/pagecache.py)."""
    if not has_request_context():
        return _read_version()
    # On the request, not on ``g``: an application context (and its ``g``) may outlive a
    # request — the tests', or a CLI command's around several test requests.
    version = getattr(request, "_csti_data_version", None)
    if version is WRITING:
        return version
    if version is None:
        version = request._csti_data_version = _read_version()
    return version


def remember(key: Hashable, compute: Callable[[], object], seconds: float = 300.0):
    """``compute()``'s value under ``key``, computed again once the data changed or after
    ``seconds``. The value must not hold ORM objects (they belong to one session): plain
    numbers, strings, tuples, dicts."""
    if not current_app.config.get("DATA_CACHE", True):
        return compute()
    version = data_version()
    if version is WRITING:  # what compute() sees may still be rolled back
        return compute()
    cache_key = (current_app.import_name, id(current_app), key)
    now = time.monotonic()
    with _lock:
        entry = _entries.get(cache_key)
    if entry is not None and entry[0] == version and entry[1] > now:
        return entry[2]
    value = compute()
    if has_request_context() and getattr(request, "_csti_no_keep", False):  # an image's size went unread (uploads.image_info)
        return value
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for old in sorted(_entries, key=lambda k: _entries[k][1])[: MAX_ENTRIES // 4]:
                del _entries[old]
        _entries[cache_key] = (version, now + seconds, value)
    return value


@event.listens_for(Session, "after_flush")
def _writing(session, flush_context) -> None:
    """A write flushed in this request: until it is committed or rolled back, values are
    computed (they may see it) but not kept under the version read before it."""
    if has_request_context():
        writing()


def writing() -> None:
    """The request wrote (a flush, a bulk update or delete: ``pagecache._after_bulk``): keep
    nothing until it ends, and forget what it asked of the member's part of a page."""
    request._csti_data_version = WRITING
    request.__dict__.pop("_csti_member_page", None)  # a member's part of a page (memberpage): asked again
    request.__dict__.pop("_csti_organises", None)  # whether they manage another item's structures (policy)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_version(session) -> None:
    """A commit may have bumped the version: what the request reads next is read anew."""
    if has_request_context():
        request._csti_data_version = None


def clear() -> None:
    with _lock:
        _entries.clear()
