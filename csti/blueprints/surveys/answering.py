"""The public answer page of a survey (``/s/<token>``, issue #17): no account, no JavaScript.

- One response per device: a random token in a long-lived cookie (``DEVICE_COOKIE``, path /s/,
  HttpOnly, SameSite=Lax, Secure on HTTPS); the database keeps only
  ``sha256(token + survey id + SECRET_KEY)`` in ``Response.device_hash`` — nothing personal, and
  the same cookie gives unrelated hashes on two surveys. Without cookies, each submission gets
  a fresh device token, so a participant can still answer once per form load (the nonce).
- Replays count once: the form carries a one-time nonce signed with the app's key
  (itsdangerous, the survey's id inside, ``NONCE_MAX_AGE``); ``UNIQUE(survey_id, nonce)`` makes
  a replayed submission fail on insert, even when two arrive at once.
- A light anti-robot measure: a honeypot field humans never see, and a minimum fill time
  (``SURVEY_MIN_FILL_SECONDS``) read from the nonce's signed timestamp.
- ``validate`` is a pure function: the survey and the posted MultiDict in, the values to store or
  a message per question out; ``record`` stores one Response and its Answers in one transaction
  and bumps ``response_count`` in SQL."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...i18n import gettext as _
from ...models.base import utcnow
from ...models.surveys import LONG, LONG_MAX, MULTIPLE, NPS, RATING, SHORT, SHORT_MAX, SINGLE, Answer, Response, Survey
from ...text import clean_text

DEVICE_COOKIE = "csti_survey_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
NONCE_MAX_AGE = 24 * 3600
HONEYPOT = "website"
CHOICES_SHOWN = 50  # values of one field shown again after an error  # the field robots fill in
# The survey's state for a visitor
OPEN, NOT_YET, CLOSED = "open", "not_yet", "closed"


def state(survey: Survey, now=None) -> str:
    """OPEN, NOT_YET (opens later) or CLOSED (past its closing date). Unpublished: the caller's 404."""
    now = now or utcnow()
    if survey.closes_at is not None and survey.closes_at <= now:
        return CLOSED
    if survey.opens_at is not None and now < survey.opens_at:
        return NOT_YET
    return OPEN


def shown_language(survey: Survey, locale: str) -> str:
    """The language the participant reads: theirs when the survey has it, else the survey's first."""
    languages = [code for code in (survey.languages or "fr").split(",") if code]
    wanted = (locale or "fr")[:2]
    return wanted if wanted in languages else languages[0]


# ------------------------------------------------------------------ device and nonce

def new_device_token() -> str:
    return secrets.token_urlsafe(24)


def device_hash(token: str, survey: Survey) -> str:
    key = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{token}{survey.id}{key}".encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="survey-answer-nonce")


def new_nonce(survey: Survey) -> str:
    """A signed one-time number for one form load: the survey's id, a random value and (by
    itsdangerous) the time it was made."""
    return _serializer().dumps({"s": survey.id, "n": secrets.token_hex(16)})


