"""Sanctions on accounts (csti/sanctions.py): suspending or banning keeps a member from logging in
(told until when, in their language) and from posting, ends their sessions, ends by itself or
when lifted; hiding takes every published item and comment of theirs out of sight and lifting
gives back exactly those; bad input changes nothing. And the spam signals of new members."""
from datetime import timedelta

import pytest
from babel.dates import format_datetime
from sqlalchemy import func, select

from csti.models import AccountSanction, Article, AuditLog, Comment, UserSession
from csti.models.base import utcnow
from tests.conftest import login
from tests.search.helpers import page_titles


@pytest.fixture
def people(factory):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    member = factory.user(email="member@example.org", name="Marc", roles={occitanie: "contributor"}, locale="fr")
    animator = factory.user(email="anim@example.org", name="Anne", roles={occitanie: "animator"})
    other_animator = factory.user(email="breton@example.org", roles={bretagne: "animator"})
    admin = factory.user(email="admin@example.org", admin=True)
    return {"occitanie": occitanie, "bretagne": bretagne, "member": member, "animator": animator,
            "other_animator": other_animator, "admin": admin}


def _article(db, territory, author, title, status="published", body="Du texte"):
    item = Article(title=title, territory=territory, author=author, body=body)
    if status == "published":
        item.publish()
    else:
        item.status = status
    db.session.add(item)
    db.session.commit()
    return item


def _browser(app):
    """A second browser (the member's), each request in its own context as in conftest."""
    from webtest import TestApp

    from tests.conftest import isolated

    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})


def _sanction_form(testapp, user_id):
    return testapp.get(f"/members/{user_id}/sanction").forms["sanction-form"]


def _count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_suspended_member_cannot_log_in_nor_post_and_their_sessions_end(testapp_en, app, db, factory, people,
                                                                          log_in):
    member = people["member"]
    browser = _browser(app)
    login(browser, "member@example.org")
    assert browser.get("/articles/new").status_int == 200  # logged in, may post
    db.session.refresh(member)
    version = member.session_version
    db.session.commit()

    login(testapp_en, "anim@example.org")
    profile = testapp_en.get(f"/members/{member.id}")
    assert profile.html.find("a", href=f"/members/{member.id}/sanction") is not None
    form = _sanction_form(testapp_en, member.id)
    form["kind"] = "suspend"
    form["duration"] = "7"
    form["reason"] = "Insultes répétées"
    response = form.submit()
    assert response.status_int == 303
    db.session.rollback()
    sanction = db.session.scalar(select(AccountSanction))
    assert (sanction.kind, sanction.reason, sanction.territory_id) == ("suspend", "Insultes répétées",
                                                                      people["occitanie"].id)
    assert timedelta(days=6, hours=23) < sanction.ends_at - utcnow() <= timedelta(days=7)
    db.session.refresh(member)
    assert member.session_version == version + 1
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == member.id)) == 0
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.suspended"))
    assert entry.details["reason"] == "Insultes répétées" and entry.details["after"]["kind"] == "suspend"

    # The open browser is logged out: posting sends it to the login page, nothing is saved.
    page = browser.get("/articles/new")
    assert page.status_int in (302, 303) and "/login" in page.headers["Location"]
    # Logging in again is refused, in the member's language (French), with the end date.
    refused = login(browser, "member@example.org")
    assert refused.status_int == 403
    error = refused.html.find("p", id="email-error").text
    assert "suspended until" in error or "suspendu jusqu" in error  # (before / after the catalogue)
    db.session.rollback()
    ends = db.session.scalar(select(AccountSanction.ends_at))
    assert format_datetime(ends, "d MMMM y HH:mm", tzinfo=app.config["BABEL_DEFAULT_TIMEZONE"], locale="fr") in error
    assert "/login" in browser.get("/articles/new").headers.get("Location", "")
    # Even a session opened behind the login page's back is refused by the user loader.
    log_in(browser, member)
    assert "/login" in browser.get("/articles/new").headers.get("Location", "")


