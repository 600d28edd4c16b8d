"""Counters shared by every worker (rate limits), stored in the database."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime

__all__ = ["RateCounter"]


class RateCounter(db.Model):
    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at = mapped_column(UTCDateTime, index=True)
