"""The public answer page (/s/<token>, csti/blueprints/surveys/answering.py): a good answer stores
exactly its rows and counts once; every bad input is refused next to its field with a 4xx and
nothing stored; one answer per device, a replayed form counts once; closed, not yet open and
unpublished surveys; the honeypot, the minimum fill time and the rate limit."""
import hashlib
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from csti.blueprints.surveys import answering
from csti.blueprints.surveys.templates import create_survey
from csti.models.base import utcnow
from csti.models.surveys import Answer, Question, Response, Survey
from tests.conftest import isolated


def _survey(db, factory, languages="fr,en", template="complete", **kw):
    about = kw.pop("about", None)
    survey = create_survey(None, template=template, languages=languages, content=about)
    survey.published = kw.pop("published", True)
    for key, value in kw.items():
        setattr(survey, key, value)
    db.session.commit()
    return survey


def _questions(db, survey):
    return {q.code: q for q in db.session.scalars(select(Question).where(Question.survey_id == survey.id)
                                                  .order_by(Question.position, Question.id))}


def _counts(db, survey):
    db.session.rollback()
    return (db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id)),
            db.session.scalar(select(func.count(Answer.id))),
            db.session.scalar(select(Survey.response_count).where(Survey.id == survey.id)))


def _nonce(page):
    return re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)


def _good(db, survey, nonce, **changes):
    """A valid answer to the "complete" template's questions, as posted fields."""
    q = _questions(db, survey)
    fields = {"nonce": nonce, "website": "",
              f"q{q['satisfaction'].id}": "4",
              f"q{q['learnt'].id}": str(q["learnt"].choices[0].id),
              f"q{q['heard_of'].id}": [str(q["heard_of"].choices[1].id), str(q["heard_of"].choices[3].id)],
              f"q{q['nps'].id}": "9",
              f"q{q['comment'].id}": "  Très bien !  "}
    for code, value in changes.items():
        key = code if code in ("nonce", "website") else f"q{q[code].id}"
        if value is None:
            fields.pop(key)
        else:
            fields[key] = value
    return [(k, item) for k, v in fields.items() for item in (v if isinstance(v, list) else [v])]


def _answer(testapp, db, survey, status=303, **changes):
    page = testapp.get(f"/s/{survey.token}")
    return testapp.post(f"/s/{survey.token}", _good(db, survey, _nonce(page), **changes), status=status)


def test_a_good_answer_stores_exactly_its_rows(db, factory, testapp_en, app):
    about = factory.page(title="La nuit des étoiles")
    survey = _survey(db, factory, about=about)
    with app.test_request_context():
        about_url = about.url
    page = testapp_en.get(f"/s/{survey.token}")
    assert page.status_int == 200 and 'lang="en"' in page.text and "Your opinion of this action" in page.text
    assert "(required)" in page.text and " required" in page.text and about_url in page.text
    cookie = testapp_en.cookies[answering.DEVICE_COOKIE]
    response = testapp_en.post(f"/s/{survey.token}", _good(db, survey, _nonce(page)), status=303)
    assert response.headers["Location"].endswith(f"/s/{survey.token}/thanks")
    thanks = response.follow()
    assert "Thank you for your answers" in thanks.text and about_url in thanks.text
    assert _counts(db, survey) == (1, 6, 1)  # "how did you hear of it": two rows
    q = _questions(db, survey)
    stored = db.session.scalar(select(Response).where(Response.survey_id == survey.id))
    key = "test-secret-key"  # TestConfig's
    assert stored.device_hash == hashlib.sha256(f"{cookie}{survey.id}{key}".encode()).hexdigest()
    assert stored.locale == "en"
    rows = sorted((a.question_id, a.number, a.choice_id, a.text) for a in stored.answers)
    assert rows == sorted([(q["satisfaction"].id, 4, None, ""), (q["learnt"].id, None, q["learnt"].choices[0].id, ""),
                           (q["heard_of"].id, None, q["heard_of"].choices[1].id, ""),
                           (q["heard_of"].id, None, q["heard_of"].choices[3].id, ""),
                           (q["nps"].id, 9, None, ""), (q["comment"].id, None, None, "Très bien !")])


