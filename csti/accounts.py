"""Account operations used by views and commands: password rules, signed tokens, mails,
login throttling, data export and deletion."""
from __future__ import annotations

import hashlib

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .extensions import db
from .models import AuditLog, Content, User
from .models.base import utcnow
from .throttle import store

COMMON_PASSWORDS = {
    "password", "motdepasse", "azerty", "azertyuiop", "qwerty", "qwertyuiop", "123456789",
    "1234567890", "0123456789", "password1", "iloveyou", "soleil", "bonjour", "doudou",
    "marseille", "loulou", "chouchou", "abcdefghij", "1q2w3e4r5t", "aaaaaaaaaa",
}
MIN_PASSWORD_LENGTH = 10


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is too weak, or None."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 200:
        return _("Use at most 200 characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return _("This password is too easy to guess.")
    local = (email or "").split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        return _("The password must not contain your e-mail address.")
    return None


# --- signed tokens -----------------------------------------------------------------------
def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    # A reset token stops working once the password changed (single use).
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_confirm_token(user: User) -> str:
    return _serializer("confirm-email").dumps({"id": user.id, "email": user.email})


def make_reset_token(user: User) -> str:
    return _serializer("reset-password").dumps({"id": user.id, "pw": _password_fingerprint(user)})


class TokenError(Exception):
    def __init__(self, expired: bool):
        self.expired = expired


def read_confirm_token(token: str) -> User:
    data = _load(token, "confirm-email", current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        raise TokenError(expired=False) from None
    return user


def read_reset_token(token: str) -> User:
    data = _load(token, "reset-password", current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("id"))
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
def send_mail(to: str, subject: str, template: str, locale: str | None = None, **context):
    with force_locale(locale or "fr"):
        body = render_template(template, **context)
        message = EmailMessage(subject=str(subject), body=body, to=[to])
    message.send()


def send_confirmation(user: User) -> None:
    url = url_for("accounts.confirm", token=make_confirm_token(user), _external=True)
    with force_locale(user.locale or "fr"):
        subject = _("Confirm your e-mail address")
    send_mail(user.email, subject, "mail/confirm.txt", user.locale, user=user, url=url)


def send_reset(user: User) -> None:
    url = url_for("accounts.reset", token=make_reset_token(user), _external=True)
    with force_locale(user.locale or "fr"):
        subject = _("Reset your password")
    send_mail(user.email, subject, "mail/reset.txt", user.locale, user=user, url=url)


def send_already_registered(email: str, locale: str | None) -> None:
    url = url_for("accounts.forgot", _external=True)
    with force_locale(locale or "fr"):
        subject = _("You already have an account")
    send_mail(email, subject, "mail/already_registered.txt", locale, url=url)


def notify(user, subject, template: str, **context) -> bool:
    """Mail ``user`` in their language; ``subject`` is a lazy string (or a callable) rendered
    in that language. A mail server that is down must not undo or hide what was saved: the
    failure is logged and False returned."""
    if user is None or not user.email:
        return False
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        text = subject() if callable(subject) else str(subject)
    try:
        send_mail(user.email, text, template, locale, user=user, **context)
    except Exception:  # noqa: BLE001 — any transport error
        current_app.logger.exception("mail %s to user %s not sent", template, user.id)
        return False
    return True


# --- login throttling --------------------------------------------------------------------
def login_blocked(ip: str, email: str) -> bool:
    cfg = current_app.config
    s = store()
    return (
        s.count(f"login:ip:{ip}") >= cfg["LOGIN_MAX_ATTEMPTS_IP"]
        or s.count(f"login:acct:{User.normalize_email(email)}") >= cfg["LOGIN_MAX_ATTEMPTS_ACCOUNT"]
    )


def record_login_failure(ip: str, email: str) -> None:
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    s = store()
    s.hit(f"login:ip:{ip}", window)
    s.hit(f"login:acct:{User.normalize_email(email)}", window)


def record_login_success(email: str) -> None:
    store().reset(f"login:acct:{User.normalize_email(email)}")


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
    }


def delete_account(user: User, keep_content: bool) -> None:
    """Delete ``user``. Published content is kept as "former member" or deleted with them.
    Unpublished drafts always go. One transaction: the caller commits."""
    from .models import PUBLISHED

    contents = db.session.scalars(db.select(Content).where(Content.author_id == user.id)).all()
    for content in contents:
        if keep_content and content.status == PUBLISHED:
            content.author_id = None
        else:
            db.session.delete(content)
    AuditLog.record(None, "account.deleted", user_id=user.id, kept_content=keep_content)
    if user.avatar:
        from .uploads import delete_upload

        delete_upload(user.avatar)
    db.session.delete(user)