def test_the_suspension_ends_by_itself(testapp_en, db, factory, people):
    member = people["member"]
    db.session.add(AccountSanction(user_id=member.id, kind="suspend", reason="r", starts_at=utcnow() - timedelta(days=2),
                                   ends_at=utcnow() - timedelta(minutes=1), hidden_content=[], hidden_comments=[],
                                   lift_reason=""))
    db.session.commit()
    response = login(testapp_en, "member@example.org")
    assert response.status_int == 303
    assert testapp_en.get("/articles/new").status_int == 200


def test_lifting_lets_the_member_back_in_and_is_audited(testapp_en, app, db, factory, people):
    member = people["member"]
    login(testapp_en, "admin@example.org")
    form = _sanction_form(testapp_en, member.id)
    form["kind"] = "ban"
    form["duration"] = "permanent"
    form["reason"] = "Spam"
    form.submit().follow()
    db.session.rollback()
    sanction = db.session.scalar(select(AccountSanction))
    assert sanction.kind == "ban" and sanction.ends_at is None and sanction.territory_id is None

    other = _browser(app)
    refused = login(other, "member@example.org")
    assert refused.status_int == 403
    error = refused.html.find("p", id="email-error").text
    assert "banned" in error or "banni" in error

    page = testapp_en.get("/sanctions")
    row = page.html.find("tr", id=f"sanction-{sanction.id}")
    assert row is not None and "Marc" in row.text and "Spam" in row.text
    lift_form = [f for f in page.forms.values() if f.action.endswith(f"/sanctions/{sanction.id}/lift")][0]
    lift_form["reason"] = "Erreur"
    lift_form.submit().follow()
    db.session.rollback()
    sanction = db.session.get(AccountSanction, sanction.id)
    assert sanction.lifted_at is not None and sanction.lift_reason == "Erreur"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.sanction_lifted"))
    assert entry.details["reason"] == "Erreur" and entry.details["after"]["lifted"] is True
    assert login(other, "member@example.org").status_int == 303
    # Lifting twice: 409, nothing changes.
    assert testapp_en.post(f"/sanctions/{sanction.id}/lift", {"csrf_token": _csrf(testapp_en)},
                           expect_errors=True).status_int == 409


def _csrf(testapp):
    return testapp.get("/account").html.find("input", attrs={"name": "csrf_token"})["value"]


def test_a_ban_without_a_reason_is_refused_and_nothing_is_saved(testapp_en, db, people):
    login(testapp_en, "admin@example.org")
    form = _sanction_form(testapp_en, people["member"].id)
    form["kind"] = "ban"
    form["duration"] = "permanent"
    form["reason"] = "   "
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert "Give the reason" in response.html.find("p", id="reason-error").text
    assert _count(db, AccountSanction) == 0
    # A suspension "for good": refused next to the duration.
    form = response.forms["sanction-form"]
    form["kind"] = "suspend"
    form["duration"] = "permanent"
    form["reason"] = "Raison"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and "needs a duration" in response.text
    assert _count(db, AccountSanction) == 0


def test_an_admin_or_oneself_cannot_be_sanctioned(testapp_en, db, factory, people):
    other_admin = factory.user(email="admin2@example.org", admin=True)
    login(testapp_en, "admin@example.org")
    page = testapp_en.get(f"/members/{other_admin.id}/sanction", expect_errors=True)
    assert page.status_int == 403 and "administrator cannot be suspended" in page.text
    token = testapp_en.get(f"/members/{people['member'].id}/sanction").forms["sanction-form"]["csrf_token"].value
    response = testapp_en.post(f"/members/{other_admin.id}/sanction",
                               {"csrf_token": token, "kind": "ban", "duration": "permanent", "reason": "Non"},
                               expect_errors=True)
    assert response.status_int == 403 and "administrator cannot be suspended" in response.text
    response = testapp_en.post(f"/members/{people['admin'].id}/sanction",
                               {"csrf_token": token, "kind": "ban", "duration": "permanent", "reason": "Non"},
                               expect_errors=True)
    assert response.status_int == 403
    assert _count(db, AccountSanction) == 0
    assert login(testapp_en, "admin2@example.org").status_int == 303


