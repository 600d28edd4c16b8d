"""Linked instances (issue #18, docs/architecture.md §19): ``flask csti sync add URL`` links a
feed to a territory — another csti site's API (its events and articles) or any iCalendar feed —,
``flask csti sync run`` (cron) pulls it.

A run of one source is one transaction: the feed is fetched and read whole first (``fetch``,
``ical.parse``), then every remote item is created or updated by its remote identity
(``SyncedItem``: never a duplicate), unchanged ones (same digest) are left alone, and the upcoming
items that left the feed are deleted — those already over are kept (a feed of upcoming dates drops
them: that is not a deletion). A source that fails (unreachable, too slow, not 200, garbage)
writes nothing but its error, logged and shown by ``sync list``."""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ..bounds import year_in_range
from ..dates import to_local
from ..extensions import db
from ..models import Article, Event, Territory
from ..models.base import utcnow
from ..models.sync import CSTI, ICAL, SyncedItem, SyncSource
from .csti_api import RemoteArticle, api_base, read_articles, read_events
from .fetch import SyncError, check_url, fetch
from .ical import RemoteEvent, parse

log = logging.getLogger("csti.sync")

__all__ = ["SyncError", "add_source", "credit", "remove_source", "run_all", "run_source"]


def add_source(url: str, territory_slug: str, name: str = "", kind: str = "auto") -> SyncSource:
    """Link ``url`` to the territory ``territory_slug`` (SyncError when it cannot be). The caller commits."""
    url = check_url(url)
    territory = db.session.scalar(select(Territory).where(Territory.slug == territory_slug))
    if territory is None:
        raise SyncError(f"no territory {territory_slug!r}")
    if db.session.scalar(select(SyncSource.id).where(SyncSource.url == url)) is not None:
        raise SyncError(f"{url} is already linked")
    if kind == "auto":
        kind = ICAL if urlsplit(url).path.lower().endswith((".ics", ".ical", ".ifb")) else CSTI
    if kind == CSTI:
        url = api_base(url)
        if db.session.scalar(select(SyncSource.id).where(SyncSource.url == url)) is not None:
            raise SyncError(f"{url} is already linked")
    elif kind != ICAL:
        raise SyncError(f"unknown kind {kind!r} (ical, csti)")
    source = SyncSource(url=url, kind=kind, territory_id=territory.id, name=(name or urlsplit(url).hostname)[:200],
                        active=True, last_error="", last_counts={})
    db.session.add(source)
    db.session.flush()
    return source


def remove_source(source: SyncSource, keep_items: bool = False) -> int:
    """Unlink ``source``; its items are deleted (or, ``keep_items``, stay as local items). The caller commits."""
    items = db.session.scalars(select(SyncedItem).where(SyncedItem.source_id == source.id)).all()
    removed = 0
    for item in items:
        if not keep_items and item.content is not None:
            db.session.delete(item.content)
            removed += 1
        db.session.delete(item)
    db.session.delete(source)
    return removed


def run_all() -> list[tuple[SyncSource, dict | None]]:
    """Run every active source; (source, counts) — counts None where it failed."""
    results = []
    for source_id in db.session.scalars(select(SyncSource.id).where(SyncSource.active.is_(True))
                                        .order_by(SyncSource.id)).all():
        source = db.session.get(SyncSource, source_id)
        results.append((source, run_source(source)))
    return results


def run_source(source: SyncSource) -> dict | None:
    """Pull ``source`` and commit; its counts, or None when it failed (its error kept)."""
    source_id = source.id
    try:
        if source.kind == CSTI:
            # Everything is read before anything is written: a failure midway leaves all as it was.
            events, articles = read_events(source.url), read_articles(source.url)
            counts = _sum(apply_events(source, events, scope="event:"), apply_articles(source, articles))
        else:
            body, _type = fetch(source.url, "text/calendar, */*;q=0.5")
            counts = apply_events(source, parse(body))
    except Exception as error:  # noqa: BLE001 — whatever a source sends, the run fails alone, logged
        db.session.rollback()
        source = db.session.get(SyncSource, source_id)
        message = str(error) if isinstance(error, SyncError) else f"unexpected {type(error).__name__}: {error}"
        source.last_run_at, source.last_error = utcnow(), message[:2000]
        db.session.commit()
        if isinstance(error, SyncError):
            log.warning("sync of %s (%s) failed: %s", source.url, source.id, error)
        else:
            log.exception("sync of %s (%s) failed", source.url, source.id)
        return None
    source.last_run_at = source.last_ok_at = utcnow()
    source.last_error, source.last_counts = "", counts
    db.session.commit()
    log.info("sync of %s (%s): %s", source.url, source.id, counts)
    return counts


def _digest(remote) -> str:
    return hashlib.sha256(json.dumps(vars(remote), sort_keys=True, default=str).encode()).hexdigest()


def _sum(*counts: dict) -> dict:
    return {key: sum(c.get(key, 0) for c in counts) for key in counts[0]}


def _known(source: SyncSource, scope: str) -> dict:
    """The source's synced items whose remote id starts with ``scope`` ("" for all)."""
    return {item.remote_id: item for item in db.session.scalars(
        select(SyncedItem).where(SyncedItem.source_id == source.id)) if item.remote_id.startswith(scope)}


