"""The organiser's builder (issue #17): "My surveys", a new survey from a template, its settings
and its questions and choices (add, edit in place, reorder, delete), its QR code.

Routes stay thin: the forms and the rules live here. Every change is refused with a
``BuilderError`` (a message for people, the field it is about, an HTTP status) before anything
is written, so a refused request saves nothing."""
from __future__ import annotations

import io

import segno
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ...bounds import InYears
from ...dates import to_local, to_utc
from ...extensions import db
from ...forms import Form
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models.actors import MANAGER, ActorMember
from ...models.base import utcnow
from ...models.content import Content, content_owner
from ...models.surveys import (
    CHOICE_KINDS,
    CHOICE_MAX,
    CHOICES_MAX,
    INTRO_MAX,
    NUMBER_KINDS,
    QUESTION_KINDS,
    QUESTION_MAX,
    QUESTIONS_MAX,
    RATING,
    RATING_MAX,
    RATING_MIN,
    SURVEY_LANGUAGES,
    TITLE_MAX,
    Answer,
    Choice,
    Question,
    Response,
    Survey,
)
from ...models.territories import ROLE_ANIMATOR, Membership
from ...sanctions import survey_withheld
from .templates import TEMPLATES

EVALUATED_KINDS = ("event", "project", "resource")  # what a survey may be attached to
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
MINE_MAX = 500  # surveys listed on "My surveys"

DRAFT, SCHEDULED, OPEN, CLOSED = "draft", "scheduled", "open", "closed"
STATES = {DRAFT: _l("Draft"), SCHEDULED: _l("Scheduled"), OPEN: _l("Open"), CLOSED: _l("Closed")}


class BuilderError(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field, self.status = field, status


def languages_of(survey) -> list[str]:
    return survey.languages.split(",")


def state(survey, now=None) -> str:
    now = now or utcnow()
    if not survey.published:
        return DRAFT
    if survey.closes_at is not None and survey.closes_at <= now:
        return CLOSED
    if survey.opens_at is not None and now < survey.opens_at:
        return SCHEDULED
    return OPEN


# --- which surveys a member manages ---------------------------------------------------------
def editable_content_ids(user):
    """The ids of the items ``user`` may edit, as a subquery: theirs, their structures', those of
    the territories they animate (``policy._edit_content`` in SQL)."""
    animated = select(Membership.territory_id).where(Membership.user_id == user.id,
                                                     Membership.role == ROLE_ANIMATOR)
    managed = (select(content_owner.c.content_id)
               .join(ActorMember, ActorMember.actor_id == content_owner.c.actor_id)
               .where(ActorMember.user_id == user.id, ActorMember.role == MANAGER))
    return select(Content.id).where(or_(Content.author_id == user.id, Content.territory_id.in_(animated),
                                        Content.id.in_(managed)))


def managed_surveys(user):
    """The surveys ``user`` manages: made by them, or attached to an item they may edit — one
    query, with their items, newest first."""
    return (select(Survey).options(joinedload(Survey.content).lazyload("*"))
            .where(or_(Survey.owner_id == user.id, Survey.content_id.in_(editable_content_ids(user))))
            .order_by(Survey.created_at.desc(), Survey.id.desc()).limit(MINE_MAX))


def item_surveys(content) -> list:
    """The surveys of an item (whoever may evaluate it may edit it, and so manages them all)."""
    return db.session.scalars(select(Survey).where(Survey.content_id == content.id)
                              .order_by(Survey.created_at.desc(), Survey.id.desc()).limit(50)).all()


# --- forms ----------------------------------------------------------------------------------
class _Form(Form):
    class Meta:
        csrf = False  # CSRFProtect checks every POST (the token in the form or the htmx header)


TEMPLATE_DESCRIPTIONS = {
    "": _l("From scratch: no question yet, you add yours."),
    "complete": _l("Overall satisfaction, what was learnt, how they heard of it, would they recommend it, a comment."),
    "satisfaction": _l("Overall satisfaction, suitability of the content, a comment."),
    "learning": _l("Did they learn something, and what will they remember."),
    "heard_of": _l("How participants heard of the action (word of mouth, social networks, posters…)."),
    "nps": _l("Would they recommend it (0 to 10, the Net Promoter Score), and a comment."),
}


class NewSurveyForm(_Form):
    template = RadioField(_l("Start from"), default="",
                          choices=[("", _l("From scratch"))] + [(k, v["label"]) for k, v in TEMPLATES.items()],
                          validators=[Optional()])
    languages = RadioField(_l("Languages of the questions"), default="fr", choices=list(SURVEY_LANGUAGES.items()),
                           validators=[DataRequired(message=_l("Choose the languages of the survey."))])
    title = StringField(_l("Title"), validators=[Length(max=TITLE_MAX)])

    def validate_template(self, field):
        if field.data not in ("", None) and field.data not in TEMPLATES:
            raise ValidationError(_l("Choose one of the templates."))

    def validate_title(self, field):
        if not (field.data or "").strip() and not self.template.data:
            raise ValidationError(_l("Give a title, or start from a template."))


class SettingsForm(_Form):
    languages = RadioField(_l("Languages of the questions"), choices=list(SURVEY_LANGUAGES.items()),
                           validators=[DataRequired(message=_l("Choose the languages of the survey."))])
    title_fr = StringField(_l("Title in French"), validators=[Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=TITLE_MAX)])
    intro_fr = TextAreaField(_l("Introduction in French"), validators=[Length(max=INTRO_MAX)])
    intro_en = TextAreaField(_l("Introduction in English"), validators=[Length(max=INTRO_MAX)])
    opens_at = DateTimeLocalField(_l("Opens on"), format=DT_FORMATS, validators=[Optional(), InYears()])
    closes_at = DateTimeLocalField(_l("Closes on"), format=DT_FORMATS, validators=[Optional(), InYears()])
    published = BooleanField(_l("Published: participants may answer (between these dates)"))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The survey must close after it opens."))