def test_animators_only_suspend_members_of_their_territory_and_never_ban(testapp_en, db, factory, people):
    member = people["member"]
    login(testapp_en, "breton@example.org")  # animator of Bretagne, the member is in Occitanie
    assert testapp_en.get(f"/members/{member.id}/sanction", expect_errors=True).status_int == 403
    assert f"/members/{member.id}/sanction" not in testapp_en.get(f"/members/{member.id}").text
    login(testapp_en, "anim@example.org")
    form = _sanction_form(testapp_en, member.id)
    assert "ban" not in [value for value, *_ in form["kind"].options]
    token = form["csrf_token"].value
    response = testapp_en.post(f"/members/{member.id}/sanction",
                               {"csrf_token": token, "kind": "ban", "duration": "7", "reason": "Non"},
                               expect_errors=True)
    assert response.status_int == 422
    # Nor another animator, nor beyond the longest suspension.
    response = testapp_en.get(f"/members/{people['other_animator'].id}/sanction", expect_errors=True)
    assert response.status_int == 403
    form["kind"] = "suspend"
    form["duration"] = "custom"
    form["ends_on"] = (utcnow() + timedelta(days=90)).date().isoformat()
    form["reason"] = "Trop long"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and "30 days at most" in response.text
    form["ends_on"] = "9999-12-31"  # a typing error, not a date the site can mean
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and "between the years 1900 and 2200" in response.text
    assert _count(db, AccountSanction) == 0


def test_hiding_all_content_and_lifting_gives_back_exactly_those(testapp_en, app, db, factory, people):
    member, occitanie = people["member"], people["occitanie"]
    first = _article(db, occitanie, member, "Premier article")
    second = _article(db, occitanie, member, "Second article")
    _article(db, occitanie, member, "Brouillon", status="draft")
    other = _article(db, occitanie, people["animator"], "Article d’Anne")
    comment = Comment(content_id=other.id, author=member, body="Un commentaire")
    db.session.add(comment)
    db.session.commit()
    assert "Premier article" in testapp_en.get("/articles").text

    login(testapp_en, "anim@example.org")
    form = _sanction_form(testapp_en, member.id)
    form["kind"] = "hide"
    form["reason"] = "Contenus hors sujet"
    form.submit().follow()
    db.session.rollback()
    statuses = dict(db.session.execute(select(Article.title, Article.status)).all())
    assert statuses == {"Premier article": "archived", "Second article": "archived", "Brouillon": "draft",
                        "Article d’Anne": "published"}
    assert db.session.get(Comment, comment.id).status == "hidden"
    sanction = db.session.scalar(select(AccountSanction))
    assert sorted(sanction.hidden_content) == sorted([first.id, second.id])
    assert sanction.hidden_comments == [comment.id]
    # Gone from the list and from its page for visitors; the member may still log in.
    testapp_en.post("/logout", {"csrf_token": testapp_en.get("/").html.find(
        "input", attrs={"name": "csrf_token"})["value"]})
    assert "Premier article" not in testapp_en.get("/articles").text
    assert "Premier article" not in page_titles(testapp_en.get("/search?q=premier"))  # the index followed
    with app.test_request_context():
        first_url, other_url = db.session.get(Article, first.id).url, db.session.get(Article, other.id).url
    db.session.rollback()
    assert testapp_en.get(first_url, expect_errors=True).status_int in (403, 404)
    page = testapp_en.get(other_url)
    assert "Un commentaire" not in page.text and "Comment hidden by the moderators." in page.text

    login(testapp_en, "anim@example.org")
    page = testapp_en.get("/sanctions")
    lift_form = [f for f in page.forms.values() if f.action.endswith(f"/sanctions/{sanction.id}/lift")][0]
    lift_form.submit().follow()
    db.session.rollback()
    statuses = dict(db.session.execute(select(Article.title, Article.status)).all())
    assert statuses == {"Premier article": "published", "Second article": "published", "Brouillon": "draft",
                        "Article d’Anne": "published"}
    assert db.session.get(Comment, comment.id).status == "visible"
    assert "Premier article" in testapp_en.get("/articles").text
    assert "Premier article" in page_titles(testapp_en.get("/search?q=premier"))


