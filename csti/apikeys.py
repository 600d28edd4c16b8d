"""API keys and the API's rate limits (docs/architecture.md §16).

A member creates keys on /account/api-keys (``create_key``, ``revoke_key``); the key is
``csti_`` + ``secrets.token_urlsafe(32)``, shown once, and only its SHA-256 is stored. The API
blueprint calls ``check_api_request()`` from its ``before_request`` and ``add_rate_headers`` from
its ``after_request``:

- a key is read from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; a key that is
  malformed, unknown, revoked, or whose account is suspended or banned → 401 JSON
  (``bad_api_key``, ``WWW-Authenticate: Bearer``); a good one is ``g.api_key`` and its
  ``last_used_at`` is written at most once a minute;
- the request is counted in the shared counters (``csti/throttle.py``: the database, or Redis)
  per key (``API_RATE_KEY``) or, without a key, per client IP (``API_RATE_ANON``), in windows of
  ``API_RATE_WINDOW`` seconds; beyond → 429 JSON (``rate_limited``, ``Retry-After``);
- every counted response carries ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, g, jsonify, request
from flask_babel import ngettext
from sqlalchemy import exists, func, or_, select, update

from .database import write_transaction
from .extensions import db
from .i18n import gettext as _
from .models import AccountSanction, ApiKey, AuditLog, User
from .models.base import utcnow
from .throttle import DatabaseStore, store

KEY_START = "csti_"
# "csti_" and token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
KEY_PATTERN = re.compile(r"csti_[A-Za-z0-9_-]{43}")
PREFIX_LENGTH = 8
MAX_LIVE_KEYS = 10  # per member
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


class TooManyKeys(Exception):
    """The member already has ``MAX_LIVE_KEYS`` live keys."""


class MalformedKey(Exception):
    """A key header that is not one (another scheme, empty, two different keys, wrong shape)."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_START + secrets.token_urlsafe(32)


# --- the member's keys ------------------------------------------------------------------------
def live_keys(user: User) -> list[ApiKey]:
    return db.session.scalars(select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
                              .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).all()


def count_live_keys(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(ApiKey).where(
        ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None)))


def create_key(user: User, name: str) -> tuple[ApiKey, str]:
    """A new key of ``user`` named ``name``: (its row, the key — to show once, never stored).
    Raises TooManyKeys at ``MAX_LIVE_KEYS`` live keys. The caller commits."""
    # The member's row locked first (PostgreSQL; SQLite's writes are serialised already): two
    # creations at the same moment cannot both pass the count.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if count_live_keys(user) >= MAX_LIVE_KEYS:
        raise TooManyKeys
    key = new_key()
    row = ApiKey(user_id=user.id, name=name, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key), created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    AuditLog.record(user, "apikey.created", user, name=name, prefix=row.prefix)
    return row, key


def revoke_key(row: ApiKey, by: User) -> None:
    """The key stops working at once (every API request looks it up). The caller commits."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        AuditLog.record(by, "apikey.revoked", row.user, name=row.name, prefix=row.prefix)


# --- reading a request's key --------------------------------------------------------------------
def presented_key(headers) -> str | None:
    """The key a request sends (``Authorization: Bearer`` or ``X-API-Key``), None without one.
    Raises MalformedKey for a header that holds no well-formed key."""
    found = []
    authorization = headers.get("Authorization")
    if authorization is not None:
        scheme, _sep, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise MalformedKey
        found.append(value.strip())
    header = headers.get("X-API-Key")
    if header is not None:
        found.append(header.strip())
    if not found:
        return None
    if len(set(found)) > 1 or not KEY_PATTERN.fullmatch(found[0]):
        raise MalformedKey
    return found[0]


def find_key(key: str) -> tuple[ApiKey | None, bool]:
    """(the key's row — revoked or not — or None, whether its account is suspended or banned now):
    one query."""
    blocked = exists().where(AccountSanction.user_id == ApiKey.user_id, AccountSanction.blocking_clause())
    found = db.session.execute(select(ApiKey, blocked.label("blocked")).where(ApiKey.key_hash == hash_key(key))).first()
    return (found[0], bool(found[1])) if found else (None, False)


def _error(status: int, code: str, message: str, **extra):
    response = jsonify({"error": {"status": status, "code": code, "message": message, **extra}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _unauthorized(message: str):
    response = _error(401, "bad_api_key", message)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


# --- the API's before_request / after_request -------------------------------------------------
def check_api_request():
    """Called by the API blueprint's ``before_request``: None when the request may go on, else the
    401 (a bad key) or 429 (over the limit) JSON response to send. A CORS preflight (OPTIONS) is
    neither checked nor counted: browsers send it without the key."""
    g.api_key = None
    g.api_rate = None
    if request.method == "OPTIONS":
        return None
    try:
        key = presented_key(request.headers)
    except MalformedKey:
        return _unauthorized(_("The API key is malformed. Send it as “Authorization: Bearer KEY” or “X-API-Key: KEY”, "
                               "the whole key as it was shown when it was created."))
    row = None
    if key is not None:
        row, blocked = find_key(key)
        if row is None:
            return _unauthorized(_("This API key is unknown. Check that it was copied whole, or create another one "
                                   "in your account settings."))
        if row.revoked_at is not None:
            return _unauthorized(_("This API key was revoked. Create another one in your account settings."))
        if blocked:
            return _unauthorized(_("The account of this API key is suspended: the key does not work meanwhile."))
        g.api_key = row

    config = current_app.config
    window = max(1, int(config.get("API_RATE_WINDOW", 60)))
    if row is not None:
        bucket, limit = f"api-key:{row.id}", int(config.get("API_RATE_KEY", 600))
    else:
        bucket, limit = f"api-ip:{request.remote_addr or 'unknown'}", int(config.get("API_RATE_ANON", 60))
    now = utcnow()
    touch = row is not None and (row.last_used_at is None or row.last_used_at <= now - TOUCH_EVERY)
    counters = store()
    retry_after = 0
    if touch or isinstance(counters, DatabaseStore):
        # A write in a GET: the reading transaction ends first, then BEGIN IMMEDIATE on SQLite
        # (csti/database.py); the counters of the database store run in this transaction.
        key_id = row.id if row is not None else None
        with write_transaction(db.session):
            if touch:
                db.session.execute(
                    update(ApiKey).where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None),
                                                                  ApiKey.last_used_at <= now - TOUCH_EVERY))
                    .values(last_used_at=now).execution_options(synchronize_session=False))
            count = counters.hit(bucket, window)
            if count > limit:
                retry_after = counters.seconds_left(bucket, window)
            db.session.commit()
    else:
        count = counters.hit(bucket, window)
        if count > limit:
            retry_after = counters.seconds_left(bucket, window)
    g.api_rate = (limit, max(0, limit - count))
    if count <= limit:
        return None
    message = _("Too many requests: the limit is %(limit)d requests every %(seconds)d seconds.",
                limit=limit, seconds=window)
    message += " " + ngettext("Try again in %(num)d second.", "Try again in %(num)d seconds.", retry_after)
    if row is None:
        message += " " + _("With an API key the limit is higher: members create keys in their account settings.")
    response = _error(429, "rate_limited", message, retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def add_rate_headers(response):
    """For the API blueprint's ``after_request``: the limit and what is left of it on every
    response to a counted request (none on a 401: it was not counted)."""
    rate = g.get("api_rate")
    if rate is not None:
        response.headers["X-RateLimit-Limit"] = str(rate[0])
        response.headers["X-RateLimit-Remaining"] = str(rate[1])
    return response
