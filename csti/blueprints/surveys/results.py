"""A survey's results, the organiser's comparison, the CSV export and the network's indicators
(issue #17).

Every count, sum and average is a SQL aggregate (``COUNT``, ``SUM(CASE …)``, ``AVG``, ``GROUP BY``
question or choice): a results page runs the same handful of statements whatever the number of
responses and questions (tests/test_query_counts.py). Python only divides two aggregates into a
percentage and lays the figures out.

Satisfaction across surveys is on a scale of 5: a rating on 1…max becomes ``1 + 4·(n−1)/(max−1)``,
so 1 stays 1 and the top of any scale is 5 (a 5-point answer is unchanged, and the template's
satisfaction question is on 5 points). Reading "4.2 / 5" is what organisers and funders expect;
``n·5/max`` would make the bottom of a 10-point scale 0.5 and bias small scales upwards."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import format_decimal, format_percent
from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import selectinload

from ...auditlog import neutralise
from ...dates import to_local
from ...extensions import db
from ...models import Content, Event, EventOccurrence, Territory
from ...models.surveys import (
    CHOICE_KINDS,
    MULTIPLE,
    NPS,
    RATING,
    TEXT_KINDS,
    Answer,
    Choice,
    Question,
    Response,
    Survey,
)
from .templates import LEARNT, RECOMMEND, SATISFACTION

TEXTS_PER_PAGE = 20
HIDDEN_SHOWN = 200  # hidden texts listed for the organiser, per survey
LEARNT_YES = ("a_lot", "some")


# --- one survey --------------------------------------------------------------------------------
@dataclass
class Bar:
    label: str
    count: int
    percent: float | None  # 0…100, of the question's respondents


@dataclass
class TextRow:
    id: int
    text: str
    submitted_at: object
    hidden: bool


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0  # responses that answered it
    average: float | None = None
    bars: list[Bar] = field(default_factory=list)
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    texts: list[TextRow] = field(default_factory=list)
    hidden: list[TextRow] = field(default_factory=list)
    visible_count: int = 0
    hidden_count: int = 0
    page: int = 1

    @property
    def kind(self):
        return self.question.kind

    def share(self, count: int) -> float | None:
        return 100 * count / self.respondents if self.respondents else None

    @property
    def nps(self) -> int | None:
        """% promoters − % detractors, rounded to an integer (−100…100)."""
        if not self.respondents:
            return None
        return round(100 * (self.promoters - self.detractors) / self.respondents)

    @property
    def chart_items(self) -> list[tuple[str, int]]:
        return [(bar.label, bar.count) for bar in self.bars]

    @property
    def pages(self) -> int:
        return max(1, -(-self.visible_count // TEXTS_PER_PAGE))


def one_decimal(value) -> str:
    """4.25 → "4,3" in French, "4.3" in English; "—" for nothing."""
    return "—" if value is None else format_decimal(round(value, 1), format="#,##0.0")


def percent(value) -> str:
    """A percentage (0…100) without decimals, the reader's way; "—" for nothing."""
    return "—" if value is None else format_percent(value / 100, "#,##0%")