def test_a_suspension_can_hide_the_content_too(testapp_en, db, factory, people):
    member = people["member"]
    item = _article(db, people["occitanie"], member, "Article à cacher")
    elsewhere = _article(db, people["bretagne"], member, "Article breton")
    login(testapp_en, "anim@example.org")
    form = _sanction_form(testapp_en, member.id)
    form["kind"] = "suspend"
    form["duration"] = "1"
    form["reason"] = "Raison"
    form["hide"] = True
    form.submit().follow()
    db.session.rollback()
    assert db.session.get(Article, item.id).status == "archived"
    # An animator's hiding stays in their territory.
    assert db.session.get(Article, elsewhere.id).status == "published"


# --- spam signals --------------------------------------------------------------------------
def _post(testapp, territory, title, body):
    form = testapp.get("/articles/new").forms["article-form"]
    form["title"] = title
    form["territory"] = str(territory.id)
    form["body"] = body
    response = form.submit("action", value="publish") if "action" in form.fields else form.submit()
    assert response.status_int == 303, response.text


def _status(db, title):
    db.session.rollback()
    return db.session.execute(select(Article.status, Article.queued_because).where(Article.title == title)).one()


def test_a_new_contributors_first_post_with_a_link_waits_and_the_queue_says_why(testapp_en, db, people):
    login(testapp_en, "member@example.org")  # a contributor: publishes without review…
    _post(testapp_en, people["occitanie"], "Sans lien", "Du texte")
    assert tuple(_status(db, "Sans lien")) == ("published", "")
    # …but "Sans lien" was their first published item; the next with two links is still early.
    _post(testapp_en, people["occitanie"], "Trois liens", "https://a.example https://b.example http://c.example")
    assert tuple(_status(db, "Trois liens")) == ("pending", "many_links")
    login(testapp_en, "anim@example.org")
    row = testapp_en.get("/moderation").html.find("a", string="Trois liens").find_parent("tr")
    assert "many links" in row.text


def test_first_post_with_a_link_waits_but_not_for_an_established_member(testapp_en, db, factory, people):
    login(testapp_en, "member@example.org")
    _post(testapp_en, people["occitanie"], "Mon site", "Voyez https://spam.example")
    assert tuple(_status(db, "Mon site")) == ("pending", "links")
    login(testapp_en, "anim@example.org")
    row = testapp_en.get("/moderation").html.find("a", string="Mon site").find_parent("tr")
    assert "links in a first post" in row.text

    # An established contributor: an old account with published items publishes links at once.
    db.session.rollback()  # a fresh snapshot before writing (SQLite WAL)
    veteran = factory.user(email="veteran@example.org", roles={people["occitanie"]: "contributor"})
    veteran.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    for n in range(3):
        _article(db, people["occitanie"], veteran, f"Ancien {n}")
    login(testapp_en, "veteran@example.org")
    _post(testapp_en, people["occitanie"], "Avec liens", "https://a.example https://b.example https://c.example")
    assert tuple(_status(db, "Avec liens")) == ("published", "")
    assert _status(db, "Mon site").status == "pending"  # the new member's post still waits


def test_a_burst_of_posts_waits(testapp_en, app, db, people):
    app.config["SPAM_BURST_MAX"] = 2
    try:
        login(testapp_en, "member@example.org")
        for n in range(2):
            _post(testapp_en, people["occitanie"], f"Rafale {n}", "Du texte")
            assert _status(db, f"Rafale {n}").status == "published"
        _post(testapp_en, people["occitanie"], "Rafale 2", "Du texte")
        assert tuple(_status(db, "Rafale 2")) == ("pending", "burst")
    finally:
        app.config["SPAM_BURST_MAX"] = 10


