"""What happens to a survey around its organiser: a sanction that hides a member's content takes
their published surveys offline and lifting it brings back exactly those; deleting an account
deletes its surveys but those of an item kept; an organiser who lost the right to see the item
their survey evaluates no longer reads its title; a survey is deleted with its responses (asked
first, audited); a refused removal says why next to the choice, with and without htmx."""
from sqlalchemy import func, select

from csti.models import AccountSanction, AuditLog, User
from csti.models.surveys import Answer, Choice, Question, Response, Survey
from tests.conftest import csrf_headers, login
from tests.surveys.test_builder import make_event, new_survey, survey_of


def _answer_status(app, token):
    from webtest import TestApp

    from tests.conftest import isolated

    return TestApp(isolated(app)).get(f"/s/{token}", expect_errors=True).status_int


def _publish(db, survey):
    survey = survey_of(db, survey.id)
    survey.published = True
    db.session.commit()
    return survey


def _hide_form(testapp, user_id):
    form = testapp.get(f"/members/{user_id}/sanction").forms["sanction-form"]
    form["kind"] = "hide"
    form["reason"] = "Contenus hors sujet"
    return form


def test_a_hide_sanction_takes_the_surveys_offline_and_lifting_brings_back_those(app, db, factory, testapp_en):
    first = factory.territory(slug="a", name="Aude")  # an animator's sanction covers the first by name
    second = factory.territory(slug="t", name="Tarn")
    member = factory.user(email="member@example.org", locale="en", roles={first: "member", second: "member"})
    factory.user(email="anim@example.org", roles={first: "animator", second: "animator"})
    covered = _publish(db, new_survey(db, member, "nps", content=make_event(db, first, member), title_en="Covered"))
    elsewhere = _publish(db, new_survey(db, member, "nps", content=make_event(db, second, member),
                                        title_en="Elsewhere"))
    draft = new_survey(db, member, "nps", content=make_event(db, first, member), title_en="Draft")
    assert _answer_status(app, covered.token) == 200

    login(testapp_en, "anim@example.org")
    _hide_form(testapp_en, member.id).submit().follow()
    db.session.rollback()
    sanction = db.session.scalar(select(AccountSanction))
    assert sanction.territory_id == first.id and sanction.hidden_surveys == [covered.id]
    assert (survey_of(db, covered.id).published, survey_of(db, elsewhere.id).published,
            survey_of(db, draft.id).published) == (False, True, False)
    assert _answer_status(app, covered.token) == 404 and _answer_status(app, elsewhere.token) == 200

    # Its organiser cannot publish it again while the sanction holds.
    member_app = login_as(app, "member@example.org")
    page = member_app.get(f"/surveys/{covered.id}")
    assert "A sanction on the account of its organiser took this survey offline" in page.text
    [form] = [f for f in page.forms.values() if f.action.endswith(f"/surveys/{covered.id}")]
    form["s-published"] = True
    refused = form.submit(status=422)
    assert "once the sanction is lifted" in refused.text
    assert survey_of(db, covered.id).published is False

    # Lifting brings it back, and only it.
    page = testapp_en.get("/sanctions")
    [lift] = [f for f in page.forms.values() if f.action.endswith(f"/sanctions/{sanction.id}/lift")]
    lift.submit().follow()
    assert survey_of(db, covered.id).published is True and survey_of(db, draft.id).published is False
    assert db.session.get(AccountSanction, sanction.id).hidden_surveys == []
    assert _answer_status(app, covered.token) == 200


def login_as(app, email):
    from webtest import TestApp

    from tests.conftest import isolated

    browser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    login(browser, email)
    return browser


def test_deleting_an_account_deletes_its_surveys_but_those_of_an_item_kept(db, factory):
    from csti.blueprints.accounts.operations import delete_account

    t = factory.territory(slug="t", name="T")
    for keep in (True, False):
        member = factory.user(email=f"m{keep}@example.org", roles={t: "member"})
        editor = factory.user(email=f"e{keep}@example.org", roles={t: "member"})
        kept_item = make_event(db, t, member, "Published, kept")
        others_item = make_event(db, t, editor, "Someone else's")
        standalone = new_survey(db, member, "nps", title_en="Standalone")
        on_kept = new_survey(db, member, "nps", content=kept_item, title_en="On my event")
        on_others = new_survey(db, member, "nps", content=others_item, title_en="On their event")
        ids = standalone.id, on_kept.id, on_others.id
        db.session.add(Response(survey_id=on_others.id, device_hash=f"d{keep}", nonce=f"n{keep}"))
        db.session.commit()
        delete_account(db.session.get(User, member.id), keep_content=keep)
        db.session.commit()
        db.session.expunge_all()
        left = {s.id: s.owner_id for s in db.session.scalars(select(Survey).where(Survey.id.in_(ids)))}
        if keep:
            assert left == {ids[1]: None, ids[2]: None}  # managed by whoever edits the item
        else:
            assert left == {}
            assert db.session.scalar(select(func.count()).select_from(Response)
                                     .where(Response.survey_id == ids[2])) == 0