class NonceRefused(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def read_nonce(signed: str, survey: Survey) -> tuple[str, float]:
    """The nonce of a posted form and how many seconds ago it was made; NonceRefused when it is
    forged, made for another survey or older than NONCE_MAX_AGE."""
    try:
        data, issued = _serializer().loads(signed or "", max_age=NONCE_MAX_AGE, return_timestamp=True)
    except SignatureExpired as error:
        raise NonceRefused(expired=True) from error
    except BadSignature as error:
        raise NonceRefused(expired=False) from error
    if not isinstance(data, dict) or data.get("s") != survey.id or not isinstance(data.get("n"), str):
        raise NonceRefused(expired=False)
    return data["n"], max(0.0, time.time() - issued.timestamp())


def too_fast(age_seconds: float) -> bool:
    return age_seconds < current_app.config.get("SURVEY_MIN_FILL_SECONDS", 2)


def already_answered(survey: Survey, hashed: str) -> bool:
    return db.session.scalar(select(Response.id).where(Response.survey_id == survey.id,
                                                      Response.device_hash == hashed)) is not None


# ------------------------------------------------------------------ validation

@dataclass
class Checked:
    """What ``validate`` found: the answers to store as (question, number, choice, text), and
    a message per question id that was not right, with what the participant typed or ticked
    (``typed``: question id -> list of strings) to show the form again."""
    answers: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    typed: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def field_name(question) -> str:
    return f"q{question.id}"


def validate(survey: Survey, form) -> Checked:
    """Check every answer of ``form`` (a MultiDict) against ``survey``'s questions. Pure: reads
    the survey and its questions, never writes."""
    checked = Checked()
    for question in survey.questions:
        name = field_name(question)
        values = form.getlist(name)
        present = [v.strip() for v in values if v.strip()]
        # Shown again in the form: a huge text is cut (its message says how long it was).
        checked.typed[question.id] = [v[:2 * LONG_MAX] for v in values[:CHOICES_SHOWN]]
        error = None
        if question.kind in (RATING, NPS):
            error = _check_number(question, present, checked)
        elif question.kind in (SINGLE, MULTIPLE):
            error = _check_choices(question, present, checked)
        elif question.kind in (SHORT, LONG):
            error = _check_text(question, values, checked)
        if error:
            checked.errors[question.id] = error
    if checked.errors:
        checked.answers = []
    return checked


def _missing(question):
    return _("This question needs an answer.") if question.required else None


def _check_number(question, present, checked):
    if not present:
        return _missing(question)
    low, high = question.scale.start, question.scale.stop - 1
    if len(present) > 1:
        return _("Choose one value only.")
    try:
        number = int(present[0])
    except ValueError:
        return _("Choose a value from %(low)d to %(high)d.", low=low, high=high)
    if not low <= number <= high:
        return _("Choose a value from %(low)d to %(high)d.", low=low, high=high)
    checked.answers.append((question, number, None, ""))
    return None


def _check_choices(question, present, checked):
    if not present:
        return _missing(question)
    if question.kind == SINGLE and len(present) > 1:
        return _("Choose one answer only.")
    offered = {str(choice.id): choice for choice in question.choices}
    if any(value not in offered for value in present):
        return _("Choose among the answers offered.")
    for value in dict.fromkeys(present):  # a choice ticked twice counts once
        checked.answers.append((question, None, offered[value], ""))
    return None


def _check_text(question, values, checked):
    if len(values) > 1:
        return _("Write one answer only.")
    text = clean_text(values[0] if values else "").strip()  # control characters (a NUL) out
    if not text:
        return _missing(question)
    limit = SHORT_MAX if question.kind == SHORT else LONG_MAX
    if len(text) > limit:
        return _("Write at most %(max)d characters (you wrote %(n)d).", max=limit, n=len(text))
    checked.answers.append((question, None, None, text))
    return None


# ------------------------------------------------------------------ storing

class AlreadyRecorded(Exception):
    """The response collides with one stored: ``device`` (this device answered) or ``nonce``
    (this very form was sent already)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def record(survey: Survey, checked: Checked, *, hashed_device: str, nonce: str, locale: str) -> Response:
    """Store one Response with its Answers and count it, in one transaction (committed). Raises
    AlreadyRecorded — nothing stored — when the device or the nonce answered already, including
    when two submissions race (the unique constraints decide, IntegrityError is rolled back)."""
    survey_id = survey.id
    response = Response(survey_id=survey_id, device_hash=hashed_device, nonce=nonce, locale=locale,
                        submitted_at=utcnow())
    response.answers = [Answer(question_id=q.id, number=number, choice_id=choice.id if choice else None,
                               text=text) for q, number, choice, text in checked.answers]
    db.session.add(response)
    try:
        db.session.flush()
        db.session.execute(update(Survey).where(Survey.id == survey_id)
                           .values(response_count=Survey.response_count + 1)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        replayed = db.session.scalar(select(Response.id).where(Response.survey_id == survey_id,
                                                               Response.nonce == nonce))
        raise AlreadyRecorded("nonce" if replayed is not None else "device") from error
    return response


def nonce_used(survey: Survey, nonce: str) -> bool:
    return db.session.scalar(select(Response.id).where(Response.survey_id == survey.id,
                                                      Response.nonce == nonce)) is not None
