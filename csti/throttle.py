"""Fixed-window counters shared by every worker: the database by default, Redis when
``CSTI_REDIS_URL`` is set. Used for login rate limits (per IP and per account), sign-ups, survey
answers and the API's requests (csti/apikeys.py)."""
from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models.base import utcnow
from .models.throttle import RateCounter


class DatabaseStore:
    def hit(self, key: str, window: int) -> int:
        """Count one hit for ``key`` and return the count in the current window.
        Runs in the caller's transaction (a writing one: BEGIN IMMEDIATE on SQLite)."""
        now = utcnow()
        counter = db.session.scalar(select(RateCounter).where(RateCounter.key == key).with_for_update())
        if counter is None:
            # Two first hits of one key at once (PostgreSQL: FOR UPDATE locks no missing row):
            # the loser of the insert reads and locks the winner's row instead of failing.
            try:
                with db.session.begin_nested():
                    db.session.add(RateCounter(key=key, count=0, expires_at=now + timedelta(seconds=window)))
            except IntegrityError:
                pass
            counter = db.session.scalar(select(RateCounter).where(RateCounter.key == key).with_for_update()
                                        .execution_options(populate_existing=True))
        if counter.expires_at <= now:
            counter.count = 0
            counter.expires_at = now + timedelta(seconds=window)
        counter.count += 1
        db.session.flush()
        return counter.count

    def seconds_left(self, key: str, window: int) -> int:
        """Seconds until ``key``'s current window ends (``window`` when it has none)."""
        counter = db.session.get(RateCounter, key)
        if counter is None or counter.expires_at <= utcnow():
            return window
        return max(1, math.ceil((counter.expires_at - utcnow()).total_seconds()))

    def count(self, key: str) -> int:
        counter = db.session.get(RateCounter, key)
        if counter is None or counter.expires_at <= utcnow():
            return 0
        return counter.count

    def reset(self, key: str) -> None:
        db.session.execute(delete(RateCounter).where(RateCounter.key == key))

    def purge(self) -> int:
        return db.session.execute(delete(RateCounter).where(RateCounter.expires_at <= utcnow())).rowcount


class RedisStore:
    """Counters under ``<prefix>rl:<key>`` (``CSTI_REDIS_PREFIX``, "csti:" by default: several
    sites, or a test, can share one Redis database without counting each other's hits)."""

    def __init__(self, url: str, prefix: str = "csti:"):
        import redis

        # A Redis that stops answering fails a request in seconds, never holds a worker for ever.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.prefix = f"{prefix}rl:"

    def hit(self, key: str, window: int) -> int:
        pipe = self.client.pipeline()
        pipe.incr(f"{self.prefix}{key}")
        pipe.expire(f"{self.prefix}{key}", window, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def seconds_left(self, key: str, window: int) -> int:
        ttl = self.client.ttl(f"{self.prefix}{key}")
        return int(ttl) if ttl and ttl > 0 else window

    def count(self, key: str) -> int:
        value = self.client.get(f"{self.prefix}{key}")
        return int(value) if value else 0

    def reset(self, key: str) -> None:
        self.client.delete(f"{self.prefix}{key}")

    def purge(self) -> int:
        return 0  # Redis expires keys itself


def store():
    app = current_app._get_current_object()
    cached = app.extensions.get("csti_throttle")
    if cached is None:
        url = app.config.get("REDIS_URL")
        cached = RedisStore(url, app.config.get("REDIS_PREFIX") or "csti:") if url else DatabaseStore()
        app.extensions["csti_throttle"] = cached
    return cached
