"""Each member's choice of mails per category of notifications: none, one mail each at once,
or a daily or weekly digest (docs/architecture.md §3). What category a notification kind
belongs to is written here once: ``category_of(kind)`` in Python, ``category_sql(column)``
in queries — both read the same tables."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, case, literal
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["MailPreference"]

NONE, IMMEDIATE, DAILY, WEEKLY = "none", "immediate", "daily", "weekly"
FREQUENCIES = (NONE, IMMEDIATE, DAILY, WEEKLY)
DIGESTS = (DAILY, WEEKLY)

FOLLOWS, COMMENTS, REGISTRATIONS, GROUPS, LOANS = "follows", "comments", "registrations", "groups", "loans"
# Decisions on a member's publications: always mailed at once, not a choice.
MODERATION = "moderation"
CATEGORIES = (FOLLOWS, COMMENTS, REGISTRATIONS, GROUPS, LOANS)  # the ones a member chooses for
# Registrations to one's events: a daily digest (a popular event would otherwise send a mail per person).
# Loans of resources (requests to answer, answers): at once, someone waits for them.
DEFAULTS = {FOLLOWS: WEEKLY, COMMENTS: IMMEDIATE, REGISTRATIONS: DAILY, GROUPS: IMMEDIATE, LOANS: IMMEDIATE}
FIXED = {MODERATION: IMMEDIATE}

# kind → category; then kinds by their prefix (a feature adding "group_invited" needs no edit).
KIND_CATEGORIES = {
    "new_content": FOLLOWS, "content_update": FOLLOWS, "dossier_item": FOLLOWS,
    "comment": COMMENTS, "reply": COMMENTS, "help": COMMENTS,
    "approved": MODERATION, "rejected": MODERATION, "taken_down": MODERATION,
}
PREFIX_CATEGORIES = {"group_": GROUPS, "registration_": REGISTRATIONS, "loan_": LOANS}


def category_of(kind: str) -> str | None:
    """The category of a notification ``kind``; None: in-site only, never mailed."""
    if kind in KIND_CATEGORIES:
        return KIND_CATEGORIES[kind]
    for prefix, category in PREFIX_CATEGORIES.items():
        if kind.startswith(prefix):
            return category
    return None


def category_sql(kind_column):
    """``category_of`` as an SQL expression of a kind column (NULL for an unmailed kind)."""
    whens = [(kind_column.in_([k for k, c in KIND_CATEGORIES.items() if c == category]), category)
             for category in dict.fromkeys(KIND_CATEGORIES.values())]
    whens += [(kind_column.like(prefix.replace("_", r"\_") + "%", escape="\\"), category)
              for prefix, category in PREFIX_CATEGORIES.items()]
    return case(*whens, else_=literal(None, String))


def default_frequency_sql(category_expr):
    defaults = {**DEFAULTS, **FIXED}
    return case(*[(category_expr == c, f) for c, f in defaults.items()], else_=literal(NONE))


class MailPreference(db.Model):
    """A member's choice for one category; no row: the category's default (``DEFAULTS``)."""

    __tablename__ = "mail_preference"
    __table_args__ = (UniqueConstraint("user_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10))
    # When the choice last changed: an unsubscribe link issued before it is spent (410).
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