def signed(value) -> str:
    """An NPS score with its sign: "+35", "−12", "0"."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else (f"−{-value}" if value < 0 else "0")


FORMATS = dict(one_decimal=one_decimal, percent=percent, signed=signed)


def _percent(part, whole):
    return 100 * part / whole if whole else None


def survey_results(survey: Survey, text_question: int | None = None, text_page: int = 1,
                   locale: str = "fr") -> tuple[int, list]:
    """(responses, [QuestionResult…]) — the texts of ``text_question`` at page ``text_page``, the
    others' first page. Six statements whatever the survey's size."""
    questions = db.session.scalars(select(Question).where(Question.survey_id == survey.id)
                                   .order_by(Question.position, Question.id)
                                   .options(selectinload(Question.choices))).all()  # 2 statements
    responses = db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id))
    results = {q.id: QuestionResult(q) for q in questions}
    in_survey = Question.survey_id == survey.id

    # Per question: respondents, average, NPS groups, texts visible and hidden.
    per_question = (select(Answer.question_id, func.count(distinct(Answer.response_id)), func.avg(Answer.number),
                           func.sum(case((Answer.number >= 9, 1), else_=0)),
                           func.sum(case((and_(Answer.number >= 7, Answer.number <= 8), 1), else_=0)),
                           func.sum(case((Answer.number <= 6, 1), else_=0)),
                           func.sum(case((and_(Answer.hidden.is_(False), Answer.choice_id.is_(None),
                                               Answer.number.is_(None)), 1), else_=0)),
                           func.sum(case((Answer.hidden.is_(True), 1), else_=0)))
                    .join(Question, Question.id == Answer.question_id).where(in_survey)
                    .group_by(Answer.question_id))
    for qid, respondents, average, promoters, passives, detractors, visible, hidden in db.session.execute(per_question):
        r = results[qid]
        r.respondents = respondents
        r.visible_count, r.hidden_count = int(visible or 0), int(hidden or 0)
        if r.kind in TEXT_KINDS:  # a hidden text does not count as an answer given
            r.respondents = r.visible_count
        if average is not None:
            r.average = float(average)
        if r.kind == NPS:
            r.promoters, r.passives, r.detractors = int(promoters or 0), int(passives or 0), int(detractors or 0)

    # Distributions: numbers and choices, one GROUP BY each.
    numbers = {}
    for qid, number, count in db.session.execute(
            select(Answer.question_id, Answer.number, func.count()).join(Question, Question.id == Answer.question_id)
            .where(in_survey, Answer.number.is_not(None)).group_by(Answer.question_id, Answer.number)):
        numbers[(qid, number)] = count
    chosen = dict(((qid, cid), n) for qid, cid, n in db.session.execute(
        select(Answer.question_id, Answer.choice_id, func.count()).join(Question, Question.id == Answer.question_id)
        .where(in_survey, Answer.choice_id.is_not(None)).group_by(Answer.question_id, Answer.choice_id)))
    for r in results.values():
        q = r.question
        if r.kind in (RATING, NPS):
            r.bars = [Bar(str(n), numbers.get((q.id, n), 0), r.share(numbers.get((q.id, n), 0))) for n in q.scale]
        elif r.kind in CHOICE_KINDS:
            r.bars = [Bar(c.label(locale), chosen.get((q.id, c.id), 0), r.share(chosen.get((q.id, c.id), 0)))
                      for c in q.choices]

    # The texts: a page of each question's visible ones (newest first), and the hidden ones.
    pages = {q.id: 1 for q in questions if q.kind in TEXT_KINDS}
    if text_question in pages:
        pages[text_question] = max(1, text_page)
        results[text_question].page = pages[text_question]
    if pages:
        rank = func.row_number().over(partition_by=Answer.question_id,
                                      order_by=(Response.submitted_at.desc(), Answer.id.desc())).label("rank")
        ranked = (select(Answer.id, Answer.question_id, Answer.text, Response.submitted_at, Answer.hidden, rank)
                  .join(Response, Response.id == Answer.response_id).join(Question, Question.id == Answer.question_id)
                  .where(in_survey, Question.kind.in_(TEXT_KINDS), Answer.hidden.is_(False)).subquery())
        offset = case(*[(ranked.c.question_id == qid, literal((page - 1) * TEXTS_PER_PAGE))
                        for qid, page in pages.items() if page > 1], else_=literal(0)) \
            if any(page > 1 for page in pages.values()) else literal(0)
        shown = (select(ranked.c.id, ranked.c.question_id, ranked.c.text, ranked.c.submitted_at, ranked.c.hidden)
                 .where(ranked.c.rank > offset, ranked.c.rank <= offset + TEXTS_PER_PAGE)
                 .order_by(ranked.c.question_id, ranked.c.rank))
        for aid, qid, text, submitted_at, hidden in db.session.execute(shown):
            results[qid].texts.append(TextRow(aid, text, submitted_at, hidden))
        hidden_rows = (select(Answer.id, Answer.question_id, Answer.text, Response.submitted_at)
                       .join(Response, Response.id == Answer.response_id)
                       .join(Question, Question.id == Answer.question_id)
                       .where(in_survey, Answer.hidden.is_(True))
                       .order_by(Response.submitted_at.desc(), Answer.id.desc()).limit(HIDDEN_SHOWN))
        for aid, qid, text, submitted_at in db.session.execute(hidden_rows):
            results[qid].hidden.append(TextRow(aid, text, submitted_at, True))
    return responses, [results[q.id] for q in questions]


def text_answer(survey: Survey, answer_id: int) -> tuple[Answer, Response] | None:
    """The text answer ``answer_id`` of ``survey`` (with its response), or None."""
    row = db.session.execute(
        select(Answer, Response).join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.id == answer_id, Response.survey_id == survey.id, Question.kind.in_(TEXT_KINDS))).first()
    return (row[0], row[1]) if row else None


# --- CSV ---------------------------------------------------------------------------------------
def export_csv(survey: Survey, locale: str = "fr") -> str:
    """One row per response: its local time (ISO 8601), its language, then one column per question
    (choices of a multiple choice joined with " | ", a hidden text left empty). UTF-8 with a BOM
    and ";" between cells: French Excel splits a ";" file into columns when opened by a
    double-click (its list separator, since the decimal one is the comma), and reads accents right
    with the BOM; LibreOffice and pandas read it too. Every cell is neutralised (a text starting
    with = + - @ is written with a leading apostrophe: never run as a formula)."""
    questions = db.session.scalars(select(Question).where(Question.survey_id == survey.id)
                                   .order_by(Question.position, Question.id)).all()
    values: dict[tuple[int, int], list[str]] = {}
    rows = db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.number, Choice.label_fr, Choice.label_en, Answer.text,
               Answer.hidden)
        .join(Response, Response.id == Answer.response_id).outerjoin(Choice, Choice.id == Answer.choice_id)
        .where(Response.survey_id == survey.id).order_by(Answer.response_id, Choice.position, Answer.id))
    english = locale.startswith("en")
    for response_id, qid, number, label_fr, label_en, text, hidden in rows:
        if number is not None:
            value = str(number)
        elif label_fr is not None or label_en is not None:
            value = ((label_en or label_fr) if english else (label_fr or label_en)) or ""
        else:
            value = "" if hidden else text
        values.setdefault((response_id, qid), []).append(value)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in
                     ["submitted_at", "locale", *[q.text(locale) or f"Q{n}" for n, q in enumerate(questions, 1)]]])
    for response_id, submitted_at, response_locale in db.session.execute(
            select(Response.id, Response.submitted_at, Response.locale).where(Response.survey_id == survey.id)
            .order_by(Response.submitted_at, Response.id)):
        local = to_local(submitted_at).replace(microsecond=0).isoformat() if submitted_at else ""
        cells = [local, response_locale]
        for q in questions:
            found = values.get((response_id, q.id), [])
            cells.append(" | ".join(found) if q.kind == MULTIPLE else (found[0] if found else ""))
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


# --- the organiser's comparison ----------------------------------------------------------------
def normalised_rating():
    """A rating answer on a scale of 5 (see the module's docstring)."""
    return 1.0 + 4.0 * (Answer.number - 1) / func.nullif(Question.scale_max - 1, 0)


def _template_figures():
    """The aggregate columns of the template codes (satisfaction /5, NPS parts, learnt)."""
    satisfaction = case((and_(Question.code == SATISFACTION, Question.kind == RATING), normalised_rating()))
    nps = and_(Question.code == RECOMMEND, Question.kind == NPS, Answer.number.is_not(None))
    learnt = and_(Question.code == LEARNT, Answer.choice_id.is_not(None))
    return (func.avg(satisfaction),
            func.sum(case((and_(nps, Answer.number >= 9), 1), else_=0)),
            func.sum(case((and_(nps, Answer.number <= 6), 1), else_=0)),
            func.sum(case((nps, 1), else_=0)),
            func.sum(case((and_(learnt, Choice.code.in_(LEARNT_YES)), 1), else_=0)),
            func.count(distinct(case((learnt, Answer.response_id)))))


@dataclass
class Compared:
    survey: Survey
    title: str
    date: object
    responses: int
    satisfaction: float | None
    nps: int | None
    learnt: float | None


def managed_surveys(user) -> list[Survey]:
    """The surveys ``user`` may manage: the candidates in SQL (``builder.editable_content_ids``,
    what ``policy._edit_content`` allows), then the policy's word on each."""
    from ...policy import can
    from .builder import editable_content_ids

    query = select(Survey).options(selectinload(Survey.content))
    if not user.is_admin:
        query = query.where(or_(Survey.owner_id == user.id, Survey.content_id.in_(editable_content_ids(user))))
    return [s for s in db.session.scalars(query) if can(user, "manage", s)]


def compare(user) -> list[Compared]:
    """The user's managed surveys side by side on the template codes, by date (the event's
    first date, else the survey's opening or creation)."""
    from ...policy import can

    surveys = managed_surveys(user)
    if not surveys:
        return []
    ids = [s.id for s in surveys]
    figures = {row[0]: row[1:] for row in db.session.execute(
        select(Question.survey_id, *_template_figures()).select_from(Answer)
        .join(Question, Question.id == Answer.question_id).outerjoin(Choice, Choice.id == Answer.choice_id)
        .where(Question.survey_id.in_(ids)).group_by(Question.survey_id))}
    responses = dict(db.session.execute(select(Response.survey_id, func.count()).where(Response.survey_id.in_(ids))
                                        .group_by(Response.survey_id)).all())
    first_dates = dict(db.session.execute(
        select(EventOccurrence.event_id, func.min(EventOccurrence.starts_at))
        .where(EventOccurrence.event_id.in_([s.content_id for s in surveys if s.content_id]))
        .group_by(EventOccurrence.event_id)).all())
    result = []
    for s in surveys:
        satisfaction, promoters, detractors, nps_total, learnt_yes, learnt_total = figures.get(s.id, (None,) + (0,) * 5)
        when = first_dates.get(s.content_id) or s.opens_at or s.created_at
        result.append(Compared(
            s, s.content.title if s.content is not None and can(user, "view", s.content) else s.title(), when,
            responses.get(s.id, 0),
            float(satisfaction) if satisfaction is not None else None,
            round(100 * (promoters - detractors) / nps_total) if nps_total else None,
            _percent(learnt_yes, learnt_total)))
    result.sort(key=lambda c: (c.date is None, c.date.replace(tzinfo=None) if c.date else None, c.survey.id))
    return result


# --- the network's indicators (statistics page) ------------------------------------------------
@dataclass
class Indicators:
    actions: int
    responses: int
    satisfaction: float | None
    nps: int | None
    by_kind: list[tuple[str | None, str | None, int, float | None]]  # content kind, event kind, responses, average
    by_territory: list[tuple[str, int, float | None]]


def network_indicators(territory, start, end) -> Indicators:
    """Responses submitted in [start, end) (UTC) to surveys attached to an item (of ``territory``;
    None: everywhere). Four GROUP BY statements."""
    conditions = [Survey.content_id.is_not(None), Response.submitted_at >= start, Response.submitted_at < end]
    if territory is not None:
        conditions.append(Survey.territory_id == territory.id)

    def answers(*columns):
        return (select(*columns).select_from(Answer).join(Response, Response.id == Answer.response_id)
                .join(Survey, Survey.id == Response.survey_id).join(Question, Question.id == Answer.question_id)
                .where(*conditions))

    actions, responses = db.session.execute(
        select(func.count(distinct(Survey.content_id)), func.count()).select_from(Response)
        .join(Survey, Survey.id == Response.survey_id).where(*conditions)).one()
    satisfied = and_(Question.code == SATISFACTION, Question.kind == RATING, Answer.number.is_not(None))
    nps = and_(Question.code == RECOMMEND, Question.kind == NPS, Answer.number.is_not(None))
    average, promoters, detractors, nps_total = db.session.execute(answers(
        func.avg(case((satisfied, normalised_rating()))),
        func.sum(case((and_(nps, Answer.number >= 9), 1), else_=0)),
        func.sum(case((and_(nps, Answer.number <= 6), 1), else_=0)),
        func.sum(case((nps, 1), else_=0)))).one()
    events = Event.__table__  # the table alone: the Event entity would join its content row again
    by_kind = db.session.execute(
        answers(Content.kind, events.c.event_kind, func.count(), func.avg(normalised_rating()))
        .join(Content, Content.id == Survey.content_id).outerjoin(events, events.c.id == Content.id)
        .where(satisfied).group_by(Content.kind, events.c.event_kind)).all()
    by_territory = db.session.execute(
        answers(Territory.name, func.count(), func.avg(normalised_rating()))
        .join(Territory, Territory.id == Survey.territory_id).where(satisfied)
        .group_by(Territory.id, Territory.name).order_by(Territory.name)).all()
    return Indicators(
        actions, responses, float(average) if average is not None else None,
        round(100 * ((promoters or 0) - (detractors or 0)) / nps_total) if nps_total else None,
        [(k, e, n, float(a) if a is not None else None) for k, e, n, a in by_kind],
        [(name, n, float(a) if a is not None else None) for name, n, a in by_territory])
