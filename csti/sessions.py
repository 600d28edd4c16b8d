"""Members' server-side sessions: each login opens a ``UserSession`` row that the session and
remember-me cookies name, so logging out ends it wherever the cookies were copied
(docs/architecture.md §10); and the answer to an account whose address is not confirmed."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from .extensions import db
from .i18n import gettext as _
from .models import AccountSanction, Notification, User, UserSession
from .models.base import utcnow


def refuse_unconfirmed(back_url: str | None = None):
    """The answer to an account whose address is not confirmed trying what ``policy.can`` keeps
    for confirmed ones (joining, registering, liking, following, reporting): 403 with the message
    for htmx (announced where the page shows messages), else the message flashed and a redirect
    to ``back_url`` (by default the page the request came from). Raises."""
    from flask import abort, flash, redirect

    from .errors import fail
    from .htmx import back, is_htmx

    message = _("Confirm your e-mail address first: open the link we sent you, or ask for a new one "
                "from your account settings.")
    if is_htmx():
        fail(403, message)
    flash(message, "warning")
    abort(redirect(back_url, code=303) if back_url else back("accounts.settings"))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    """A new server-side session for ``user``: its id for Flask-Login (``user.get_id()``).
    Runs in the caller's transaction; the caller commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = current_app.config.get("REMEMBER_COOKIE_DURATION", 30 * 24 * 3600)
    if isinstance(lifetime, timedelta):
        lifetime = lifetime.total_seconds()
    db.session.execute(delete(UserSession).where(UserSession.expires_at <= now))  # expired ones, anyone's
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                               expires_at=now + timedelta(seconds=lifetime)))
    db.session.flush()
    user.session_token = token
    return user.get_id()


def log_in(user: User, remember: bool = False) -> None:
    """Open a server-side session and log ``user`` in with it (the caller commits)."""
    open_session(user)
    login_user(user, remember=remember)


def log_out() -> None:
    """End the current session: its row (so neither its session cookie nor its remember-me
    cookie works any more, wherever they were copied), then Flask-Login's cookies."""
    token = getattr(current_user, "session_token", None) if current_user.is_authenticated else None
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
    logout_user()


def end_other_sessions(user: User) -> None:
    """Every session of ``user`` but the current one ends (log out everywhere, password
    changed), and confirmation links sent before stop logging in."""
    user.end_other_sessions()
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if user.session_token:
        stmt = stmt.where(UserSession.token_hash != _token_hash(user.session_token))
    db.session.execute(stmt)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live server-side session, or None — with their
    memberships and their unread notifications' count (the header's badge), and the data
    version when the request has not read it yet (``datacache.version_columns``: the first
    statement of a member's page read, ``fragments._version_first``), in one statement."""
    from .datacache import version_read, version_unread

    uid, _sep, token = (session_id or "").partition(":")
    if not uid.isdigit() or len(uid) > 18 or not token:
        return None
    with_version = version_unread()
    row = db.session.execute(_session_user_statement(with_version),
                             {"uid": int(uid), "token_hash": _token_hash(token), "now": utcnow()}).unique().first()
    if row is None:
        return None
    user, user.unread_notifications = row[0], row[1]
    if with_version:
        version_read(row[2], row[3])
    user.session_token = token
    return user


@functools.cache
def _session_user_statement(with_version: bool = False):
    """``load_session_user``'s query, built once (a member's every request runs it; its cache
    key, a walk of the statement, is then computed once), its values as parameters. A suspended
    or banned member's session is refused here too (csti/sanctions.py): the one place every
    route — every form that posts — goes through. The memberships come joined (the relation's
    own ``selectin`` would be a second statement, built anew each time: half of this load's
    time) and the unread count as a column (the layout's badge: ``discussion.unread_count``).
    ``with_version``: the data version's two columns after them."""
    from .datacache import version_columns

    now = bindparam("now", type_=UserSession.expires_at.type)
    sanctioned = select(AccountSanction.id).where(AccountSanction.user_id == User.id,
                                                  AccountSanction.blocking_clause(now)).exists()
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    columns = (User, unread) + (version_columns() if with_version else ())
    return select(*columns).join(UserSession, UserSession.user_id == User.id).where(
        User.id == bindparam("uid"), UserSession.token_hash == bindparam("token_hash"),
        UserSession.expires_at > now, ~sanctioned).options(joinedload(User.memberships))
