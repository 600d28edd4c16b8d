"""Taking a published item down, written once for every content type (csti/moderation.py
``take_down``, content.take_down): its author or the animators of ITS territory unpublish,
archive or delete it; the reason — required from an animator — reaches the author by
notification and mail; a report is resolved by hiding its item. The item leaves the lists,
search, feeds, dossiers and iCal at once."""
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from csti.blueprints.dossiers import operations as dossier_ops
from csti.blueprints.events.schedule import schedule
from csti.models import Article, AuditLog, Comment, Content, Dossier, DossierItem, Event, Notification
from csti.models.base import utcnow
from csti.models.discussion import Report
from csti.search import search
from tests.conftest import login

REASON = "Contenu publicitaire hors charte."


def _article(db, territory, author, title="Zygomorphes du jardin", **fields):
    item = Article(title=title, article_kind="news", territory=territory, author=author,
                   summary=f"Résumé : {title}", body="Du *texte*.", **fields)
    item.publish()
    db.session.add(item)
    db.session.commit()
    return item


def _event(db, territory, author, title="Conférence zygomorphe"):
    event = Event(title=title, event_kind="talk", territory=territory, author=author)
    start = (utcnow() + timedelta(days=10)).replace(tzinfo=None, microsecond=0)
    schedule(event, start, start + timedelta(hours=2), False, "none", None, [], [])
    event.publish()
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def site(db, factory):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    author = factory.user(email="author@example.org", name="Aude", roles={occitanie: "contributor"}, locale="en")
    factory.user(email="anim@example.org", name="Anna", roles={occitanie: "animator"})
    factory.user(email="breton@example.org", roles={bretagne: "animator"})
    article = _article(db, occitanie, author)
    return occitanie, author, article


def _take_down(testapp, item, action, reason="", expect_errors=False):
    page = testapp.get(f"/content/{item.id}/take-down")
    form = page.forms[0] if len(page.forms) == 1 else next(f for f in page.forms.values()
                                                            if f.action in ("", f"/content/{item.id}/take-down"))
    form["action"] = action
    form["reason"] = reason
    return form.submit(expect_errors=expect_errors)


def _url(content):
    return f"/{content.kind}/{content.id}-{content.slug}"


def _status(db, model, item_id):
    db.session.rollback()
    row = db.session.get(model, item_id)
    return None if row is None else row.status


def test_the_page_offers_three_choices_and_unpublishing_tells_the_author(testapp_en, db, site, mails):
    _occitanie, author, article = site
    login(testapp_en, "anim@example.org")
    show = testapp_en.get(_url(article))
    assert show.html.find("a", href=f"/content/{article.id}/take-down") is not None
    page = testapp_en.get(f"/content/{article.id}/take-down")
    assert [i["value"] for i in page.html.select("input[name=action]")] == ["unpublish", "archive", "delete"]
    assert page.html.find("label", attrs={"for": "reason"}) is not None
    response = _take_down(testapp_en, article, "unpublish", REASON)
    assert response.status_int == 303 and response.location.endswith(_url(article))
    db.session.rollback()
    item = db.session.get(Article, article.id)
    assert (item.status, item.moderation_note) == ("draft", REASON)
    # The author is told, in the site and by mail (once: never again by the notification mails).
    note = db.session.scalars(select(Notification).where(Notification.user_id == author.id)).one()
    assert (note.kind, note.note, note.content_id) == ("taken_down", REASON, article.id)
    assert note.mailed_at is not None
    assert mails[-1].to == ["author@example.org"] and REASON in mails[-1].body
    assert "unpublished" in mails[-1].body and _url(article) in mails[-1].body
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "article.taken_down")).one()
    assert audit.details["before"] == {"status": "published"} and audit.details["after"] == {"status": "draft"}
    assert audit.details["reason"] == REASON and audit.target_id == article.id
    # Hidden from everybody else; the author and the animators still see it (a draft).
    testapp_en.reset()
    assert testapp_en.get(_url(article), expect_errors=True).status_int == 404
    login(testapp_en, "author@example.org")
    assert "Draft" in testapp_en.get(_url(article)).text
    notifications = testapp_en.get("/notifications")
    assert f"Your publication “{article.title}” was taken down by Anna: {REASON}" in \
        " ".join(notifications.html.select_one("ul.notifications").get_text().split())


