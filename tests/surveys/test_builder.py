"""The organiser's builder (csti/blueprints/surveys/builder.py): making a survey from a template
or attached to an item, its settings and publishing rules, the questions and choices with and
without htmx, limits and bad input, permissions, "My surveys", the link and its QR code."""
from datetime import timedelta

import pytest
import segno
from sqlalchemy import select

from csti.blueprints.surveys.templates import TEMPLATES, create_survey
from csti.models import Event
from csti.models.surveys import QUESTIONS_MAX, Answer, Choice, Question, Response, Survey
from tests.conftest import csrf_headers

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


@pytest.fixture
def t(factory):
    return factory.territory(slug="t", name="Territoire T")


@pytest.fixture
def owner(factory, t):
    return factory.user(email="owner@example.org", locale="en", roles={t: "member"})


@pytest.fixture
def client(testapp_en, log_in, owner):
    return log_in(testapp_en, owner)


def make_event(db, t, author, title="Atelier"):
    from datetime import datetime

    from csti.blueprints.events.schedule import schedule

    event = Event(title=title, event_kind="talk", territory=t, author=author)
    start = datetime.now().replace(microsecond=0) + timedelta(days=3)
    schedule(event, start, start + timedelta(hours=2), False, "none", None, [], [])
    event.publish()
    db.session.add(event)
    db.session.commit()
    return event


def survey_of(db, survey_id) -> Survey:
    db.session.rollback()
    return db.session.get(Survey, survey_id)


def new_survey(db, owner, template="", languages="en", **kw):
    survey = create_survey(owner, template=template, languages=languages, title_en=kw.pop("title_en", "Mine"), **kw)
    db.session.commit()
    return survey


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_new_survey_from_each_template(db, client, template):
    page = client.get("/surveys/new")
    form = page.forms["new-survey"]
    form["template"] = template
    form["languages"] = "fr,en"
    response = form.submit(status=303)
    db.session.rollback()
    survey = db.session.scalar(select(Survey))
    assert response.location.endswith(f"/surveys/{survey.id}")
    assert survey.template == template and survey.content is None and survey.languages == "fr,en"
    assert survey.title_fr == TEMPLATES[template]["title_fr"]
    assert [q.code for q in survey.questions] == [q["code"] for q in TEMPLATES[template]["questions"]]
    client.get(response.location, status=200)


def test_from_scratch_needs_a_title(db, client):
    form = client.get("/surveys/new").forms["new-survey"]
    form["template"] = ""
    page = form.submit(status=422)
    assert "Give a title, or start from a template." in page.text
    assert db.session.scalar(select(Survey)) is None
    form = page.forms["new-survey"]
    form["title"] = "x" * 201
    form.submit(status=422)
    form["title"] = "Bilan"
    form.submit(status=303)
    db.session.rollback()
    assert db.session.scalar(select(Survey)).title_fr == "Bilan"


def test_attach_to_an_event_only_if_one_may_edit_it(db, client, factory, t, owner):
    mine = make_event(db, t, owner)
    theirs = make_event(db, t, factory.user(email="other@example.org"), "Autre")
    page = client.get(f"/event/{mine.id}").maybe_follow()
    assert "Evaluate this action" in page.text
    form = client.get(f"/surveys/new?content={mine.id}").forms["new-survey"]
    form["template"] = "nps"
    form.submit(status=303)
    db.session.rollback()
    survey = db.session.scalar(select(Survey))
    assert survey.content_id == mine.id and survey.territory_id == t.id
    assert "Evaluate this action" not in client.get(f"/event/{theirs.id}").maybe_follow().text
    client.get(f"/surveys/new?content={theirs.id}", status=403)
    token = csrf_headers(page)["X-CSRFToken"]
    client.post(f"/surveys/new?content={theirs.id}", {"csrf_token": token, "template": "nps", "languages": "fr"},
                status=403)
    client.get("/surveys/new?content=999999", status=404)
    client.get("/surveys/new?content=abc", status=404)
    assert db.session.scalar(select(Survey).where(Survey.content_id == theirs.id)) is None
    # the item page lists its surveys for those who manage them
    assert f'href="/surveys/{survey.id}"' in client.get(f"/event/{mine.id}").maybe_follow().text


def test_visitor_sees_no_evaluation_block(db, testapp, factory, t, owner):
    event = make_event(db, t, owner)
    assert "surveys/new" not in testapp.get(f"/event/{event.id}").maybe_follow().text


