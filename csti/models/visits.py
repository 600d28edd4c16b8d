"""Page views counted on the server, without cookies, third parties or anything personal
(docs/architecture.md §12).

- ``VisitSalt``: one random salt per day (never derived from a request), deleted with the day's
  hashes once the day is aggregated: yesterday's hashes can then no longer be recomputed.
- ``VisitHash``: today's visitors, one row per (day, territory, hash of IP + User-Agent + the
  day's salt) with its number of page views — a page view is one UPSERT of this row.
- ``VisitDay``: what is kept for good, per day and territory: page views and unique visitors,
  counts only. ``territory_id`` 0 = pages outside any territory; the row of territory -1 (ALL)
  holds the instance's unique visitors of the day (a visitor of two territories counts once).
"""
from __future__ import annotations

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

__all__ = ["VisitDay", "VisitHash", "VisitSalt"]

NO_TERRITORY, ALL_TERRITORIES = 0, -1


class VisitSalt(db.Model):
    __tablename__ = "visit_salt"

    day = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class VisitHash(db.Model):
    __tablename__ = "visit_hash"

    day = mapped_column(Date, primary_key=True)
    # Not a foreign key: 0 is "no territory", and counting never waits on the territory table.
    territory_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=1)


class VisitDay(db.Model):
    __tablename__ = "visit_day"

    day = mapped_column(Date, primary_key=True)
    territory_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    views: Mapped[int] = mapped_column(Integer, default=0)
    visitors: Mapped[int] = mapped_column(Integer, default=0)