def test_an_animator_must_give_a_reason(testapp_en, db, site, mails):
    _occitanie, _author, article = site
    login(testapp_en, "anim@example.org")
    response = _take_down(testapp_en, article, "delete", "   ", expect_errors=True)
    assert response.status_int == 422
    error = response.html.find(id="reason-error")
    assert error is not None and "Give a reason" in error.text
    assert response.html.find(id="reason")["aria-invalid"] == "true"
    assert _status(db, Article, article.id) == "published" and mails == []
    assert db.session.scalar(select(func.count(AuditLog.id))) == 0


def test_the_author_may_act_without_a_reason(testapp_en, db, site, mails):
    _occitanie, author, article = site
    login(testapp_en, "author@example.org")
    assert testapp_en.get(_url(article)).html.find("a", href=f"/content/{article.id}/take-down") is not None
    assert _take_down(testapp_en, article, "archive").status_int == 303
    assert _status(db, Article, article.id) == "archived"
    assert mails == [] and db.session.scalar(select(func.count(Notification.id))) == 0  # nobody to tell
    # An archived item: its page only for its author and the animators, with its badge.
    assert "Archived" in testapp_en.get(_url(article)).text
    testapp_en.reset()
    assert testapp_en.get(_url(article), expect_errors=True).status_int == 404
    # Archived, it may still be unpublished or deleted, not archived again.
    login(testapp_en, "author@example.org")
    page = testapp_en.get(f"/content/{article.id}/take-down")
    assert [i["value"] for i in page.html.select("input[name=action]")] == ["unpublish", "delete"]


def test_deleting_removes_the_row_and_what_hangs_on_it(testapp_en, db, site, factory, mails):
    occitanie, author, article = site
    reader = factory.user(email="reader@example.org", roles={occitanie: "member"})
    db.session.add(Comment(content_id=article.id, author_id=reader.id, body="Bravo"))
    dossier = Dossier(title="Mes lectures", territory=occitanie, author=reader, summary="Des lectures")
    db.session.add(dossier)
    dossier.publish()
    dossier_ops.add_item(dossier, article, reader)
    db.session.commit()
    article_id, title, dossier_id, author_id = article.id, article.title, dossier.id, author.id
    login(testapp_en, "anim@example.org")
    response = _take_down(testapp_en, article, "delete", REASON)
    assert response.status_int == 303 and response.location.endswith("/moderation")
    db.session.rollback()
    db.session.expunge_all()
    assert db.session.get(Content, article_id) is None
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(DossierItem.id))) == 0
    assert db.session.get(Dossier, dossier_id) is not None
    # The notification outlives the item: no link, the title and the reason in its note.
    note = db.session.scalars(select(Notification).where(Notification.user_id == author_id)).one()
    assert (note.kind, note.content_id) == ("taken_down", None)
    assert "deleted" in mails[-1].body and REASON in mails[-1].body and title in mails[-1].body
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "article.taken_down")).one()
    assert audit.details["after"] == {"status": None} and audit.details["title"] == title
    testapp_en.reset()
    login(testapp_en, "author@example.org")
    text = " ".join(testapp_en.get("/notifications").html.select_one("ul.notifications").get_text().split())
    assert f"Your publication “{title}” was taken down by Anna: {REASON}" in text


def test_another_territorys_animator_and_a_member_are_refused(testapp_en, db, site, factory):
    occitanie, _author, article = site
    factory.user(email="member@example.org", roles={occitanie: "member"})
    for email in ("breton@example.org", "member@example.org"):
        testapp_en.reset()
        login(testapp_en, email)
        assert testapp_en.get(_url(article)).html.find("a", href=f"/content/{article.id}/take-down") is None
        assert testapp_en.get(f"/content/{article.id}/take-down", expect_errors=True).status_int == 403
        token = testapp_en.get(_url(article)).html.find("body")["hx-headers"]
        import json

        refused = testapp_en.post(f"/content/{article.id}/take-down",
                                  {"csrf_token": json.loads(token)["X-CSRFToken"], "action": "delete",
                                   "reason": REASON}, expect_errors=True)
        assert refused.status_int == 403
        assert _status(db, Article, article.id) == "published"
    assert db.session.scalar(select(func.count(AuditLog.id))) == 0