class QuestionForm(_Form):
    kind = SelectField(_l("Kind of question"), choices=list(QUESTION_KINDS.items()), default=RATING,
                       validators=[DataRequired()])
    text_fr = StringField(_l("Question in French"), validators=[Length(max=QUESTION_MAX)])
    text_en = StringField(_l("Question in English"), validators=[Length(max=QUESTION_MAX)])
    required = BooleanField(_l("An answer is required"))
    scale_max = IntegerField(_l("Rating from 1 to"), default=5, validators=[
        Optional(), NumberRange(RATING_MIN, RATING_MAX,
                                message=_l("A scale goes from 1 to %(min)d…%(max)d.", min=RATING_MIN, max=RATING_MAX))])


class ChoiceForm(_Form):
    label_fr = StringField(_l("Choice in French"), validators=[Length(max=CHOICE_MAX)])
    label_en = StringField(_l("Choice in English"), validators=[Length(max=CHOICE_MAX)])


def settings_form(survey, formdata=None) -> SettingsForm:
    form = SettingsForm(formdata=formdata, obj=survey, prefix="s")
    if formdata is None:
        form.opens_at.data = to_local(survey.opens_at).replace(tzinfo=None) if survey.opens_at else None
        form.closes_at.data = to_local(survey.closes_at).replace(tzinfo=None) if survey.closes_at else None
    return form


def question_form(question=None, formdata=None) -> QuestionForm:
    return QuestionForm(formdata=formdata, obj=question, prefix=f"q{question.id}" if question else "new")


def choice_form(choice=None, question=None, formdata=None) -> ChoiceForm:
    return ChoiceForm(formdata=formdata, obj=choice, prefix=f"c{choice.id}" if choice else f"nc{question.id}")


# --- making and editing ---------------------------------------------------------------------
def publish_problems(survey) -> list[str]:
    """Why ``survey`` may not be published yet ([] when it may)."""
    langs = languages_of(survey)
    problems = []
    if not survey.questions:
        problems.append(_("Add at least one question before publishing."))
    for n, q in enumerate(survey.questions, 1):
        if any(not (getattr(q, f"text_{lang}") or "").strip() for lang in langs):
            problems.append(_("Question %(n)d needs its text in every language of the survey.", n=n))
        if q.kind in CHOICE_KINDS:
            if len(q.choices) < 2:
                problems.append(_("Question %(n)d needs at least two choices.", n=n))
            elif any(not (getattr(c, f"label_{lang}") or "").strip() for c in q.choices for lang in langs):
                problems.append(_("The choices of question %(n)d need their text in every language of the survey.", n=n))
    if not survey.published and survey_withheld(survey) is not None:
        problems.append(_("A sanction on the account of its organiser took this survey offline: it can be "
                          "published again once the sanction is lifted."))
    return problems


def check_still_answerable(survey) -> None:
    """A published survey stays answerable: a change that would leave it without a question, a
    question without its words in one of its languages, or a choice question with fewer than two
    choices is refused (``BuilderError``, 422: the caller rolls back). Reads the flushed state."""
    if not survey.published:
        return
    db.session.flush()
    db.session.expire_all()
    problems = publish_problems(survey)
    if problems:
        raise BuilderError(_("The survey is published and participants answer it: this change would leave it "
                             "unanswerable (%(problem)s) Unpublish it first, or change it otherwise.",
                             problem=problems[0]))