def test_the_survey_in_its_only_language(db, factory, testapp_en):
    survey = _survey(db, factory, languages="fr")
    page = testapp_en.get(f"/s/{survey.token}")
    assert '<html lang="fr">' in page.text and "Votre avis sur cette action" in page.text
    assert 'class="required-mark"' in page.text


def test_optional_questions_may_stay_blank(db, factory, testapp):
    survey = _survey(db, factory)
    _answer(testapp, db, survey, heard_of=None, comment="")
    assert _counts(db, survey) == (1, 3, 1)


BAD = [
    ("rating above the scale", dict(satisfaction="6"), "satisfaction"),
    ("rating zero", dict(satisfaction="0"), "satisfaction"),
    ("rating not a number", dict(satisfaction="4.5"), "satisfaction"),
    ("two ratings", dict(satisfaction=["3", "4"]), "satisfaction"),
    ("nps above 10", dict(nps="11"), "nps"),
    ("nps negative", dict(nps="-1"), "nps"),
    ("choice not offered", dict(learnt="999999"), "learnt"),
    ("two single choices", dict(learnt="__two__"), "learnt"),
    ("choice of another question", dict(learnt="__other__"), "learnt"),
    ("required unanswered", dict(satisfaction=None), "satisfaction"),
    ("required blank", dict(nps="  "), "nps"),
    ("long text too long", dict(comment="x" * 5001), "comment"),
    ("100 KB of text", dict(comment="é" * 100_000), "comment"),
]


@pytest.mark.parametrize("name,changes,code", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_next_to_its_field(db, factory, testapp_en, name, changes, code):
    survey = _survey(db, factory)
    q = _questions(db, survey)
    if changes.get("learnt") == "__two__":
        changes["learnt"] = [str(c.id) for c in q["learnt"].choices[:2]]
    elif changes.get("learnt") == "__other__":
        changes["learnt"] = str(q["heard_of"].choices[0].id)
    page = _answer(testapp_en, db, survey, status=422, **changes)
    field = f"q{q[code].id}"
    assert f'id="{field}-error"' in page.text and 'aria-invalid="true"' in page.text
    assert f'href="#{field}' in page.text  # the summary links to the field
    assert "Please correct the answers below" in page.text
    assert _counts(db, survey) == (0, 0, 0)


def test_a_short_text_too_long(db, factory, testapp_en):
    survey = _survey(db, factory, template="")
    db.session.add(Question(survey_id=survey.id, kind="short", text_fr="Nom de l’atelier ?", required=False))
    db.session.commit()
    q = db.session.scalar(select(Question).where(Question.survey_id == survey.id))
    page = testapp_en.get(f"/s/{survey.token}")
    assert 'maxlength="300"' in page.text
    refused = testapp_en.post(f"/s/{survey.token}", {"nonce": _nonce(page), f"q{q.id}": "a" * 301}, status=422)
    assert "at most 300 characters" in refused.text and _counts(db, survey) == (0, 0, 0)


def test_a_huge_post_is_refused_without_an_error_500(db, factory, testapp_en):
    survey = _survey(db, factory)
    refused = _answer(testapp_en, db, survey, status=422, comment="a" * (3 * 1024 * 1024))
    assert "at most 5000 characters" in refused.text
    assert _counts(db, survey) == (0, 0, 0)


def test_replay_counts_once(db, factory, app):
    survey = _survey(db, factory)
    first = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})
    page = first.get(f"/s/{survey.token}")
    body = _good(db, survey, _nonce(page))
    first.post(f"/s/{survey.token}", body, status=303)
    # The same body again, from a browser without the device cookie (cookies refused, or a robot).
    replay = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})
    again = replay.post(f"/s/{survey.token}", body, status=409)
    assert "already recorded" in again.text
    assert _counts(db, survey) == (1, 6, 1)