def test_a_forged_action_is_refused(testapp_en, db, site):
    _occitanie, _author, article = site
    login(testapp_en, "anim@example.org")
    page = testapp_en.get(f"/content/{article.id}/take-down")
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    for forged in ("publish", "rejected", ""):
        response = testapp_en.post(f"/content/{article.id}/take-down",
                                   {"csrf_token": token, "action": forged, "reason": REASON}, expect_errors=True)
        assert response.status_int == 422
        assert response.html.find(id="action-error") is not None
    missing_token = testapp_en.post(f"/content/{article.id}/take-down", {"action": "delete", "reason": REASON},
                                    expect_errors=True)
    assert missing_token.status_int in (400, 422)
    assert _status(db, Article, article.id) == "published"
    # A draft is not taken down (nothing public to take down).
    db.session.get(Article, article.id).status = "draft"
    db.session.commit()
    assert testapp_en.get(f"/content/{article.id}/take-down", expect_errors=True).status_int == 409


def test_hiding_a_reported_item_closes_its_reports(testapp_en, db, site, factory, mails):
    occitanie, author, article = site
    r1, r2 = (factory.user(roles={occitanie: "member"}) for _ in range(2))
    comment = Comment(content_id=article.id, author_id=r1.id, body="Achetez !")
    db.session.add(comment)
    db.session.flush()
    db.session.add_all([Report(content_id=article.id, reporter_id=r1.id, reason="C’est de la publicité."),
                        Report(content_id=article.id, reporter_id=r2.id, reason="Spam"),
                        Report(comment_id=comment.id, reporter_id=r2.id, reason="Spam aussi")])
    other = _article(db, occitanie, author, title="Un autre article")
    db.session.add(Report(content_id=other.id, reporter_id=r1.id, reason="Bof"))
    db.session.commit()
    login(testapp_en, "anim@example.org")
    page = testapp_en.get("/moderation/reports")
    first = db.session.scalars(select(Report).order_by(Report.id)).first()
    form = next(f for f in page.forms.values() if f.action == f"/reports/{first.id}/hide")
    assert form["reason"].value == "C’est de la publicité."  # prefilled from the report
    form["reason"] = ""
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 422 and refused.html.find(id=f"hide-reason-{first.id}-error") is not None
    assert _status(db, Article, article.id) == "published"
    form = next(f for f in refused.forms.values() if f.action == f"/reports/{first.id}/hide")
    form["reason"] = REASON
    assert form.submit().status_int == 303
    assert _status(db, Article, article.id) == "draft"
    statuses = {r.content_id or r.comment_id: r.status for r in db.session.scalars(select(Report))}
    assert statuses == {article.id: "closed", comment.id: "closed", other.id: "open"}
    assert db.session.scalar(select(func.count(Report.id)).where(Report.status == "closed")) == 3
    assert REASON in mails[-1].body and mails[-1].to == ["author@example.org"]
    remaining = testapp_en.get("/moderation/reports")
    assert article.title not in remaining.text and "Un autre article" in remaining.text


def test_breton_animator_cannot_hide_through_a_report(testapp_en, db, site, factory):
    occitanie, _author, article = site
    reporter = factory.user(roles={occitanie: "member"})
    db.session.add(Report(content_id=article.id, reporter_id=reporter.id, reason="Spam"))
    db.session.commit()
    report_id = db.session.scalar(select(Report.id))
    login(testapp_en, "breton@example.org")
    page = testapp_en.get("/moderation/reports")
    assert article.title not in page.text
    token = page.html.find("body")["hx-headers"]
    import json

    response = testapp_en.post(f"/reports/{report_id}/hide", {
        "csrf_token": json.loads(token)["X-CSRFToken"], "reason": REASON}, expect_errors=True)
    assert response.status_int == 403
    assert _status(db, Article, article.id) == "published"
    assert db.session.get(Report, report_id).status == "open"


