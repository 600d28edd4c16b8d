"""Users and their sessions. Passwords are hashed with scrypt (Werkzeug's default, a
memory-hard KDF). Every login opens a ``UserSession`` row: the session cookie and the
remember-me cookie carry its random token, the database keeps only the token's SHA-256, and
logging out deletes the row — a copied cookie is worth nothing afterwards."""
from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, utcnow
from .territories import ROLE_RANK, Membership

__all__ = ["User", "UserSession"]


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    avatar: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email_confirmed_at = mapped_column(UTCDateTime, nullable=True)
    # Bumped by "log out everywhere" and password changes (which also delete the other
    # sessions' rows): a confirmation link sent before no longer logs anyone in.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_login_at = mapped_column(UTCDateTime, nullable=True)

    memberships = relationship(
        "Membership", back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self):
        return f"<User {self.email}>"

    def __eq__(self, other):
        if isinstance(other, User):
            return self.id is not None and self.id == other.id
        return NotImplemented

    __hash__ = object.__hash__

    # --- Flask-Login -------------------------------------------------------------------
    # The token of the session this object was loaded for (or just opened): set by
    # csti.sessions.open_session and by the user loader, never stored in clear.
    session_token = None  # str
    # Their unread notifications when the session's user was loaded (csti.sessions): the
    # layout's badge (discussion.operations.unread_count); None on a user loaded otherwise.
    unread_notifications = None  # int

    def get_id(self):
        if not self.session_token:
            raise RuntimeError("log in with csti.sessions.log_in(), which opens a server-side session")
        return f"{self.id}:{self.session_token}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    # --- passwords ---------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def end_other_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    # --- roles -------------------------------------------------------------------------
    def membership_in(self, territory) -> Membership | None:
        tid = territory if isinstance(territory, int) else territory.id
        for m in self.memberships:
            if m.territory_id == tid:
                return m
        return None

    def role_in(self, territory) -> str | None:
        m = self.membership_in(territory)
        return m.role if m else None

    def has_role(self, territory, role: str) -> bool:
        """True when the user's role in ``territory`` is ``role`` or above."""
        current = self.role_in(territory)
        return current is not None and ROLE_RANK[current] >= ROLE_RANK[role]

    @staticmethod
    def normalize_email(email: str) -> str:
        return (email or "").strip().lower()

    @classmethod
    def by_email(cls, email: str):
        return db.session.scalar(select(cls).where(cls.email == cls.normalize_email(email)))


class UserSession(db.Model):
    """One login: what the session and remember-me cookies point to. Deleted by logging out
    (that session), "log out everywhere" and password changes (every other one), and expired
    after ``REMEMBER_COOKIE_DURATION``."""
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime, index=True)
