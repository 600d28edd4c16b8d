"""Mail notifications (docs/architecture.md §3): each member's choice per category, one mail
per notification at once, daily and weekly digests, and the one-click unsubscribe link.

Each notification is mailed at most once. A sender first *claims* rows — ``UPDATE notification
SET mailed_at = now WHERE id IN (…) AND mailed_at IS NULL RETURNING id`` — and commits, so two
workers (a request and the cron catch-up) never mail the same one; then it sends, outside any
transaction, and a mail the server refused gives its rows back (``mailed_at`` NULL again) for
the next run. A notification is mailed only within a window after it was created (``WINDOWS``):
a member who turns a category on again is not mailed its whole history.

After a transaction that wrote notifications commits in a request, the immediate mails go
after the response (``response.call_on_close``): a mail server that is slow or down never
delays, fails or undoes the save. ``flask csti send-digests --period immediate`` catches what
was left (a worker that stopped, a refused mail, notifications written outside requests)."""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import after_this_request, current_app, g, has_request_context, url_for
from flask_babel import force_locale, ngettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, event, func, select, update
from sqlalchemy.orm import Session, selectinload

from ...database import write_intent
from ...extensions import db
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...mails import send_mail
from ...models import User
from ...models.base import utcnow
from ...models.discussion import VISIBLE, Notification
from ...models.mailprefs import (
    CATEGORIES,
    DAILY,
    DEFAULTS,
    FIXED,
    FREQUENCIES,
    IMMEDIATE,
    NONE,
    WEEKLY,
    MailPreference,
    category_of,
    category_sql,
    default_frequency_sql,
)
from ...policy import can

# How long after its creation a notification may still be mailed, by frequency.
WINDOWS = {IMMEDIATE: timedelta(days=2), DAILY: timedelta(days=7), WEEKLY: timedelta(days=31)}
# The most immediate mails one request sends after its response (the cron sends the rest).
REQUEST_BATCH = 100
# What a mail says of each kind (the notifications page's sentences, so the same translations).
SENTENCES = {
    "comment": _l("%(who)s commented on “%(title)s”."),
    "reply": _l("%(who)s replied to your comment on “%(title)s”."),
    "help": _l("%(who)s offers to help your project “%(title)s”."),
    "approved": _l("Your publication “%(title)s” is published: %(who)s approved it."),
    "rejected": _l("Your publication “%(title)s” was rejected by %(who)s."),
    "taken_down": _l("Your publication “%(title)s” was taken down by %(who)s."),
    "new_content": _l("%(who)s published “%(title)s”."),
    "dossier_item": _l("%(who)s added a publication to the dossier “%(title)s”."),
    "content_update": _l("%(who)s posted news of “%(title)s”."),
    # registrations to one's events (csti/blueprints/events/schedule.py)
    "registration_new": _l("%(who)s registered for your event “%(title)s”."),
    "registration_waiting": _l("%(who)s is on the waiting list of your event “%(title)s”."),
    "registration_cancel": _l("%(who)s cancelled their registration for your event “%(title)s”."),
    # to the registrants of an event taken down (csti/moderation.py ``take_down``): its title in the note
    "registration_withdrawn": _l("The event “%(title)s” you registered for was withdrawn by %(who)s."),
    # working groups (csti/blueprints/groups/domain.py): the same sentences as on /notifications
    "group_request": _l("%(who)s asks to join the working group “%(title)s”."),
    "group_invite": _l("%(who)s invites you to join the working group “%(title)s”."),
    "group_accepted": _l("%(who)s welcomed you in the working group “%(title)s”."),
    "group_meeting": _l("%(who)s planned a meeting of your working group: “%(title)s”."),
    "group_minutes": _l("%(who)s published the minutes of a meeting of your working group: “%(title)s”."),
    # loans of resources (csti/blueprints/resources/bookings.py): the same sentences as on /notifications
    "loan_request": _l("%(who)s asks to borrow “%(title)s”."),
    "loan_accepted": _l("%(who)s accepted your request to borrow “%(title)s”."),
    "loan_declined": _l("%(who)s declined your request to borrow “%(title)s”."),
    "loan_cancelled": _l("%(who)s cancelled the loan of “%(title)s”."),
    # a resource no longer lent, taken down or deleted (bookings.withdraw_loans): deleted, its title in the note
    "loan_withdrawn": _l("“%(title)s” is no longer lent (%(who)s): your request or loan of it is withdrawn."),
}
GENERIC_SENTENCE = _l("News from %(who)s about “%(title)s”.")
CATEGORY_LABELS = {
    "follows": _l("What I follow"),
    "comments": _l("Comments, replies and offers of help"),
    "registrations": _l("Registrations"),
    "groups": _l("My groups"),
    "moderation": _l("My publications"),
    "loans": _l("Loans of resources"),
}
FREQUENCY_LABELS = {
    NONE: _l("Never by mail"),
    IMMEDIATE: _l("At once, one mail each"),
    DAILY: _l("In a daily digest"),
    WEEKLY: _l("In a weekly digest"),
}


