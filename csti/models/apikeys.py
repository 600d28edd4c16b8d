"""API keys (docs/architecture.md §16): what a member creates on /account/api-keys to call the
read-only API (/api/v1) with a higher rate limit. Only the key's SHA-256 is stored — the key
itself is shown once, when it is created; its first characters (``prefix``) tell the keys apart."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["ApiKey"]


class ApiKey(db.Model):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting the account deletes its keys (the database's cascade).
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # what the member calls it
    prefix: Mapped[str] = mapped_column(String(8))  # the key's first characters, shown
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole key
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime, nullable=True)  # updated at most once a minute
    revoked_at = mapped_column(UTCDateTime, nullable=True)  # a revoked key stops working at once

    user = relationship("User")

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