@pytest.mark.parametrize("action", ["unpublish", "archive", "delete"])
def test_it_leaves_lists_search_feeds_and_dossiers_at_once(action, testapp_en, db, site, factory):
    occitanie, author, article = site
    reader = factory.user(roles={occitanie: "member"})
    dossier = Dossier(title="Un dossier public", territory=occitanie, author=reader, summary="Des lectures")
    db.session.add(dossier)
    dossier.publish()
    dossier_ops.add_item(dossier, article, reader)
    db.session.commit()
    title = article.title
    assert title in testapp_en.get("/articles").text
    assert title in testapp_en.get("/articles.atom").text
    assert title in testapp_en.get(_url(dossier)).text
    assert title in [hit["title"] for hit in search("zygomorphes").hits]
    login(testapp_en, "anim@example.org")
    _take_down(testapp_en, article, action, REASON)
    testapp_en.reset()
    assert title not in testapp_en.get("/articles").text
    assert title not in testapp_en.get("/articles.atom").text
    assert title not in testapp_en.get("/t/occitanie").text
    assert title not in testapp_en.get(_url(dossier)).text
    assert title not in [hit["title"] for hit in search("zygomorphes").hits]
    assert title not in testapp_en.get("/search", {"q": "zygomorphes"}).text


@pytest.mark.parametrize("action", ["archive", "delete"])
def test_an_event_leaves_the_agenda_and_ical(action, testapp_en, db, site):
    occitanie, author, _published = site
    event = _event(db, occitanie, author)
    assert event.title in testapp_en.get("/agenda").text
    assert event.title in testapp_en.get("/agenda.ics").text
    login(testapp_en, "anim@example.org")
    page = testapp_en.get(_url(event))
    assert page.html.find("a", href=f"/content/{event.id}/take-down") is not None
    event_id, title = event.id, event.title
    _take_down(testapp_en, event, action, REASON)
    db.session.expunge_all()
    assert _status(db, Event, event_id) == ("archived" if action == "archive" else None)
    event = SimpleNamespace(title=title)
    testapp_en.reset()
    assert event.title not in testapp_en.get("/agenda").text
    assert event.title not in testapp_en.get("/agenda.ics").text


@pytest.fixture
def visitor(app, db, database_url):
    """An anonymous visitor of a second app on the test database, with the page cache on (off in
    the tests, see tests/test_pagecache.py)."""
    from webtest import TestApp

    from csti import create_app
    from csti.extensions import db as _db
    from tests.conftest import isolated

    cached = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 1,
                                 "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield cached, TestApp(isolated(cached), extra_environ={"REMOTE_ADDR": "127.0.0.1",
                                                           "HTTP_ACCEPT_LANGUAGE": "en"})
    with cached.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_the_page_cache_serves_no_stale_list(testapp_en, db, site, visitor):
    _occitanie, _author, article = site
    cached, anonymous = visitor
    assert article.title in anonymous.get("/articles").text
    assert len(cached.extensions["csti_page_cache"].entries) == 1  # the next visit would be served from it
    login(testapp_en, "anim@example.org")
    _take_down(testapp_en, article, "unpublish", REASON)
    assert article.title not in anonymous.get("/articles").text


def test_members_only_items_only_for_who_sees_them(testapp_en, db, site, factory):
    from csti.models import WorkingGroup

    occitanie, author, _published = site
    group = WorkingGroup(title="Groupe zygomorphe", territory=occitanie, author=author)
    group.publish()
    db.session.add(group)
    db.session.commit()
    item = _article(db, occitanie, author, title="Compte rendu réservé", group_id=group.id, members_only=True)
    login(testapp_en, "breton@example.org")
    assert testapp_en.get(f"/content/{item.id}/take-down", expect_errors=True).status_int == 404
    testapp_en.reset()
    login(testapp_en, "anim@example.org")
    assert testapp_en.get(f"/content/{item.id}/take-down").status_int == 200


def test_the_page_in_french(testapp, db, site):
    _occitanie, _author, article = site
    login(testapp, "anim@example.org")
    show = testapp.get(_url(article))
    assert show.html.find("a", href=f"/content/{article.id}/take-down").get_text(strip=True) == "Retirer"
    page = testapp.get(f"/content/{article.id}/take-down")
    assert page.html.find("html")["lang"] == "fr"
    assert "Dépublier" in page.text and "Archiver" in page.text and "Supprimer définitivement" in page.text
    form = page.forms[0] if len(page.forms) == 1 else next(
        f for f in page.forms.values() if f.action in ("", f"/content/{article.id}/take-down"))
    form["action"] = "unpublish"
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 422 and "Donnez une raison" in refused.html.find(id="reason-error").text