# --- preferences -----------------------------------------------------------------------------
def preferences(user) -> dict[str, str]:
    """Category → frequency for ``user`` (the defaults where they chose nothing)."""
    chosen = dict(db.session.execute(select(MailPreference.category, MailPreference.frequency)
                                     .where(MailPreference.user_id == user.id)).all())
    return {c: chosen.get(c, DEFAULTS[c]) if chosen.get(c) in FREQUENCIES else DEFAULTS[c] for c in CATEGORIES}


def frequency_of(user, category: str | None) -> str:
    if category is None:
        return NONE
    if category in FIXED:
        return FIXED[category]
    return preferences(user)[category]


def set_preferences(user, choices: dict[str, str]) -> None:
    """Store ``choices`` (category → frequency; unknown ones ignored); the caller commits. Only
    what changes is written (a default kept adds no row, an unchanged row is not touched): its
    ``updated_at`` spends the unsubscribe links mailed before it."""
    rows = {p.category: p for p in db.session.scalars(
        select(MailPreference).where(MailPreference.user_id == user.id))}
    for category, frequency in choices.items():
        if category not in CATEGORIES or frequency not in FREQUENCIES:
            raise ValueError(f"{category!r}: {frequency!r}")
        if category in rows:
            rows[category].frequency = frequency  # the same value: no UPDATE, updated_at kept
        elif frequency != DEFAULTS[category]:
            db.session.add(MailPreference(user_id=user.id, category=category, frequency=frequency))


# --- the unsubscribe link -----------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="csti-mail-unsubscribe")


