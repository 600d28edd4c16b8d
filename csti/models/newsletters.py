"""Territory newsletters: an issue (subject, editorial, chosen publications) composed by the
territory's animators, the addresses subscribed to it, and one delivery row per recipient and
issue — the ledger that makes sending crash-safe (docs/architecture.md §11)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["NewsletterDelivery", "NewsletterIssue", "NewsletterItem", "NewsletterSubscription"]

SUBJECT_MAX = 200
EDITORIAL_MAX = 20000
MAX_ITEMS = 30

DRAFT, SENDING, SENT = "draft", "sending", "sent"
PENDING, CONFIRMED, UNSUBSCRIBED = "pending", "confirmed", "unsubscribed"
QUEUED, FAILED = "queued", "failed"  # a delivery: queued → sending → sent | failed


class NewsletterIssue(db.Model):
    __tablename__ = "newsletter_issue"
    __table_args__ = (Index("ix_newsletter_issue_territory_status", "territory_id", "status", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX), default="")
    editorial: Mapped[str] = mapped_column(Text, default="")
    editorial_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    queued_at = mapped_column(UTCDateTime, nullable=True)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    # What the recipients receive, frozen when "Send" is pressed (the preview's exact mail): the
    # unsubscribe address holds "{token}", filled in for each recipient by the sender.
    mail_html: Mapped[str] = mapped_column(Text, default="")
    mail_text: Mapped[str] = mapped_column(Text, default="")
    unsubscribe_url: Mapped[str] = mapped_column(String(500), default="")
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)

    territory = relationship("Territory", lazy="joined")
    created_by = relationship("User")
    items = relationship("NewsletterItem", back_populates="issue", cascade="all, delete-orphan",
                         passive_deletes=True, order_by="(NewsletterItem.position, NewsletterItem.id)")

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    def item_for(self, content_id: int) -> NewsletterItem | None:
        return next((entry for entry in self.items if entry.content_id == content_id), None)


class NewsletterItem(db.Model):
    """One publication in an issue, at ``position`` (smaller first)."""

    __tablename__ = "newsletter_item"
    __table_args__ = (UniqueConstraint("issue_id", "content_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issue.id", ondelete="CASCADE"), index=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    issue = relationship("NewsletterIssue", back_populates="items")
    content = relationship("Content", lazy="joined")


class NewsletterSubscription(db.Model):
    """An address subscribed to a territory's newsletter: a member's own (confirmed at once) or
    an outside one (pending until the link of the confirmation mail is followed)."""

    __tablename__ = "newsletter_subscription"
    __table_args__ = (UniqueConstraint("territory_id", "email"),
                      Index("ix_newsletter_subscription_status", "territory_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(14), default=PENDING)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at = mapped_column(UTCDateTime, nullable=True)
    # The last unsubscription, kept when subscribing again: unsubscribe links mailed before it
    # are spent, confirmation links sent before it subscribe nobody.
    unsubscribed_at = mapped_column(UTCDateTime, nullable=True)

    territory = relationship("Territory")
    user = relationship("User")


class NewsletterDelivery(db.Model):
    """One issue to one address. UNIQUE (issue_id, email): never two rows, hence never two
    sends, for a recipient of an issue."""

    __tablename__ = "newsletter_delivery"
    __table_args__ = (UniqueConstraint("issue_id", "email"),
                      Index("ix_newsletter_delivery_status", "status", "issue_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issue.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsletter_subscription.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    message_id: Mapped[str] = mapped_column(String(255), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(255), default="")
    claimed_at = mapped_column(UTCDateTime, nullable=True)
    sent_at = mapped_column(UTCDateTime, nullable=True)

    issue = relationship("NewsletterIssue")
    subscription = relationship("NewsletterSubscription")