def test_same_device_answers_once(db, factory, testapp_en):
    survey = _survey(db, factory)
    _answer(testapp_en, db, survey)
    page = testapp_en.get(f"/s/{survey.token}")
    assert page.status_int == 200 and "You already answered, thank you" in page.text and "<form method=\"post\" action=\"/s/" not in page.text
    # A form loaded before the first answer, sent afterwards from the same device: refused.
    cookie = testapp_en.cookies[answering.DEVICE_COOKIE]
    refused = testapp_en.post(f"/s/{survey.token}", _good(db, survey, _fresh_nonce(db, survey)), status=409)
    assert "You already answered" in refused.text and testapp_en.cookies[answering.DEVICE_COOKIE] == cookie
    assert _counts(db, survey) == (1, 6, 1)


def _fresh_nonce(db, survey):
    from flask import current_app

    with current_app.test_request_context():
        return answering.new_nonce(survey)


def test_without_cookies_one_answer_per_form_load(db, factory, app):
    survey = _survey(db, factory)
    no_cookies = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    for _ in range(2):
        page = no_cookies.get(f"/s/{survey.token}")
        no_cookies.reset()  # the browser drops every cookie
        no_cookies.post(f"/s/{survey.token}", _good(db, survey, _nonce(page)), status=303)
        no_cookies.reset()
    assert _counts(db, survey)[0] == 2 and _counts(db, survey)[2] == 2


def test_a_forged_or_foreign_nonce_is_refused(db, factory, testapp_en):
    survey = _survey(db, factory)
    other = _survey(db, factory)
    testapp_en.get(f"/s/{survey.token}")
    forged = testapp_en.post(f"/s/{survey.token}", _good(db, survey, "forged.nonce"), status=400)
    assert "not sent by this site" in forged.text
    foreign = testapp_en.get(f"/s/{other.token}")
    testapp_en.post(f"/s/{survey.token}", _good(db, survey, _nonce(foreign)), status=400)
    assert _counts(db, survey) == (0, 0, 0)


def test_closed_not_yet_open_and_unpublished(db, factory, testapp_en):
    closed = _survey(db, factory, closes_at=utcnow() - timedelta(hours=1))
    page = testapp_en.get(f"/s/{closed.token}", status=410)
    assert "This survey is closed" in page.text and 'id="survey-form"' not in page.text
    refused = testapp_en.post(f"/s/{closed.token}", _good(db, closed, _fresh_nonce(db, closed)), status=410)
    assert "closed" in refused.text and _counts(db, closed) == (0, 0, 0)
    later = _survey(db, factory, opens_at=utcnow() + timedelta(days=2))
    page = testapp_en.get(f"/s/{later.token}", status=403)
    assert "not open yet" in page.text and 'id="survey-form"' not in page.text
    testapp_en.post(f"/s/{later.token}", _good(db, later, _fresh_nonce(db, later)), status=403)
    draft = _survey(db, factory, published=False)
    testapp_en.get(f"/s/{draft.token}", status=404)
    testapp_en.post(f"/s/{draft.token}", _good(db, draft, _fresh_nonce(db, draft)), status=404)
    testapp_en.get("/s/nosuchtk", status=404)
    testapp_en.get(f"/s/{draft.token}/thanks", status=404)
    assert _counts(db, later) == (0, 0, 0) and _counts(db, draft) == (0, 0, 0)


def test_honeypot(db, factory, testapp_en):
    survey = _survey(db, factory)
    page = testapp_en.get(f"/s/{survey.token}")
    assert re.search(r'<div class="survey-hp" aria-hidden="true">', page.text)
    assert re.search(r'name="website" value="" tabindex="-1" autocomplete="off"', page.text)
    refused = _answer(testapp_en, db, survey, status=422, website="http://spam.example")
    assert "must stay empty" in refused.text and _counts(db, survey) == (0, 0, 0)


def test_too_fast(db, factory, testapp_en, app):
    survey = _survey(db, factory)
    app.config["SURVEY_MIN_FILL_SECONDS"] = 30
    try:
        refused = _answer(testapp_en, db, survey, status=422)
    finally:
        app.config["SURVEY_MIN_FILL_SECONDS"] = 0
    assert "sent very quickly" in refused.text and _counts(db, survey) == (0, 0, 0)
    # The new form it shows (a fresh nonce) goes through once the minimum is met.
    testapp_en.post(f"/s/{survey.token}", _good(db, survey, _nonce(refused)), status=303)
    assert _counts(db, survey) == (1, 6, 1)