def _fingerprint(user) -> str:
    """Binds a token to the account: another account given the same id later (or another
    address) does not match."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"unsubscribe:{user.id}:{user.email}".encode(), hashlib.sha256).hexdigest()[:16]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unsubscribe_token(user, categories) -> str:
    """Signed, bound to the account, and stamped with its time of issue (milliseconds): once the
    member's choice for one of its categories changes after that time (this link used, or the
    settings page), the link is spent."""
    issued = (utcnow() - _EPOCH) // timedelta(microseconds=1)
    return _serializer().dumps([user.id, sorted(set(categories)), _fingerprint(user), issued])


class SpentToken(Exception):
    """A genuine link whose categories changed since it was mailed: a replay, nothing to do."""

    def __init__(self, user, categories):
        super().__init__()
        self.user, self.categories = user, categories


def read_unsubscribe_token(token: str):
    """(user, categories) for a valid token, else None (forged, altered, account gone); raises
    ``SpentToken`` when one of its categories was chosen again after the link was issued."""
    try:
        data = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not (isinstance(data, list) and len(data) == 4 and isinstance(data[0], int)
            and isinstance(data[1], list) and data[1] and all(c in CATEGORIES for c in data[1])
            and isinstance(data[2], str) and isinstance(data[3], int)) or not 0 < data[0] < 2**63:
        return None
    user = db.session.get(User, data[0])
    if user is None or not hmac.compare_digest(_fingerprint(user), data[2]):
        return None
    categories = list(data[1])
    if not 0 <= data[3] < 2**57:  # signed: only this site made it; still, no overflow
        return None
    issued = _EPOCH + timedelta(microseconds=data[3])
    changed = db.session.scalar(select(func.max(MailPreference.updated_at)).where(
        MailPreference.user_id == user.id, MailPreference.category.in_(categories)))
    if changed is not None and changed > issued:
        raise SpentToken(user, categories)
    return user, categories


def unsubscribe(user, categories) -> None:
    """No more mails of ``categories`` for ``user`` (harmless when already so); the caller commits."""
    set_preferences(user, {category: NONE for category in categories})


def unsubscribe_url(user, categories) -> str:
    return url_for("mailprefs.unsubscribe", token=unsubscribe_token(user, categories), _external=True)


# --- which notifications are due ------------------------------------------------------------------
def _due(frequency: str, limit: int | None = None):
    """(notification id, user id, category) of the notifications to mail now at ``frequency``:
    not mailed yet, recent enough, of a category the member receives so, to a confirmed address."""
    category = category_sql(Notification.kind)
    chosen = func.coalesce(MailPreference.frequency, default_frequency_sql(category))
    query = (select(Notification.id, Notification.user_id, category)
             .join(User, User.id == Notification.user_id)
             .outerjoin(MailPreference, and_(MailPreference.user_id == Notification.user_id,
                                              MailPreference.category == category))
             .where(Notification.mailed_at.is_(None), Notification.created_at >= utcnow() - WINDOWS[frequency],
                    category.is_not(None), chosen == frequency, User.email_confirmed_at.is_not(None))
             .order_by(Notification.user_id, Notification.id))
    return query.limit(limit) if limit else query


def _claim(ids) -> list[int]:
    """Mark the rows of ``ids`` nobody claimed yet as mailed, committed; returns those this call got."""
    if not ids:
        return []
    db.session.commit()  # any read transaction ends: the claim is a write transaction of its own
    with write_intent():
        claimed = db.session.scalars(
            update(Notification).where(Notification.id.in_(ids), Notification.mailed_at.is_(None))
            .values(mailed_at=utcnow()).returning(Notification.id)
            .execution_options(synchronize_session=False)).all()
        db.session.commit()
    return list(claimed)


def _release(ids) -> None:
    """A mail that did not go: its rows wait for the next run."""
    try:
        with write_intent():
            db.session.execute(update(Notification).where(Notification.id.in_(ids))
                               .values(mailed_at=None).execution_options(synchronize_session=False))
            db.session.commit()
    except Exception:  # noqa: BLE001 — they stay marked mailed: at most once
        db.session.rollback()
        current_app.logger.exception("notifications %s could not be given back for mailing", ids)


def _load(ids) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.id.in_(ids))
        .options(selectinload(Notification.actor), selectinload(Notification.content),
                 selectinload(Notification.comment))
        .order_by(Notification.created_at, Notification.id)).all()


# --- what a mail says ------------------------------------------------------------------------------
def _visible(notification, user) -> bool:
    content = notification.content
    return content is None or can(user, "view", content)


def describe(notification, user) -> dict:
    """What a mail says of ``notification`` to ``user`` (in the current language): its sentence,
    the absolute link to what it is about, and the text it quotes (a comment, an offer, a reason)."""
    content = notification.content
    who = notification.actor.name if notification.actor else _("A former member")
    title = content.title if content is not None else _("a deleted publication")
    quote = notification.note or ""
    if notification.kind in ("taken_down", "registration_withdrawn", "loan_withdrawn") and content is None:  # the note keeps the title
        from ...text import deleted_note

        title, quote = deleted_note(notification.note)
    sentence = SENTENCES.get(notification.kind, GENERIC_SENTENCE)
    if notification.kind == "group_accepted" and content is not None and can(user, "manage_members", content):
        sentence = _l("%(who)s joined the working group “%(title)s”.")  # told to its coordinators
    url = None
    if content is not None:
        anchor = f"comment-{notification.comment_id}" if notification.comment_id else None
        url = url_for(content.view_endpoint, id=content.id, slug=content.slug, _external=True, _anchor=anchor)
    comment = notification.comment
    # Only a visible comment is quoted: not a deleted one, nor one hidden by a sanction.
    if comment is not None and comment.status == VISIBLE and notification.kind in ("comment", "reply"):
        quote = comment.body
    if len(quote) > 600:
        quote = quote[:600].rstrip() + "…"
    return {"sentence": str(sentence) % {"who": who, "title": title}, "url": url, "quote": quote,
            "created_at": notification.created_at, "category": category_of(notification.kind)}


def _headers(unsubscribe: str | None) -> dict:
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" to it
        headers.update({"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    return headers


def _locale(user) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _mail_one(notification, user) -> None:
    category = category_of(notification.kind)
    with force_locale(_locale(user)):
        item = describe(notification, user)
        subject = item["sentence"]
        unsubscribe = unsubscribe_url(user, [category]) if category in CATEGORIES else None
        settings = url_for("mailprefs.settings", _external=True)
        category_label = str(CATEGORY_LABELS.get(category, ""))
    send_mail(user.email, subject, "mail/notification.txt", _locale(user), html_template="mail/notification.html",
              headers=_headers(unsubscribe), recipient=user, item=item, category_label=category_label,
              unsubscribe_url=unsubscribe, settings_url=settings)


def _mail_digest(user, period: str, notifications) -> None:
    with force_locale(_locale(user)):
        groups = defaultdict(list)
        for notification in notifications:
            item = describe(notification, user)
            groups[item["category"]].append(item)
        sections = [(str(CATEGORY_LABELS[c]), groups[c]) for c in CATEGORIES if groups.get(c)]
        count = len(notifications)
        if period == DAILY:
            subject = ngettext("Your daily digest: %(num)d notification", "Your daily digest: %(num)d notifications",
                               count)
        else:
            subject = ngettext("Your weekly digest: %(num)d notification",
                               "Your weekly digest: %(num)d notifications", count)
        unsubscribe = unsubscribe_url(user, [c for c in CATEGORIES if groups.get(c)])
        settings = url_for("mailprefs.settings", _external=True)
    send_mail(user.email, subject, "mail/digest.txt", _locale(user), html_template="mail/digest.html",
              headers=_headers(unsubscribe), recipient=user, sections=sections, period=period, count=count,
              unsubscribe_url=unsubscribe, settings_url=settings)


# --- sending ---------------------------------------------------------------------------------------
def _base_url() -> str:
    if has_request_context():
        return url_for("main.index", _external=True)
    config = current_app.config
    if config.get("SERVER_NAME"):
        return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}/"
    current_app.logger.warning("CSTI_SERVER_NAME is not set: links in mails point to http://localhost/")
    return "http://localhost/"


@contextmanager
def _site(base_url: str | None = None):
    """A context where ``url_for(..., _external=True)`` gives the site's addresses (outside a
    request too: the command line, after a response)."""
    base_url = base_url or _base_url()
    with current_app.test_request_context("/", base_url=base_url):
        yield


def send_immediate(limit: int | None = None, base_url: str | None = None) -> int:
    """One mail per due notification of the "immediate" categories; returns how many were sent."""
    sent = 0
    rows = db.session.execute(_due(IMMEDIATE, limit)).all()
    with _site(base_url):
        for notification_id, user_id, _category in rows:
            if not _claim([notification_id]):
                continue  # another worker has it
            user = db.session.get(User, user_id)
            notification = _load([notification_id])[0]
            if not _visible(notification, user):
                continue  # about something they may no longer see: nothing to say
            try:
                _mail_one(notification, user)
            except Exception:  # noqa: BLE001 — any transport error: the next run tries again
                current_app.logger.exception("notification %s to user %s not mailed", notification_id, user_id)
                _release([notification_id])
                continue
            sent += 1
    return sent


def send_digests(period: str, base_url: str | None = None) -> tuple[int, int]:
    """One mail per member with notifications due at ``period`` (daily or weekly), grouped by
    category; returns (mails sent, notifications in them). Running it twice mails nothing twice."""
    if period not in (DAILY, WEEKLY):
        raise ValueError(period)
    by_user = defaultdict(list)
    for notification_id, user_id, _category in db.session.execute(_due(period)).all():
        by_user[user_id].append(notification_id)
    mails = items = 0
    with _site(base_url):
        for user_id, ids in by_user.items():
            claimed = _claim(ids)
            if not claimed:
                continue
            user = db.session.get(User, user_id)
            notifications = [n for n in _load(claimed) if _visible(n, user)]
            if not notifications:
                continue
            try:
                _mail_digest(user, period, notifications)
            except Exception:  # noqa: BLE001 — any transport error: the next run tries again
                current_app.logger.exception("%s digest to user %s not mailed", period, user_id)
                _release(claimed)
                continue
            mails += 1
            items += len(notifications)
    return mails, items


# --- after a commit that wrote notifications -------------------------------------------------------
_WROTE = "csti_mail_notifications"
_COMMITTED = "csti_mail_committed"


@event.listens_for(Session, "after_flush")
def _note_flushed(session, flush_context) -> None:
    if any(isinstance(obj, Notification) for obj in session.new):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_inserted(state) -> None:
    """Notifications written in bulk (``INSERT … SELECT``, follows/operations.py)."""
    if state.is_insert and getattr(getattr(state.statement, "table", None), "name", None) == "notification":
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _note_commit(session) -> None:
    if session.get_nested_transaction() is None and session.info.get(_WROTE):
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    wrote = session.info.pop(_WROTE, False)
    committed = session.info.pop(_COMMITTED, False)
    if wrote and committed:
        _send_after_response()


def _send_after_response() -> None:
    """In a request: send the immediate mails once the response is sent (once per request).
    Outside requests (commands, demo data): left to ``send-digests --period immediate``."""
    if not has_request_context():
        return
    if g.get("csti_mail_scheduled"):
        return
    g.csti_mail_scheduled = True
    app = current_app._get_current_object()
    base_url = url_for("main.index", _external=True)

    def send():
        try:
            with app.app_context():  # a session of its own
                send_immediate(REQUEST_BATCH, base_url)
        except Exception:  # noqa: BLE001 — never the request's problem; the cron catches up
            app.logger.exception("immediate notification mails failed")

    @after_this_request
    def _after(response):
        response.call_on_close(send)
        return response
