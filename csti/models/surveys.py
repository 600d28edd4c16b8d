"""Evaluation (issue #17): questionnaires that measure the impact of actions on their publics.

A ``Survey`` belongs to the member who made it (its organiser) and may be attached to an event,
a project or a resource (``content_id``), or stand alone. Its questions (``Question``) are
rating scales, NPS (0–10), single or multiple choice (``Choice``), short or long text, each
required or optional, worded in French and/or English (the survey's ``languages``).

Participants answer through a short public link (``/s/<token>``) without an account and without
JavaScript. A ``Response`` is one participant's submission: ``device_hash`` (a hash of a random
token kept in a cookie, nothing personal) makes it one per device and survey, ``nonce`` (the
form's one-time number) makes a replayed submission count once. Each ``Answer`` holds one value:
a number (rating, NPS), a choice (one row per choice ticked), or a text (which the organiser may
hide when abusive). Results are computed in SQL (counts, averages, distributions)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from .base import UTCDateTime, utcnow

__all__ = ["QUESTION_KINDS", "SURVEY_LANGUAGES", "Answer", "Choice", "Question", "Response", "Survey"]

RATING, NPS, SINGLE, MULTIPLE, SHORT, LONG = "rating", "nps", "single", "multiple", "short", "long"
QUESTION_KINDS = {
    RATING: _l("Rating scale"),
    NPS: _l("Would recommend (0 to 10)"),
    SINGLE: _l("Single choice"),
    MULTIPLE: _l("Multiple choice"),
    SHORT: _l("Short text"),
    LONG: _l("Long text"),
}
CHOICE_KINDS = (SINGLE, MULTIPLE)
NUMBER_KINDS = (RATING, NPS)
TEXT_KINDS = (SHORT, LONG)

# The languages a survey is worded in: "fr", "en" or "fr,en" (participants read theirs, or the
# one there is).
SURVEY_LANGUAGES = {"fr": _l("French"), "en": _l("English"), "fr,en": _l("French and English")}

TITLE_MAX = 200
INTRO_MAX = 2_000
QUESTION_MAX = 500
CHOICE_MAX = 200
SHORT_MAX = 300
LONG_MAX = 5_000
QUESTIONS_MAX = 50
CHOICES_MAX = 20
RATING_MIN, RATING_MAX = 2, 10  # a rating scale goes from 1 to 2…10 (5 by default)


class Survey(db.Model):
    __tablename__ = "survey"
    __table_args__ = (
        # A territory's surveys by date (the network indicators of the statistics page).
        Index("ix_survey_territory_id_created_at", "territory_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The short public code of /s/<token> (and of its QR code).
    token: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # The event, project or resource it evaluates; None for a standalone survey.
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="SET NULL"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id", ondelete="SET NULL"))
    # The template it was made from ("" from scratch): results are compared across surveys of
    # one template.
    template: Mapped[str] = mapped_column(String(30), default="", server_default="")
    languages: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    title_fr: Mapped[str] = mapped_column(String(TITLE_MAX), default="", server_default="")
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX), default="", server_default="")
    intro_fr: Mapped[str] = mapped_column(Text, default="", server_default="")
    intro_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Answers are taken from opens_at (None: once published) until closes_at (None: no end).
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Kept up to date with the responses (the lists show it without counting).
    response_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner = relationship("User")
    content = relationship("Content")
    territory = relationship("Territory")
    questions = relationship("Question", back_populates="survey", cascade="all, delete-orphan",
                             passive_deletes=True, order_by="(Question.position, Question.id)")

    def title(self, locale: str = "fr") -> str:
        return _worded(self.title_fr, self.title_en, locale)

    def intro(self, locale: str = "fr") -> str:
        return _worded(self.intro_fr, self.intro_en, locale)

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (self.published and (self.opens_at is None or self.opens_at <= now)
                and (self.closes_at is None or now < self.closes_at))


class Question(db.Model):
    __tablename__ = "survey_question"
    __table_args__ = (
        CheckConstraint("scale_max >= 2 AND scale_max <= 10", name="scale_max"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(10), default=RATING)
    text_fr: Mapped[str] = mapped_column(String(QUESTION_MAX), default="", server_default="")
    text_en: Mapped[str] = mapped_column(String(QUESTION_MAX), default="", server_default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A rating scale goes from 1 to scale_max (NPS: always 0 to 10).
    scale_max: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # The template question it comes from ("" otherwise): compared across surveys.
    code: Mapped[str] = mapped_column(String(30), default="", server_default="")

    survey = relationship("Survey", back_populates="questions")
    choices = relationship("Choice", back_populates="question", cascade="all, delete-orphan",
                           passive_deletes=True, order_by="(Choice.position, Choice.id)")

    def text(self, locale: str = "fr") -> str:
        return _worded(self.text_fr, self.text_en, locale)

    @property
    def kind_label(self):
        return QUESTION_KINDS.get(self.kind, self.kind)

    @property
    def scale(self) -> range:
        return range(0, 11) if self.kind == NPS else range(1, self.scale_max + 1)


class Choice(db.Model):
    __tablename__ = "survey_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    label_fr: Mapped[str] = mapped_column(String(CHOICE_MAX), default="", server_default="")
    label_en: Mapped[str] = mapped_column(String(CHOICE_MAX), default="", server_default="")
    code: Mapped[str] = mapped_column(String(30), default="", server_default="")

    question = relationship("Question", back_populates="choices")

    def label(self, locale: str = "fr") -> str:
        return _worded(self.label_fr, self.label_en, locale)


class Response(db.Model):
    __tablename__ = "survey_response"
    __table_args__ = (
        # One response per device and survey; a replayed form (same nonce) counts once.
        UniqueConstraint("survey_id", "device_hash", name="uq_survey_response_device"),
        UniqueConstraint("survey_id", "nonce", name="uq_survey_response_nonce"),
        Index("ix_survey_response_survey_id_submitted_at", "survey_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    device_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    submitted_at = mapped_column(UTCDateTime, default=utcnow)

    survey = relationship("Survey")
    answers = relationship("Answer", back_populates="response", cascade="all, delete-orphan",
                           passive_deletes=True)


class Answer(db.Model):
    __tablename__ = "survey_answer"
    __table_args__ = (
        # A question's answers (its results), from the index alone for numbers and choices.
        Index("ix_survey_answer_question_id_number", "question_id", "number"),
        Index("ix_survey_answer_question_id_choice_id", "question_id", "choice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id", ondelete="CASCADE"))
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    choice_id: Mapped[int | None] = mapped_column(ForeignKey("survey_choice.id", ondelete="CASCADE"), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An abusive free text, hidden by the organiser: kept out of the results and the export.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    response = relationship("Response", back_populates="answers")
    question = relationship("Question")
    choice = relationship("Choice")


def _worded(fr: str, en: str, locale: str) -> str:
    """The text in ``locale``'s language when there is one, else in the other."""
    first, second = (en, fr) if (locale or "fr").startswith("en") else (fr, en)
    return first or second
