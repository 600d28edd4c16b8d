"""Articles: news, reports, experience feedback ("retour d'expérience") and mediation format
sheets — the browsable library of new mediation formats."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..i18n import lazy_gettext as _l
from ..markdown import render_markdown
from .content import Content

__all__ = ["ARTICLE_KINDS", "Article"]

ARTICLE_KINDS = {
    "news": _l("News"),
    "report": _l("Field report"),
    "feedback": _l("Experience feedback"),
    "format": _l("Mediation format sheet"),
    "minutes": _l("Meeting minutes"),
}


class Article(Content):
    __tablename__ = "article"
    __mapper_args__ = {"polymorphic_identity": "article"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    article_kind: Mapped[str] = mapped_column(String(10), default="news", index=True)
    # Minutes ("compte rendu"): the meeting they report on (an event of a working group).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    # Mediation format sheet
    format_name: Mapped[str] = mapped_column(String(120), default="")
    format_audience: Mapped[str] = mapped_column(String(200), default="")
    duration_text: Mapped[str] = mapped_column(String(100), default="")
    material: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    steps_html: Mapped[str] = mapped_column(Text, default="")
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_worked_html: Mapped[str] = mapped_column(Text, default="")

    meeting = relationship("Event", foreign_keys=[meeting_id], lazy="select")

    kind_label = _l("Article")
    view_endpoint = "articles.show"

    @property
    def article_kind_label(self):
        return ARTICLE_KINDS.get(self.article_kind, self.article_kind)

    @property
    def card_label(self):
        return self.article_kind_label

    @property
    def is_format_sheet(self) -> bool:
        return self.article_kind == "format"

    @property
    def is_minutes(self) -> bool:
        return self.article_kind == "minutes"

    @validates("steps")
    def _steps(self, key, value):
        self.steps_html = render_markdown(value or "")
        return value or ""

    @validates("what_worked")
    def _what_worked(self, key, value):
        self.what_worked_html = render_markdown(value or "")
        return value or ""
