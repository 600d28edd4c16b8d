"""Account operations used by views and commands: password rules, signed tokens, the account's
mails, login throttling, data export and deletion. Sessions are in ``csti/sessions.py``, mail
in ``csti/mails.py``."""
from __future__ import annotations

import hashlib
import time
from functools import cache

from flask import current_app, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...extensions import db
from ...i18n import gettext as _
from ...mails import send_mail
from ...models import STATUSES, ApiKey, AuditLog, Content, User
from ...models.base import utcnow
from ...throttle import store

# French favourites that the (English-speaking) breached-password list below does not hold.
COMMON_PASSWORDS = {
    "password", "motdepasse", "azerty", "azertyuiop", "qwerty", "qwertyuiop", "123456789",
    "1234567890", "0123456789", "password1", "iloveyou", "soleil", "bonjour", "doudou",
    "marseille", "loulou", "chouchou", "abcdefghij", "1q2w3e4r5t", "aaaaaaaaaa",
    "motdepasse1", "jetaime", "jetaimebeaucoup", "bonjour123", "azerty123", "azerty1234",
    "azertyuiop1", "azertyuiop123", "doudou1234", "soleil1234", "marseille13", "chocolat",
    "chocolat123", "princesse", "toulouse31", "nicolas123", "camille123", "123456789a",
}
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# zxcvbn's estimate (0-4) a password must reach: 2 is "somewhat guessable", about 10^8
# guesses — out of reach of an online attack, and of a quick offline one against scrypt.
MIN_PASSWORD_SCORE = 2