def test_the_title_of_an_item_one_may_no_longer_see_is_not_shown(db, factory, testapp_en, log_in):
    t = factory.territory(slug="t", name="T")
    organiser = factory.user(email="org@example.org", locale="en", roles={t: "member"})
    author = factory.user(email="author@example.org", roles={t: "member"})
    event = make_event(db, t, author, "Secret workshop")
    survey = new_survey(db, organiser, "complete", content=event, title_en="Feedback")
    client = log_in(testapp_en, organiser)
    assert "Secret workshop" in client.get("/surveys/").text
    event = db.session.get(type(event), event.id)
    event.status = "draft"  # its author took it back: the organiser may no longer see it
    db.session.commit()
    for url in ("/surveys/", f"/surveys/{survey.id}", "/surveys/compare"):
        page = client.get(url)
        assert "Secret workshop" not in page.text, url
    assert "An item you may no longer see" in client.get("/surveys/").text
    assert "Feedback" in client.get("/surveys/compare").text


def test_delete_a_survey_with_its_responses(db, factory, testapp_en, log_in):
    t = factory.territory(slug="t", name="T")
    organiser = factory.user(email="org@example.org", locale="en", roles={t: "member"})
    stranger = factory.user(email="x@example.org", locale="en", roles={t: "member"})
    survey = new_survey(db, organiser, "learning", title_en="To delete")
    question = survey.questions[0]
    response = Response(survey_id=survey.id, device_hash="d", nonce="n")
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=question.id, choice_id=question.choices[0].id))
    db.session.commit()
    sid = survey.id
    other = log_in(testapp_en, stranger)
    other.get(f"/surveys/{sid}/delete", status=403)
    other.post(f"/surveys/{sid}/delete", {"confirm": "yes", "csrf_token": csrf_headers(other.get("/"))["X-CSRFToken"]},
               status=403)
    client = log_in(testapp_en, organiser)
    page = client.get(f"/surveys/{sid}").click(description="Delete this survey")
    assert "Its 1 response will be deleted with it" in page.text and f"/surveys/{sid}/results.csv" in page.text
    done = page.forms["delete-survey"].submit(status=303).follow()
    assert "is deleted, with its responses" in done.text and "To delete" not in done.html.find("main").text.replace(
        "The survey “To delete” is deleted", "")
    db.session.rollback()
    assert db.session.get(Survey, sid) is None
    for model in (Question, Choice, Response, Answer):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "survey.deleted"))
    assert entry.details["responses"] == 1 and entry.details["title"] == "To delete"


def test_a_refused_choice_removal_says_why_next_to_the_choice(db, factory, testapp_en, log_in):
    t = factory.territory(slug="t", name="T")
    organiser = factory.user(email="org@example.org", locale="en", roles={t: "member"})
    survey = new_survey(db, organiser, "learning")
    q = survey.questions[0]
    response = Response(survey_id=survey.id, device_hash="d", nonce="n")
    db.session.add(response)
    db.session.flush()
    chosen = q.choices[0].id
    db.session.add(Answer(response_id=response.id, question_id=q.id, choice_id=chosen))
    survey.response_count = 1
    db.session.commit()
    client = log_in(testapp_en, organiser)
    headers = csrf_headers(client.get(f"/surveys/{survey.id}"))
    page = client.post(f"/surveys/{survey.id}/choices/{chosen}/delete", {"csrf_token": headers["X-CSRFToken"]},
                       status=409)
    message = page.html.find(id=f"choice-{chosen}-refused")
    assert message is not None and "Participants chose this answer" in message.text
    assert message.find_parent("li")["id"] == f"choice-{chosen}"
    fragment = client.post(f"/surveys/{survey.id}/choices/{chosen}/delete", headers=headers, status=422)
    assert fragment.text.lstrip().startswith('<div id="questions">')
    assert "Participants chose this answer" in fragment.html.find(id=f"choice-{chosen}-refused").text
    assert db.session.get(Choice, chosen) is not None
