"""The demo's surveys (csti/demo/surveys.py): six past demo events evaluated, a few hundred
responses counted right, French and English comments, one abusive comment hidden; their results
page and the statistics' evaluation figures show them; seeding twice adds nothing."""
from sqlalchemy import func, select

from csti.demo import PEOPLE, TERRITORIES
from csti.demo import actors as demo_actors
from csti.demo import events as demo_events
from csti.demo import surveys as demo_surveys
from csti.models import Territory
from csti.models.base import utcnow
from csti.models.surveys import Answer, Response, Survey


def _seed(app, db, factory):
    territories = {}
    for data in TERRITORIES:
        territories[data["slug"]] = Territory(**data)
        db.session.add(territories[data["slug"]])
    db.session.commit()
    users = {email: factory.user(email=email, name=name, admin=admin,
                                 roles={territories[slug]: role for slug, role in roles.items()})
             for email, name, admin, roles in PEOPLE}
    lines = []
    with app.test_request_context():
        demo_actors.seed(territories, users, lines)
        demo_events.seed(territories, users, lines)
        demo_surveys.seed(territories, users, lines)
        db.session.commit()
    return territories, users, lines


def test_the_demo_surveys(app, db, factory, testapp_en, log_in):
    territories, users, lines = _seed(app, db, factory)
    surveys = db.session.scalars(select(Survey).order_by(Survey.id)).all()
    assert len(surveys) == 6 and lines[-1].startswith("6 surveys, ")
    assert all(s.published and s.content is not None and s.content.starts_at < utcnow() for s in surveys)
    assert {s.territory_id for s in surveys} == {t.id for t in territories.values()}
    assert sum(s.closes_at is None for s in surveys) == 1 and sum(not s.is_open() for s in surveys) == 5
    counted = dict(db.session.execute(select(Response.survey_id, func.count()).group_by(Response.survey_id)).all())
    assert all(counted[s.id] == s.response_count for s in surveys)
    assert 200 <= sum(counted.values()) <= 500
    assert all(r.submitted_at >= r.survey.opens_at and r.submitted_at < utcnow()
               for r in db.session.scalars(select(Response)))
    hidden = db.session.scalars(select(Answer.text).where(Answer.hidden.is_(True))).all()
    assert hidden == [demo_surveys.ABUSIVE]
    texts = set(db.session.scalars(select(Answer.text).where(Answer.text != "")))
    assert texts & set(demo_surveys.COMMENTS_EN) and len(texts & set(demo_surveys.COMMENTS_FR)) > 5
    # Plausible: the satisfaction average of each survey between 2.5 and 5, all scale points used.
    numbers = db.session.scalars(select(Answer.number).where(Answer.number.is_not(None))).all()
    assert set(range(1, 6)) <= set(numbers)

    # The owner's results page shows them; the admin's statistics count them.
    survey = next(s for s in surveys if s.template == "complete")
    log_in(testapp_en, survey.owner)
    page = testapp_en.get(f"/surveys/{survey.id}/results")
    assert f"{survey.response_count} responses" in page.text
    assert len(testapp_en.get("/surveys/compare").html.select("table tbody tr")) >= 2
    log_in(testapp_en, users["admin@csti.example"])
    start = min(s.opens_at for s in surveys).date()
    stats = testapp_en.get("/admin/stats", params={"from": start.isoformat(), "to": utcnow().date().isoformat()})
    section = stats.html.find(id="stats-evaluation").find_parent("section")
    assert str(sum(counted.values())) in section.get_text().replace(",", "")

    # Deterministic and once only.
    lines = []
    demo_surveys.seed(territories, users, lines)
    assert lines == ["surveys already present: none added"]
