"""The version of the site's data: one row, bumped in the same transaction as every write, so
that every worker (and every app server) knows when a cached page went out of date
(csti/pagecache.py)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime

__all__ = ["DataVersion"]


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # When it was last bumped: the feeds' Last-Modified (csti/feeds.py).
    changed_at = mapped_column(UTCDateTime, nullable=True)