def test_permissions(db, testapp_en, log_in, factory, owner, t):
    survey = new_survey(db, owner, "nps")
    testapp_en.get(f"/surveys/{survey.id}", status=302)
    testapp_en.get("/surveys/", status=302)
    other = factory.user(email="x@example.org", roles={t: "member"})
    log_in(testapp_en, other)
    for url in (f"/surveys/{survey.id}", f"/surveys/{survey.id}/share", f"/surveys/{survey.id}/qr.svg"):
        testapp_en.get(url, status=403)
    page = testapp_en.get("/surveys/")
    testapp_en.post(f"/surveys/{survey.id}/questions",
                    {"csrf_token": csrf_headers(page)["X-CSRFToken"], "new-kind": "short", "new-text_en": "Hi"}, status=403)
    assert len(survey_of(db, survey.id).questions) == 2
    log_in(testapp_en, factory.user(email="admin@example.org", admin=True))
    testapp_en.get(f"/surveys/{survey.id}", status=200)
    unconfirmed = factory.user(email="u@example.org", confirmed=False)
    log_in(testapp_en, unconfirmed)
    testapp_en.get("/surveys/new", status=403)


def test_add_edit_move_delete_questions_without_js(db, client, owner):
    survey = new_survey(db, owner)
    page = client.get(f"/surveys/{survey.id}")
    form = page.forms["add-question"]
    form["new-kind"] = "single"
    form["new-text_en"] = "Which workshop?"
    form["new-required"] = True
    response = form.submit(status=303)
    q1 = survey_of(db, survey.id).questions[0]
    assert response.location.endswith(f"#question-{q1.id}")
    assert (q1.kind, q1.text_en, q1.required) == ("single", "Which workshop?", True)
    page = response.follow()
    form = page.forms["add-question"]
    form["new-kind"] = "rating"
    form["new-text_en"] = "Rate it"
    form["new-scale_max"] = "7"
    page = form.submit(status=303).follow()
    q2 = survey_of(db, survey.id).questions[1]
    assert q2.scale_max == 7
    # edit in place
    token = csrf_headers(page)["X-CSRFToken"]
    client.post(f"/surveys/{survey.id}/questions/{q2.id}",
                {"csrf_token": token, f"q{q2.id}-kind": "rating", f"q{q2.id}-text_en": "Rate the day",
                 f"q{q2.id}-scale_max": "10"}, status=303)
    assert survey_of(db, survey.id).questions[1].text_en == "Rate the day"
    # reorder
    client.post(f"/surveys/{survey.id}/questions/{q2.id}/up", {"csrf_token": token}, status=303)
    assert [q.id for q in survey_of(db, survey.id).questions] == [q2.id, q1.id]
    # choices
    for label in ("Robots", "Stars"):
        client.post(f"/surveys/{survey.id}/questions/{q1.id}/choices", {"csrf_token": token, f"nc{q1.id}-label_en": label},
                    status=303)
    choices = survey_of(db, survey.id).questions[1].choices
    assert [c.label_en for c in choices] == ["Robots", "Stars"]
    client.post(f"/surveys/{survey.id}/choices/{choices[0].id}", {"csrf_token": token, f"c{choices[0].id}-label_en": "Robotics"},
                status=303)
    client.post(f"/surveys/{survey.id}/choices/{choices[1].id}/up", {"csrf_token": token}, status=303)
    assert [c.label_en for c in survey_of(db, survey.id).questions[1].choices] == ["Stars", "Robotics"]
    client.post(f"/surveys/{survey.id}/choices/{choices[0].id}/delete", {"csrf_token": token}, status=303)
    assert [c.label_en for c in survey_of(db, survey.id).questions[1].choices] == ["Stars"]
    # delete: confirmation first
    page = client.post(f"/surveys/{survey.id}/questions/{q2.id}/delete", {"csrf_token": token}, status=200)
    assert "Yes, delete this question" in page.text
    assert len(survey_of(db, survey.id).questions) == 2
    page.forms["delete-question"].submit(status=303)
    assert [q.id for q in survey_of(db, survey.id).questions] == [q1.id]


def test_htmx_returns_the_questions_fragment(db, client, owner):
    survey = new_survey(db, owner, "learning")
    page = client.get(f"/surveys/{survey.id}")
    headers = csrf_headers(page)
    q = survey_of(db, survey.id).questions[0]
    response = client.post(f"/surveys/{survey.id}/questions/{q.id}/down", headers=headers, status=200)
    assert response.text.lstrip().startswith("<div id=\"questions\">") and "<html" not in response.text
    assert "The question moved down." in response.text
    assert survey_of(db, survey.id).questions[1].id == q.id
    response = client.post(f"/surveys/{survey.id}/questions", {"new-kind": "short", "new-text_en": "Why?"},
                           headers=headers, status=200)
    assert "Why?" in response.text and "<html" not in response.text
    response = client.post(f"/surveys/{survey.id}/questions", {"new-kind": "short", "new-text_en": ""},
                           headers=headers, status=422)
    assert "Write the text." in response.text and "<html" not in response.text
    assert len(survey_of(db, survey.id).questions) == 3