def test_deleting_removes_the_files_on_disk(app, testapp_en, db, site):
    from csti.blueprints.documents.operations import attach_document
    from csti.models import Document
    from tests.images import stored_cover

    _occitanie, author, article = site
    with app.test_request_context():
        article.cover_image = stored_cover()
        document = attach_document(article, b"Un compte rendu\n", "Notes", "notes.txt", author)
        db.session.commit()
        stored = Path(app.config["DOCUMENT_DIR"]) / document.stored_name
    cover = Path(app.config["UPLOAD_DIR"]) / article.cover_image
    assert cover.is_file() and stored.is_file()
    login(testapp_en, "author@example.org")
    _take_down(testapp_en, article, "delete")
    assert not cover.exists() and not stored.exists()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_an_unpublished_item_keeps_its_files(app, testapp_en, db, site):
    from tests.images import stored_cover

    _occitanie, _author, article = site
    with app.test_request_context():
        article.cover_image = stored_cover()
        db.session.commit()
    cover = Path(app.config["UPLOAD_DIR"]) / article.cover_image
    login(testapp_en, "anim@example.org")
    _take_down(testapp_en, article, "unpublish", REASON)
    assert cover.is_file()


def test_every_type_can_be_deleted_with_what_hangs_on_it(testapp_en, db, factory, mails):
    """Each listed type's sample (with its owners, tags, team, dates, items…: tests/samples.py)
    deleted by an animator: nothing refuses, the row is gone (no dangling reference)."""
    from tests.sample_site import build

    site = build(factory)
    login(testapp_en, "animatrice@example.org")
    # The museum: owner of the samples, venue of the event, in a dossier, followed, managed; the page.
    extra = {name: int(site[name].split("/")[2].split("-")[0]) for name in ("actor", "page")}
    for kind, item_id in list(extra.items()) + [(k, v[0]) for k, v in site["samples"].items()]:
        page = testapp_en.get(f"/content/{item_id}/take-down")
        form = page.forms[0] if len(page.forms) == 1 else next(
            f for f in page.forms.values() if f.action in ("", f"/content/{item_id}/take-down"))
        form["action"], form["reason"] = "delete", REASON
        assert form.submit().status_int == 303, kind
        db.session.rollback()
        db.session.expunge_all()
        assert db.session.get(Content, item_id) is None, kind


# --- what was taken down comes back only through the animators (review of issue #15) -------------
def _save_edit(testapp, item, action="publish", body="Du *texte* revu."):
    form = testapp.get(f"/article/{item.id}/edit").forms["article-form"]
    form["body"] = body
    response = form.submit("action", value=action) if "action" in form.fields else form.submit()
    assert response.status_int == 303, response.text[:500]
    return response


def _state(db, item_id):
    db.session.rollback()
    return tuple(db.session.execute(select(Content.status, Content.queued_because).where(Content.id == item_id)).one())


@pytest.mark.parametrize("action", ["archive", "unpublish"])
def test_what_an_animator_took_down_goes_to_the_queue_when_its_author_saves_it(action, testapp_en, db, site):
    _occitanie, _author, article = site  # the author is a contributor: publishes without review
    login(testapp_en, "anim@example.org")
    _take_down(testapp_en, article, action, REASON)
    assert _state(db, article.id) == ("archived" if action == "archive" else "draft", "taken_down")
    testapp_en.reset()
    login(testapp_en, "author@example.org")
    if action == "archive":
        # Not made a draft again by its author: neither from the take-down page nor by "Save as draft".
        page = testapp_en.get(f"/content/{article.id}/take-down")
        assert [i["value"] for i in page.html.select("input[name=action]")] == ["delete"]
        _save_edit(testapp_en, article, action="draft")
        assert _state(db, article.id) == ("archived", "taken_down")
    _save_edit(testapp_en, article)
    assert _state(db, article.id) == ("pending", "taken_down")
    testapp_en.reset()
    assert testapp_en.get(_url(article), expect_errors=True).status_int == 404
    # In the queue, saying why; approving it clears the mark: the next edit stays published.
    login(testapp_en, "anim@example.org")
    queue = testapp_en.get("/moderation")
    row = queue.html.find("a", string=article.title).find_parent("tr")
    assert "taken down by an animator" in row.text
    form = next(f for f in queue.forms.values() if f.action == f"/content/{article.id}/approve")
    form.submit()
    assert _state(db, article.id) == ("published", "")
    testapp_en.reset()
    login(testapp_en, "author@example.org")
    _save_edit(testapp_en, article, body="Encore revu.")
    assert _state(db, article.id) == ("published", "")