@cache
def _zxcvbn():
    """zxcvbn, imported on first use: its dictionaries (the 30 000 most common passwords of
    real breaches, English words, names) take ~14 MB that a worker pays only once it has a
    password to check."""
    from zxcvbn import zxcvbn
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return zxcvbn, frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is too weak, or None. Refused: too short or too long, one of the 30 000
    most common passwords of real breaches (zxcvbn's list) or of our French list, the e-mail
    address in it, and whatever zxcvbn estimates guessable in fewer than 10^8 tries (common
    words with digits, keyboard walks, repeats, dates…)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    lowered = password.lower()
    estimate, breached = _zxcvbn()
    if lowered in COMMON_PASSWORDS or lowered in breached:
        return _("This password is one of the most common ones, tried first by attackers: choose another.")
    local = (email or "").split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        return _("The password must not contain your e-mail address.")
    inputs = [part for part in (local, (email or "").lower(), *(name or "").lower().split()) if part]
    # zxcvbn refuses more than 72 characters; a longer password is long enough.
    if len(set(lowered)) < 4 or estimate(password[:72], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        return _("This password is too easy to guess: make it longer, or mix several unrelated words.")
    return None


# --- what needs a confirmed address -----------------------------------------------------------
# --- signed tokens -----------------------------------------------------------------------
def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    # A reset token stops working once the password changed (single use).
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_confirm_token(user: User) -> str:
    # Bound to the password and to the session generation: after a password change or "log
    # out everywhere" the link no longer logs in, and once the address is confirmed it is spent.
    return _serializer("confirm-email").dumps({"id": user.id, "email": user.email, "pw": _password_fingerprint(user),
                                               "v": user.session_version or 1})


def make_reset_token(user: User) -> str:
    return _serializer("reset-password").dumps({"id": user.id, "pw": _password_fingerprint(user)})


class TokenError(Exception):
    def __init__(self, expired: bool, used: bool = False):
        self.expired = expired
        self.used = used


def read_confirm_token(token: str) -> User:
    """The user whose address the link confirms. Refused (``used``) once the address is
    confirmed, and when the password changed or every session was ended since it was sent."""
    data = _load(token, "confirm-email", current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user = _user(data.get("id"))
    if user is None or user.email != data.get("email"):
        raise TokenError(expired=False) from None
    if user.email_confirmed_at is not None:
        raise TokenError(expired=False, used=True)
    if data.get("pw") != _password_fingerprint(user) or data.get("v") != (user.session_version or 1):
        raise TokenError(expired=True)
    return user


def _user(uid) -> User | None:
    if not isinstance(uid, int) or isinstance(uid, bool) or not 0 < uid < 2**63:
        return None
    return db.session.get(User, uid)


def read_reset_token(token: str) -> User:
    data = _load(token, "reset-password", current_app.config["RESET_TOKEN_MAX_AGE"])
    user = _user(data.get("id"))
    if user is None or _password_fingerprint(user) != data.get("pw"):
        raise TokenError(expired=False) from None
    return user


def _load(token, salt, max_age) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(expired=True) from None
    except BadSignature:
        raise TokenError(expired=False) from None
    if not isinstance(data, dict):
        raise TokenError(expired=False) from None
    return data


# --- mails -------------------------------------------------------------------------------
# A mail server that is down must not turn a sign-up or a reset into an error page, nor undo
# what was saved: the failure is logged and the caller told (False), so the page can say so.
def _send(to: str, subject, template: str, locale: str | None, **context) -> bool:
    try:
        send_mail(to, subject, template, locale, **context)
    except Exception:  # noqa: BLE001 — any transport error (refused, timeout, TLS…)
        current_app.logger.exception("mail %s to %s not sent", template, to)
        return False
    return True


def send_confirmation(user: User) -> bool:
    url = url_for("accounts.confirm", token=make_confirm_token(user), _external=True)
    with force_locale(user.locale or "fr"):
        subject = _("Confirm your e-mail address")
    return _send(user.email, subject, "mail/confirm.txt", user.locale, user=user, url=url)


def send_reset(user: User) -> bool:
    url = url_for("accounts.reset", token=make_reset_token(user), _external=True)
    with force_locale(user.locale or "fr"):
        subject = _("Reset your password")
    return _send(user.email, subject, "mail/reset.txt", user.locale, user=user, url=url)


def send_already_registered(email: str, locale: str | None) -> bool:
    url = url_for("accounts.forgot", _external=True)
    with force_locale(locale or "fr"):
        subject = _("You already have an account")
    return _send(email, subject, "mail/already_registered.txt", locale, url=url)


# --- login throttling --------------------------------------------------------------------
# Failed logins are counted per (IP, account) pair, per IP, per account from every IP and for
# the whole site. The pair and the IP counters refuse (429); the account and site-wide ones
# never lock anyone out — an attacker must not be able to keep an owner out of their account
# from elsewhere — but slow every further failure down.
def _email_key(email: str) -> str:
    return hashlib.sha256(User.normalize_email(email).encode()).hexdigest()[:32]


def login_blocked(ip: str, email: str) -> bool:
    cfg = current_app.config
    s = store()
    return (
        s.count(f"login:pair:{ip}:{_email_key(email)}") >= cfg["LOGIN_MAX_ATTEMPTS_ACCOUNT"]
        or s.count(f"login:ip:{ip}") >= cfg["LOGIN_MAX_ATTEMPTS_IP"]
    )


def record_login_failure(ip: str, email: str) -> float:
    """Count the failure. Returns how long to wait before answering (once the transaction is
    committed): nothing normally; under attack — too many failures on this account from every
    IP, or on the whole site — ``LOGIN_SLOWDOWN_SECONDS``, which slows what an attacker tries
    per connection while the owner, whose password is right, is never slowed down."""
    cfg = current_app.config
    window = cfg["LOGIN_WINDOW_SECONDS"]
    s = store()
    s.hit(f"login:pair:{ip}:{_email_key(email)}", window)
    s.hit(f"login:ip:{ip}", window)
    account = s.hit(f"login:acct:{_email_key(email)}", window)
    site = s.hit("login:all", window)
    if account > cfg["LOGIN_SLOWDOWN_ACCOUNT"] or site > cfg["LOGIN_SLOWDOWN_SITE"]:
        return cfg["LOGIN_SLOWDOWN_SECONDS"]
    return 0


def slow_down(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def record_login_success(ip: str, email: str) -> None:
    store().reset(f"login:pair:{ip}:{_email_key(email)}")


def signup_allowed(ip: str) -> bool:
    """Count one sign-up from ``ip``; False past ``SIGNUP_MAX_PER_IP`` in ``SIGNUP_WINDOW_SECONDS``."""
    cfg = current_app.config
    return store().hit(f"signup:ip:{ip}", cfg["SIGNUP_WINDOW_SECONDS"]) <= cfg["SIGNUP_MAX_PER_IP"]


# --- data export & deletion --------------------------------------------------------------
def export_user_data(user: User) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    contents = db.session.scalars(
        db.select(Content).where(Content.author_id == user.id).order_by(Content.id)
    ).all()
    return {
        "exported_at": iso(utcnow()),
        "profile": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "bio": user.bio,
            "website": user.website,
            "avatar": user.avatar,
            "locale": user.locale,
            "is_admin": user.is_admin,
            "email_confirmed_at": iso(user.email_confirmed_at),
            "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at),
        },
        "memberships": [
            {"territory": m.territory.slug, "role": m.role, "since": iso(m.created_at)}
            for m in user.memberships
        ],
        "content": [
            {
                "id": c.id,
                "kind": c.kind,
                "title": c.title,
                "summary": c.summary,
                "body": c.body,
                "status": c.status,
                "territory": c.territory.slug if c.territory else None,
                "tags": [t.name for t in c.tags],
                "created_at": iso(c.created_at),
                "published_at": iso(c.published_at),
            }
            for c in contents
        ],
        # The API keys (docs/architecture.md §16): what the page lists; the keys themselves are not kept.
        "api_keys": [
            {"name": k.name, "prefix": k.prefix, "created_at": iso(k.created_at),
             "last_used_at": iso(k.last_used_at), "revoked_at": iso(k.revoked_at)}
            for k in db.session.scalars(db.select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id))
        ],
    }


def delete_account(user: User, keep_content: bool) -> None:
    """Delete ``user``. Published content is kept as "former member" or deleted with them.
    Unpublished drafts always go; so do their surveys, but those of an item that stays when the
    content is kept. One transaction: the caller commits."""
    from ...models import PUBLISHED
    from ..resources.bookings import withdraw_for_deletion

    contents = db.session.scalars(db.select(Content).where(Content.author_id == user.id)).all()
    deleted = set()
    for content in contents:
        if keep_content and content.status == PUBLISHED:
            content.author_id = None
        else:
            withdraw_for_deletion(content, None)  # a resource's borrowers, a structure's loans: told
            db.session.delete(content)
            deleted.add(content.id)
    _drop_surveys(user, keep_content, deleted)
    AuditLog.record(None, "account.deleted", user_id=user.id, kept_content=keep_content)
    if user.avatar:
        from ...uploads import delete_upload

        delete_upload(user.avatar)
    db.session.delete(user)


def _drop_surveys(user: User, keep_content: bool, deleted: set) -> None:
    """The member's surveys go with them (answers included), but, when their content is kept, those
    evaluating an item that stays: whoever may edit that item manages them from then on."""
    from ...models.surveys import Survey

    for survey in db.session.scalars(db.select(Survey).where(Survey.owner_id == user.id)).all():
        if keep_content and survey.content_id is not None and survey.content_id not in deleted:
            survey.owner_id = None
        else:
            db.session.delete(survey)


# --- my content (docs/architecture.md §3, §7) ------------------------------------------------------
def my_content_types() -> list:
    """The content types a member writes and finds on "My content": every registered type with a
    public list (editorial pages have none), structures included."""
    from ... import registry

    return [t for t in registry.all() if t.list_endpoint is not None]


def my_content(user, status: str | None = None, kinds=()):
    """``user``'s items of the types of ``my_content_types()`` (``kinds``: of these kinds only),
    in ``status`` if given, every status otherwise, last updated first — an ordered select for
    ``listing.paginate``, loading what the cards and the edit links (``edit_loads``) read."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from ...listing import card_options

    types = [t for t in my_content_types() if not kinds or t.kind in kinds]
    options = card_options(Content)
    for content_type in types:
        options += [selectinload(getattr(content_type.model, name)) for name in content_type.model.edit_loads]
    stmt = (select(Content).options(*options)
            .where(Content.author_id == user.id, Content.kind.in_([t.kind for t in types]))
            .order_by(Content.updated_at.desc(), Content.id.desc()))
    return stmt.where(Content.status == status) if status else stmt


def my_content_counts(user) -> dict[str, int]:
    """How many of ``user``'s items (``my_content``) are in each status, and ``""`` for all."""
    from sqlalchemy import func, select

    rows = db.session.execute(
        select(Content.status, func.count()).where(
            Content.author_id == user.id, Content.kind.in_([t.kind for t in my_content_types()]))
        .group_by(Content.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in rows})
    counts[""] = sum(n for _status, n in rows)
    return counts