def test_limits_and_bad_input(db, client, owner):
    survey = new_survey(db, owner)
    page = client.get(f"/surveys/{survey.id}")
    token = csrf_headers(page)["X-CSRFToken"]
    url = f"/surveys/{survey.id}/questions"
    bad = [{"new-kind": "short", "new-text_en": "x" * 501}, {"new-kind": "nope", "new-text_en": "Hi"},
           {"new-kind": "rating", "new-text_en": "Hi", "new-scale_max": "11"},
           {"new-kind": "rating", "new-text_en": "Hi", "new-scale_max": "1"}, {"new-kind": "short", "new-text_en": " "}]
    for data in bad:
        client.post(url, {"csrf_token": token, **data}, status=422)
    assert survey_of(db, survey.id).questions == []
    survey = survey_of(db, survey.id)
    for n in range(QUESTIONS_MAX):
        survey.questions.append(Question(position=n, kind="short", text_en=f"Q{n}"))
    db.session.commit()
    page = client.post(url, {"csrf_token": token, "new-kind": "short", "new-text_en": "One more"}, status=422)
    assert f"A survey has {QUESTIONS_MAX} questions at most." in page.text
    assert len(survey_of(db, survey.id).questions) == QUESTIONS_MAX


def test_choices_limits(db, client, owner):
    from csti.models.surveys import CHOICES_MAX

    survey = new_survey(db, owner)
    q = Question(position=0, kind="multiple", text_en="Which?")
    q.choices = [Choice(position=n, label_en=f"C{n}") for n in range(CHOICES_MAX)]
    text_q = Question(position=1, kind="short", text_en="Why?")
    survey.questions.extend([q, text_q])
    db.session.commit()
    token = csrf_headers(client.get(f"/surveys/{survey.id}"))["X-CSRFToken"]
    client.post(f"/surveys/{survey.id}/questions/{q.id}/choices", {"csrf_token": token, f"nc{q.id}-label_en": "More"},
                status=422)
    client.post(f"/surveys/{survey.id}/questions/{text_q.id}/choices",
                {"csrf_token": token, f"nc{text_q.id}-label_en": "More"}, status=400)
    client.post(f"/surveys/{survey.id}/choices/{q.choices[0].id}", {"csrf_token": token, f"c{q.choices[0].id}-label_en": "x" * 201},
                status=422)
    survey = survey_of(db, survey.id)
    assert len(survey.questions[0].choices) == CHOICES_MAX and survey.questions[0].choices[0].label_en == "C0"
    assert survey.questions[1].choices == []


def _settings(token, **kw):
    data = {"csrf_token": token, "s-languages": "en", "s-title_en": "Mine", "s-intro_en": "", "s-opens_at": "",
            "s-closes_at": ""}
    data.update(kw)
    return data


def test_publishing_rules_and_dates(db, client, owner):
    survey = new_survey(db, owner)
    token = csrf_headers(client.get(f"/surveys/{survey.id}"))["X-CSRFToken"]
    url = f"/surveys/{survey.id}"
    page = client.post(url, _settings(token, **{"s-published": "y"}), status=422)
    assert "Add at least one question before publishing." in page.text
    q = Question(position=0, kind="single", text_en="Which?")
    survey = survey_of(db, survey.id)
    survey.questions.append(q)
    db.session.commit()
    page = client.post(url, _settings(token, **{"s-published": "y"}), status=422)
    assert "needs at least two choices" in page.text
    q.choices = [Choice(position=0, label_en="A"), Choice(position=1, label_en="B")]
    db.session.commit()
    page = client.post(url, _settings(token, **{"s-published": "y", "s-languages": "fr,en"}), status=422)
    assert "needs its text in every language" in page.text
    assert survey_of(db, survey.id).languages == "en" and not survey_of(db, survey.id).published
    page = client.post(url, _settings(token, **{"s-opens_at": "2030-05-02T10:00", "s-closes_at": "2030-05-01T10:00"}),
                       status=422)
    assert "The survey must close after it opens." in page.text
    client.post(url, _settings(token, **{"s-published": "y", "s-opens_at": "2030-05-01T10:00",
                                         "s-closes_at": "2030-05-02T10:00"}), status=303)
    survey = survey_of(db, survey.id)
    assert survey.published and survey.opens_at.hour == 8  # Paris summer time is UTC+2
    assert "Scheduled" in client.get("/surveys/").text