class _Skip(Exception):
    """A remote item refused here (a date out of range…): left as it was, tried again next run."""


def _apply(source: SyncSource, remotes: list, scope: str, write, gone) -> dict:
    """The bookkeeping both kinds share: each remote item once (by its remote id), created or
    updated through ``write(remote, content or None) -> content`` only when its digest changed,
    never brought back once deleted here by a moderator (a tombstone: ``content`` None); then
    ``gone(item) -> bool`` for each known item the source no longer holds (True: it was removed)."""
    known = _known(source, scope)
    counts = dict(created=0, updated=0, unchanged=0, removed=0, skipped=0)
    seen = set()
    for remote in remotes:
        if remote.remote_id in seen:
            counts["skipped"] += 1
            continue
        seen.add(remote.remote_id)
        digest = _digest(remote)
        item = known.get(remote.remote_id)
        if item is not None and item.content is None:
            counts["skipped"] += 1  # deleted here by a moderator: not brought back
            continue
        if item is not None and item.digest == digest:
            counts["unchanged"] += 1
            continue
        try:
            content = write(remote, item.content if item is not None else None)
        except _Skip:
            counts["skipped"] += 1
            continue
        if item is None:
            content.publish()
            db.session.add(content)
            db.session.flush()
            item = SyncedItem(source_id=source.id, remote_id=remote.remote_id, content_id=content.id)
            db.session.add(item)
            counts["created"] += 1
        else:
            counts["updated"] += 1
        item.remote_url, item.digest = remote.url, digest
    for remote_id, item in known.items():
        if remote_id not in seen and gone(item):
            counts["removed"] += 1
    db.session.flush()
    return counts


def apply_events(source: SyncSource, events: list[RemoteEvent], scope: str = "") -> dict:
    """Create, update and remove ``source``'s events (those of remote ids starting with
    ``scope``) from ``events`` (the whole feed)."""
    from ..blueprints.events.schedule import ScheduleError, expand, schedule

    limit = current_app.config.get("SYNC_MAX_ITEMS", 5000)
    if len(events) > limit:
        raise SyncError(f"the feed holds {len(events)} events, more than {limit}")

    def write(remote: RemoteEvent, event: Event | None) -> Event:
        try:  # the dates first: an event refused here is left as it was, and tried again next time
            expand(remote.starts, remote.ends, "none", None, list(remote.extra_starts))
            if not all(year_in_range(d) for d in (remote.starts, remote.ends, *remote.extra_starts)):
                raise ScheduleError("a date out of range")
        except (ScheduleError, ValueError, OverflowError) as error:
            raise _Skip from error
        if event is None:
            event = Event(territory_id=source.territory_id, author_id=None, event_kind="other")
        event.title = remote.title
        description = remote.description
        event.summary = " ".join(description.split())[:300]
        event.body = description
        event.venue_name = remote.location[:200]
        event.latitude, event.longitude = remote.latitude, remote.longitude
        event.schedule_status = "cancelled" if remote.cancelled else "scheduled"
        schedule(event, remote.starts, remote.ends, remote.all_day, extra_starts=remote.extra_starts)
        return event

    now = utcnow()

    def gone(item: SyncedItem) -> bool:
        event = item.content
        if event is None:
            db.session.delete(item)
        elif event.ends_at is not None and event.ends_at >= now - timedelta(hours=1):
            db.session.delete(event)  # an upcoming date gone from the feed: deleted there
            db.session.delete(item)
            return True
        return False  # a past event stays, as it happened

    return _apply(source, events, scope, write, gone)


def apply_articles(source: SyncSource, articles: list[RemoteArticle]) -> dict:
    """Create, update and remove ``source``'s articles: each shows its title and summary, credits
    the source and links the whole article there; one gone from the source is deleted here."""

    def write(remote: RemoteArticle, article: Article | None) -> Article:
        if article is None:
            article = Article(territory_id=source.territory_id, author_id=None)
        article.title, article.summary, article.body = remote.title, remote.summary, remote.summary
        article.article_kind = remote.kind
        return article

    def gone(item: SyncedItem) -> bool:
        removed = item.content is not None
        if removed:
            db.session.delete(item.content)
        db.session.delete(item)
        return removed

    return _apply(source, articles, "article:", write, gone)


def credit(content) -> SyncedItem | None:
    """Where ``content`` came from (its source and remote page), None for a local item."""
    if content is None or content.id is None:
        return None
    from ..datacache import remember

    # Most instances link none: whether any item came from elsewhere is kept until the data
    # changes, and an item's page asks no more of them.
    if not remember("any synced item", lambda: db.session.scalar(select(SyncedItem.id).limit(1)) is not None):
        return None
    return db.session.scalar(select(SyncedItem).where(SyncedItem.content_id == content.id))


def describe(source: SyncSource) -> str:
    when = to_local(source.last_ok_at).strftime("%Y-%m-%d %H:%M") if source.last_ok_at else "never"
    state = f"FAILED: {source.last_error}" if source.last_error else f"ok {source.last_counts}"
    return f"{source.id}\t{source.kind}\t{source.territory.slug}\t{source.url}\tlast ok {when}\t{state}"
