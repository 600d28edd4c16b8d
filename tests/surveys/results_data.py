"""Known responses to a "complete" survey attached to an event (tests/surveys/test_results*.py):
each figure of its results is computed by hand in the tests."""
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from csti.blueprints.events.schedule import schedule
from csti.blueprints.surveys.templates import create_survey
from csti.models import Event
from csti.models.surveys import Answer, Response

_seq = itertools.count(1)
START = datetime(2025, 5, 20, 8, tzinfo=UTC)

# (satisfaction, learnt, heard_of, nps, comment, comment hidden)
ROWS = [
    (5, "a_lot", ["word_of_mouth", "social"], 10, "Super atelier, merci !", False),
    (4, "some", ["social"], 9, '=HYPERLINK("http://evil.example","clic")', False),
    (3, "not_much", [], 7, "Texte injurieux", True),
    (2, "nothing", ["poster"], 3, "", False),
    (5, "a_lot", [], 8, "", False),
]


@dataclass
class Known:
    survey: object
    event: object
    owner: object
    territory: object


def add_responses(db, survey, rows, start=START):
    by_code = {q.code: q for q in survey.questions}
    for n, (satisfaction, learnt, heard, nps, comment, hidden) in enumerate(rows):
        unique = next(_seq)
        response = Response(survey=survey, device_hash=f"device-{unique}", nonce=f"nonce-{unique}",
                            locale="fr" if n % 2 == 0 else "en", submitted_at=start + timedelta(hours=n))
        if satisfaction is not None:
            response.answers.append(Answer(question=by_code["satisfaction"], number=satisfaction))
        if learnt and "learnt" in by_code:
            choice = next(c for c in by_code["learnt"].choices if c.code == learnt)
            response.answers.append(Answer(question=by_code["learnt"], choice=choice))
        for code in heard:
            choice = next(c for c in by_code["heard_of"].choices if c.code == code)
            response.answers.append(Answer(question=by_code["heard_of"], choice=choice))
        if nps is not None and "nps" in by_code:
            response.answers.append(Answer(question=by_code["nps"], number=nps))
        if comment:
            response.answers.append(Answer(question=by_code["comment"], text=comment, hidden=hidden))
        db.session.add(response)
    survey.response_count = (survey.response_count or 0) + len(rows)
    db.session.commit()


def make_event(db, territory, author, title="Atelier robots", kind="workshop", start=datetime(2025, 5, 19, 14)):
    event = Event(title=title, event_kind=kind, territory=territory, author=author)
    schedule(event, start, start + timedelta(hours=2))
    event.publish()
    db.session.add(event)
    db.session.commit()
    return event


def known_survey(db, factory, territory=None, owner=None) -> Known:
    territory = territory or factory.territory(slug="occitanie", name="Occitanie")
    owner = owner or factory.user(email="orga@example.org", name="Orga", roles={territory: "contributor"})
    event = make_event(db, territory, owner)
    survey = create_survey(owner, template="complete", content=event, languages="fr,en")
    survey.published = True
    db.session.commit()
    add_responses(db, survey, ROWS)
    return Known(survey, event, owner, territory)