def test_the_authors_own_unpublishing_may_be_republished_directly(testapp_en, db, site):
    _occitanie, _author, article = site
    login(testapp_en, "author@example.org")
    _take_down(testapp_en, article, "unpublish")
    assert _state(db, article.id) == ("draft", "")
    _save_edit(testapp_en, article)
    assert _state(db, article.id) == ("published", "")


def test_a_structure_is_taken_down_by_its_team_not_by_its_first_proposer(testapp_en, db, site, factory, make_actor):
    occitanie, author, _article = site
    manager = factory.user(email="manager@example.org", roles={occitanie: "member"})
    actor = make_actor(occitanie, title="Fablab zygomorphe", author=author, managers=[manager])
    login(testapp_en, "author@example.org")  # proposed it, the team manages it now
    assert testapp_en.get(_url(actor)).html.find("a", href=f"/content/{actor.id}/take-down") is None
    refused = testapp_en.get(f"/content/{actor.id}/take-down", expect_errors=True)
    assert refused.status_int == 403 and "managers" in refused.text
    testapp_en.reset()
    login(testapp_en, "manager@example.org")
    assert _take_down(testapp_en, actor, "archive", REASON).status_int == 303
    assert _state(db, actor.id)[0] == "archived"


def _registrant(db, factory, event, email, status="confirmed"):
    from csti.models.events import Registration

    user = factory.user(email=email, name=email.split("@")[0], locale="en")
    db.session.add(Registration(event_id=event.id, user_id=user.id, status=status,
                                position=db.session.scalar(select(func.count(Registration.id))) + 1))
    db.session.commit()
    return user


@pytest.mark.parametrize("action", ["archive", "delete"])
def test_an_events_registrants_are_told_and_may_still_cancel(action, testapp_en, db, site, factory):
    from csti.models.events import Registration
    from csti.models.mailprefs import DEFAULTS, NONE, category_of

    occitanie, author, _published = site
    event = _event(db, occitanie, author)
    event.capacity = 1
    db.session.commit()
    first = _registrant(db, factory, event, "first@example.org")
    _registrant(db, factory, event, "second@example.org", status="waiting")
    _registrant(db, factory, event, "gone@example.org", status="cancelled")
    factory.user(email="stranger@example.org")
    event_id, title = event.id, event.title
    login(testapp_en, "anim@example.org")
    _take_down(testapp_en, event, action, REASON)
    db.session.rollback()
    notes = db.session.scalars(select(Notification).where(Notification.kind == "registration_withdrawn")).all()
    told = sorted(db.session.get(type(first), n.user_id).email for n in notes)
    assert told == ["first@example.org", "second@example.org"]
    assert {(n.content_id, n.note) for n in notes} == {(None, title)}
    # Mailed by default (the registrations' category), with the title.
    assert DEFAULTS[category_of("registration_withdrawn")] != NONE
    testapp_en.reset()
    login(testapp_en, "first@example.org")
    text = " ".join(testapp_en.get("/notifications").html.select_one("ul.notifications").get_text().split())
    assert f"The event “{title}” you registered for was withdrawn by Anna." in text
    mine = testapp_en.get("/me/registrations")
    if action == "delete":
        assert title not in mine.text  # the registrations went with it
        return
    item = mine.html.find(string=lambda s: s and title in s).find_parent("li")
    assert item.find("a", href=lambda h: h and f"/event/{event_id}" in h) is None
    assert "withdrawn by the organisers" in item.text
    assert testapp_en.get(f"/event/{event_id}-x", expect_errors=True).status_int == 404
    done = mine.forms[[k for k, f in mine.forms.items() if f.action == f"/event/{event_id}/cancel"][0]].submit()
    assert done.status_int == 303 and done.location.endswith("/me/registrations")
    db.session.rollback()
    statuses = dict(db.session.execute(select(Registration.user_id, Registration.status)).all())
    assert statuses[first.id] == "cancelled"
    assert sorted(statuses.values()).count("waiting") == 1  # nobody promoted to a withdrawn event
    # A stranger still gets a 404 there.
    testapp_en.reset()
    login(testapp_en, "stranger@example.org")
    token = testapp_en.get("/account").html.find("input", attrs={"name": "csrf_token"})["value"]
    assert testapp_en.post(f"/event/{event_id}/cancel", {"csrf_token": token}, expect_errors=True).status_int == 404