def test_changes_refused_once_answered(db, client, owner):
    survey = new_survey(db, owner, "learning")
    q = survey.questions[0]
    response = Response(survey_id=survey.id, device_hash="d", nonce="n")
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=q.id, choice_id=q.choices[0].id))
    survey.response_count = 1
    db.session.commit()
    token = csrf_headers(client.get(f"/surveys/{survey.id}"))["X-CSRFToken"]
    page = client.post(f"/surveys/{survey.id}/questions/{q.id}",
                       {"csrf_token": token, f"q{q.id}-kind": "multiple", f"q{q.id}-text_en": "Learnt?"}, status=422)
    assert "can no longer change" in page.text
    assert survey_of(db, survey.id).questions[0].kind == "single"
    client.post(f"/surveys/{survey.id}/questions/{q.id}",
                {"csrf_token": token, f"q{q.id}-kind": "single", f"q{q.id}-text_en": "Learnt?"}, status=303)
    assert survey_of(db, survey.id).questions[0].text_en == "Learnt?"
    answered = survey_of(db, survey.id).questions[0].choices[0].id
    client.post(f"/surveys/{survey.id}/choices/{answered}/delete", {"csrf_token": token}, status=409)
    assert db.session.get(Choice, answered) is not None
    qid = q.id
    page = client.get(f"/surveys/{survey.id}/questions/{qid}/delete")
    assert "Its 1 answer will be deleted with it." in page.text
    page.forms["delete-question"].submit(status=303)
    db.session.rollback()
    assert db.session.scalar(select(Answer)) is None and db.session.get(Question, qid) is None


def _queries(db, client, url):
    from sqlalchemy import event

    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return page, len(seen)


def test_my_surveys_lists_managed_ones_in_constant_queries(db, client, factory, owner, t, make_actor):
    other = factory.user(email="other@example.org")
    mine = new_survey(db, owner, "nps", title_en="Standalone one")
    event = make_event(db, t, other, "Their workshop")
    foreign = new_survey(db, other, "nps", content=event, title_en="Not mine")
    new_survey(db, other, "nps", content=make_event(db, t, owner, "My workshop"), title_en="On my event")
    page, first = _queries(db, client, "/surveys/")
    assert "Standalone one" in page.text and "On my event" in page.text and "Not mine" not in page.text
    # a structure I manage owns an event: its surveys are mine to manage too
    structure = make_actor(t, "Fablab", managers=[owner])
    for n in range(4):
        ev = make_event(db, t, other, f"Atelier {n}")
        ev.owners = [structure]
        db.session.commit()
        new_survey(db, other, "satisfaction", content=ev, title_en=f"Managed {n}")
    page, later = _queries(db, client, "/surveys/")
    assert all(f"Managed {n}" in page.text for n in range(4)) and "Not mine" not in page.text
    assert "Their workshop" not in page.text and "Atelier 3" in page.text
    assert later == first
    assert f"/surveys/{mine.id}/share" in page.text and foreign.id


def test_share_page_and_qr_code(db, client, owner):
    survey = new_survey(db, owner, "nps")
    page = client.get(f"/surveys/{survey.id}/share")
    link = f"http://localhost/s/{survey.token}"
    assert f'value="{link}"' in page.text and f"/surveys/{survey.id}/qr.svg" in page.text
    svg = client.get(f"/surveys/{survey.id}/qr.svg")
    assert svg.content_type == "image/svg+xml" and svg.text.startswith("<svg")
    # The module paths segno draws for the link, in a standalone SVG document (its namespace:
    # without it a browser shows no image).
    assert segno.make(link, error="m").svg_inline(scale=8, border=4, dark="#000", light="#fff")[-600:] in svg.text
    assert svg.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    download = client.get(f"/surveys/{survey.id}/qr.svg?download=1")
    assert "attachment" in download.headers["Content-Disposition"]
    assert link in client.get(f"/surveys/{survey.id}/share?print=1").text


def test_user_menu_links_my_surveys(client):
    assert 'href="/surveys/"' in client.get("/").text


def test_a_published_survey_stays_answerable(db, client, owner):
    """Deleting the choices of a published survey's choice question down to one, or its only
    question, is refused (422, nothing changed): participants could no longer answer."""
    survey = new_survey(db, owner)
    survey = survey_of(db, survey.id)
    survey.questions.append(Question(position=0, kind="single", text_en="Which?", required=True,
                                     choices=[Choice(position=0, label_en="A"), Choice(position=1, label_en="B")]))
    survey.published = True
    db.session.commit()
    question = survey.questions[0]
    token = csrf_headers(client.get(f"/surveys/{survey.id}"))["X-CSRFToken"]
    page = client.post(f"/surveys/{survey.id}/choices/{question.choices[0].id}/delete", {"csrf_token": token},
                       status=422)
    assert "unanswerable" in page.text
    page = client.post(f"/surveys/{survey.id}/questions/{question.id}/delete", {"csrf_token": token, "confirm": "yes"},
                       status=422)
    survey = survey_of(db, survey.id)
    assert len(survey.questions) == 1 and len(survey.questions[0].choices) == 2
    client.get("/surveys/new?content=%C2%B2", status=404)  # "²" is a digit to str.isdigit