def apply_settings(survey, form: SettingsForm) -> None:
    """Save the settings; refused (``BuilderError`` on ``published``) when it may not be published."""
    survey.languages = form.languages.data
    for name in ("title_fr", "title_en", "intro_fr", "intro_en"):
        setattr(survey, name, (getattr(form, name).data or "").strip())
    survey.opens_at = to_utc(form.opens_at.data) if form.opens_at.data else None
    survey.closes_at = to_utc(form.closes_at.data) if form.closes_at.data else None
    if form.published.data:
        problems = publish_problems(survey)
        if problems:
            raise BuilderError(" ".join(problems), "published")
    survey.published = bool(form.published.data)


def response_total(survey) -> int:
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id)) or 0


def has_responses(survey) -> bool:
    return survey.response_count > 0 or db.session.scalar(
        select(Response.id).where(Response.survey_id == survey.id).limit(1)) is not None


def answer_counts(survey) -> dict[int, int]:
    """{question id: its answers} for the survey's answered questions (one query)."""
    return dict(db.session.execute(
        select(Answer.question_id, func.count()).join(Question, Question.id == Answer.question_id)
        .where(Question.survey_id == survey.id).group_by(Answer.question_id)).all())


def _texts(form, prefix: str, langs) -> dict:
    values = {lang: (getattr(form, f"{prefix}_{lang}").data or "").strip() for lang in ("fr", "en")}
    if not any(values[lang] for lang in langs):
        raise BuilderError(_("Write the text."), f"{prefix}_{langs[0]}")
    return values


def add_question(survey, form: QuestionForm) -> Question:
    if len(survey.questions) >= QUESTIONS_MAX:
        raise BuilderError(_("A survey has %(max)d questions at most.", max=QUESTIONS_MAX), "text_fr")
    texts = _texts(form, "text", languages_of(survey))
    question = Question(position=(max((q.position for q in survey.questions), default=-1) + 1), kind=form.kind.data,
                        text_fr=texts["fr"], text_en=texts["en"], required=bool(form.required.data),
                        scale_max=form.scale_max.data or 5)
    survey.questions.append(question)
    return question


def update_question(question, form: QuestionForm) -> None:
    """Texts may always be corrected; once the survey has responses, its kind and scale stay."""
    texts = _texts(form, "text", languages_of(question.survey))
    kind, scale_max = form.kind.data, form.scale_max.data or question.scale_max
    if (kind != question.kind or (kind == RATING and scale_max != question.scale_max)) and has_responses(question.survey):
        raise BuilderError(_("The survey has responses: the kind of a question and its scale can no longer "
                             "change (its text can). Add a new question instead."), "kind")
    question.kind, question.scale_max = kind, scale_max
    question.text_fr, question.text_en, question.required = texts["fr"], texts["en"], bool(form.required.data)


def delete_question(question) -> None:
    survey = question.survey
    survey.questions.remove(question)
    db.session.delete(question)
    _renumber(survey.questions)


def _renumber(items) -> None:
    for position, item in enumerate(items):
        item.position = position


def move(items: list, item, step: int) -> bool:
    """Move ``item`` one place up (-1) or down (+1) among ``items`` (ordered); False at an end."""
    items = list(items)
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return True


def add_choice(question, form: ChoiceForm) -> Choice:
    if question.kind not in CHOICE_KINDS:
        raise BuilderError(_("Only a choice question has choices."), status=400)
    if len(question.choices) >= CHOICES_MAX:
        raise BuilderError(_("A question has %(max)d choices at most.", max=CHOICES_MAX), "label_fr")
    texts = _texts(form, "label", languages_of(question.survey))
    choice = Choice(position=max((c.position for c in question.choices), default=-1) + 1,
                    label_fr=texts["fr"], label_en=texts["en"])
    question.choices.append(choice)
    return choice


def update_choice(choice, form: ChoiceForm) -> None:
    texts = _texts(form, "label", languages_of(choice.question.survey))
    choice.label_fr, choice.label_en = texts["fr"], texts["en"]


def delete_choice(choice) -> None:
    if db.session.scalar(select(Answer.id).where(Answer.choice_id == choice.id).limit(1)) is not None:
        raise BuilderError(_("Participants chose this answer: it can no longer be removed (its text may be corrected)."),
                           status=409)
    question = choice.question
    question.choices.remove(choice)
    db.session.delete(choice)
    _renumber(question.choices)


def number_kind(question) -> bool:
    return question.kind in NUMBER_KINDS


# --- the QR code ----------------------------------------------------------------------------
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG document (segno), dark modules on white, with a margin —
    with its namespace: served alone (image/svg+xml, an <img>'s source), an <svg> without it is
    not an image at all (``svg_inline`` leaves it out, for SVG inside HTML)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=4, dark="#000", light="#fff",
                                   xmldecl=False, svgns=True)
    return buffer.getvalue().decode("utf-8")