def test_rate_limit(db, factory, app):
    survey = _survey(db, factory)
    app.config["SURVEY_ANSWERS_PER_IP"] = 3
    try:
        for n in range(4):
            client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.0.0.9", "HTTP_ACCEPT_LANGUAGE": "en"})
            status = 303 if n < 3 else 429
            response = _answer(client, db, survey, status=status)
        assert "Too many answers" in response.text
        other_ip = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.0.0.10"})
        _answer(other_ip, db, survey)
    finally:
        app.config["SURVEY_ANSWERS_PER_IP"] = 100
    assert _counts(db, survey)[0] == 4


def test_validate_is_pure(db, factory):
    from werkzeug.datastructures import MultiDict

    survey = _survey(db, factory)
    q = _questions(db, survey)
    checked = answering.validate(survey, MultiDict([(f"q{q['satisfaction'].id}", "5"), (f"q{q['nps'].id}", "0"),
                                                    (f"q{q['learnt'].id}", str(q["learnt"].choices[2].id))]))
    assert checked.ok and [(a[0].code, a[1]) for a in checked.answers if a[1] is not None] == [("satisfaction", 5),
                                                                                               ("nps", 0)]
    checked = answering.validate(survey, MultiDict([(f"q{q['nps'].id}", "0")]))
    assert set(checked.errors) == {q["satisfaction"].id, q["learnt"].id} and checked.answers == []
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_concurrent_replays_count_once(db, factory, app):
    """Two submissions of one form at once: the unique nonce lets one in."""
    survey = _survey(db, factory)
    page = TestApp(isolated(app)).get(f"/s/{survey.token}")
    body = _good(db, survey, _nonce(page))
    statuses = []

    def send():
        client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        statuses.append(client.post(f"/s/{survey.token}", body, expect_errors=True).status_int)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409, 409, 409]
    assert _counts(db, survey) == (1, 6, 1)


def test_the_device_cookie(db, factory, app):
    survey = _survey(db, factory)
    plain = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    cookie = [c for c in plain.get(f"/s/{survey.token}").headers.getall("Set-Cookie")
              if c.startswith(answering.DEVICE_COOKIE)][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/s/" in cookie and "Secure" not in cookie
    secure = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "https"})
    cookie = [c for c in secure.get(f"/s/{survey.token}").headers.getall("Set-Cookie")
              if c.startswith(answering.DEVICE_COOKIE)][0]
    assert "Secure" in cookie
    # The hash depends on the survey: one cookie gives unrelated hashes on two surveys.
    other = _survey(db, factory)
    with app.test_request_context():
        assert answering.device_hash("abc", survey) != answering.device_hash("abc", other)


def test_the_per_ip_limit_on_every_survey(db, factory, app):
    surveys = [_survey(db, factory) for _ in range(3)]
    app.config["SURVEY_ANSWERS_PER_IP_ALL"] = 2
    try:
        for n, survey in enumerate(surveys):
            client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.0.0.11"})
            _answer(client, db, survey, status=303 if n < 2 else 429)
    finally:
        app.config["SURVEY_ANSWERS_PER_IP_ALL"] = 300
    assert [_counts(db, s)[0] for s in surveys] == [1, 1, 0]


def test_a_post_without_the_cookie_sets_none(db, factory, app):
    """A cross-site post (a SameSite=Lax cookie does not go with it) or refused cookies: the
    answer counts, but the browser's own device token is not replaced by a new one."""
    survey = _survey(db, factory)
    client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    page = client.get(f"/s/{survey.token}")
    client.reset()
    response = client.post(f"/s/{survey.token}", _good(db, survey, _nonce(page)), status=303)
    assert not [c for c in response.headers.getall("Set-Cookie") if c.startswith(answering.DEVICE_COOKIE)]


def test_control_characters_in_a_text_are_dropped(db, factory, testapp_en):
    """A NUL in a text (PostgreSQL refuses it in a string: it was a 500) is removed with the other
    control characters; the answer is stored."""
    survey = _survey(db, factory)
    _answer(testapp_en, db, survey, comment="Bien\x00 vu\x07 !")
    db.session.rollback()
    assert db.session.scalar(select(Answer.text).where(Answer.text != "")) == "Bien vu !"