# --- review of issue #15 -------------------------------------------------------------------------
def test_an_animator_does_not_sanction_a_member_of_another_territory_too(testapp_en, db, factory, people):
    """The roles page lets an animator add anyone to their territory: that must not let them
    suspend, account-wide, a member of another territory (the admins' call)."""
    from csti.models import Membership

    both = factory.user(email="both@example.org", name="Bea", roles={people["bretagne"]: "member"})
    login(testapp_en, "anim@example.org")
    assert testapp_en.get(f"/members/{both.id}/sanction", expect_errors=True).status_int == 403
    db.session.rollback()
    db.session.add(Membership(user_id=both.id, territory_id=people["occitanie"].id, role="member"))
    db.session.commit()  # as the roles page would do
    refused = testapp_en.get(f"/members/{both.id}/sanction", expect_errors=True)
    assert refused.status_int == 403 and "administrators" in refused.text
    assert f"/members/{both.id}/sanction" not in testapp_en.get(f"/members/{both.id}").text
    token = _sanction_form(testapp_en, people["member"].id)["csrf_token"].value
    for kind in ("suspend", "hide"):
        response = testapp_en.post(f"/members/{both.id}/sanction", {
            "csrf_token": token, "kind": kind, "duration": "7", "reason": "Non"}, expect_errors=True)
        assert response.status_int == 403
    assert _count(db, AccountSanction) == 0
    # An admin may.
    login(testapp_en, "admin@example.org")
    form = _sanction_form(testapp_en, both.id)
    form["kind"], form["duration"], form["reason"] = "suspend", "7", "Spam"
    assert form.submit().status_int == 303
    assert _count(db, AccountSanction) == 1


def test_hidden_content_saved_again_by_its_author_goes_to_the_queue(testapp_en, db, factory, people,
                                                                    make_actor):
    member = people["member"]  # a contributor: publishes without review
    item = _article(db, people["occitanie"], member, "Article caché")
    structure = make_actor(people["occitanie"], title="Fablab proposé", author=member)
    login(testapp_en, "anim@example.org")
    form = _sanction_form(testapp_en, member.id)
    form["kind"], form["reason"] = "hide", "Contenus hors sujet"
    form.submit().follow()
    db.session.rollback()
    assert (db.session.get(Article, item.id).status, db.session.get(Article, item.id).queued_because) == (
        "archived", "sanction")
    from csti.models.actors import Actor

    assert db.session.get(Actor, structure.id).status == "published"  # a structure is its team's
    assert db.session.scalar(select(AccountSanction)).hidden_content == [item.id]
    # The member (hidden content only: may log in) edits it: it waits for the animators.
    testapp_en.reset()
    login(testapp_en, "member@example.org")
    edit = testapp_en.get(f"/article/{item.id}/edit").forms["article-form"]
    edit["body"] = "Je le remets"
    (edit.submit("action", value="publish") if "action" in edit.fields else edit.submit()).follow()
    db.session.rollback()
    assert (db.session.get(Article, item.id).status, db.session.get(Article, item.id).queued_because) == (
        "pending", "sanction")
    testapp_en.reset()
    login(testapp_en, "anim@example.org")
    row = testapp_en.get("/moderation").html.find("a", string="Article caché").find_parent("tr")
    assert "hidden by a sanction" in row.text


def test_a_published_post_edited_to_add_links_goes_back_to_the_queue(testapp_en, db, people):
    login(testapp_en, "member@example.org")  # a new contributor
    _post(testapp_en, people["occitanie"], "Propre", "Du texte")
    assert tuple(_status(db, "Propre")) == ("published", "")
    item_id = db.session.scalar(select(Article.id).where(Article.title == "Propre"))

    def edit(body):
        form = testapp_en.get(f"/article/{item_id}/edit").forms["article-form"]
        form["body"] = body
        assert (form.submit("action", value="publish") if "action" in form.fields else form.submit()).status_int == 303

    edit("Du texte corrigé")  # no link: stays published
    assert tuple(_status(db, "Propre")) == ("published", "")
    edit("Voyez https://spam.example")
    assert tuple(_status(db, "Propre")) == ("pending", "links")
