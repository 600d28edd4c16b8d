"""Comments, likes, reports and notifications — written once, shown on every content type."""
from sqlalchemy import func, select

from csti.models import Comment, Notification, Reaction, Report
from tests.conftest import csrf_headers, login


def _setup(factory):
    territory = factory.territory()
    author = factory.user(email="author@example.org", name="Autrice")
    reader = factory.user(email="reader@example.org", name="Lecteur")
    page = factory.page(territory=territory, author=author, title="Une page à discuter")
    return territory, author, reader, page


def _page_path(page):
    return f"/page/{page.id}-{page.slug}"


def test_comment_without_javascript_notifies_the_author(testapp_en, db, factory):
    _t, author, reader, page = _setup(factory)
    login(testapp_en, "reader@example.org")
    form = testapp_en.get(_page_path(page)).forms[f"comment-form-{page.id}"]
    form["body"] = "Très **intéressant** <script>alert(1)</script>"
    response = form.submit()
    assert response.status_int == 303 and "#comment-" in response.location
    shown = testapp_en.get(_page_path(page))
    body = shown.html.select_one(".comment-body")
    assert body.find("strong").text == "intéressant" and body.find("script") is None
    db.session.rollback()
    notification = db.session.scalar(select(Notification))
    assert notification.user_id == author.id and notification.kind == "comment"
    login(testapp_en, "author@example.org")
    assert "commented on" in testapp_en.get("/notifications").text


def test_comment_with_htmx_returns_the_discussion_fragment(testapp_en, db, factory):
    _t, _a, _r, page = _setup(factory)
    login(testapp_en, "reader@example.org")
    shown = testapp_en.get(_page_path(page))
    response = testapp_en.post(f"/content/{page.id}/comments", {"body": "Bonjour"}, headers=csrf_headers(shown))
    assert "<html" not in response.text
    assert response.html.find(id=f"discussion-{page.id}") is not None
    assert "Bonjour" in response.text and "data-autofocus" in response.text


def test_empty_comment_is_422_with_a_message(testapp_en, db, factory):
    _t, _a, _r, page = _setup(factory)
    login(testapp_en, "reader@example.org")
    shown = testapp_en.get(_page_path(page))
    response = testapp_en.post(f"/content/{page.id}/comments", {"body": "  "}, headers=csrf_headers(shown),
                               status=422)
    assert "Write something first" in response.text
    db.session.rollback()
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_replies_stay_one_level_deep(testapp_en, db, factory):
    _t, author, _r, page = _setup(factory)
    login(testapp_en, "reader@example.org")
    headers = csrf_headers(testapp_en.get(_page_path(page)))
    testapp_en.post(f"/content/{page.id}/comments", {"body": "Premier"}, headers=headers)
    db.session.rollback()
    first = db.session.scalar(select(Comment))
    testapp_en.post(f"/content/{page.id}/comments", {"body": "Réponse", "parent_id": first.id}, headers=headers)
    db.session.rollback()
    reply = db.session.scalar(select(Comment).where(Comment.body == "Réponse"))
    testapp_en.post(f"/content/{page.id}/comments", {"body": "Réponse à la réponse", "parent_id": reply.id},
                    headers=headers)
    db.session.rollback()
    deeper = db.session.scalar(select(Comment).where(Comment.body == "Réponse à la réponse"))
    assert reply.parent_id == first.id and deeper.parent_id == first.id


def test_commenting_on_unpublished_content_is_refused(testapp_en, db, factory):
    territory, author, _r, _p = _setup(factory)
    draft = factory.page(territory=territory, author=author, title="Brouillon", status="rejected")
    login(testapp_en, "author@example.org")
    headers = csrf_headers(testapp_en.get("/"))
    testapp_en.post(f"/content/{draft.id}/comments", {"body": "Hop"}, headers=headers, status=403)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_anonymous_and_unconfirmed_cannot_comment(testapp_en, db, factory):
    _t, _a, _r, page = _setup(factory)
    factory.user(email="new@example.org", confirmed=False)
    response = testapp_en.post(f"/content/{page.id}/comments", {"body": "x"}, expect_errors=True)
    assert response.status_int in (302, 400)
    login(testapp_en, "new@example.org")
    headers = csrf_headers(testapp_en.get(_page_path(page)))
    testapp_en.post(f"/content/{page.id}/comments", {"body": "x"}, headers=headers, status=403)


def test_edit_and_delete_rules(testapp_en, db, factory):
    territory, _a, _r, page = _setup(factory)
    factory.user(email="animator@example.org", roles={territory: "animator"})
    factory.user(email="other@example.org")
    login(testapp_en, "reader@example.org")
    headers = csrf_headers(testapp_en.get(_page_path(page)))
    testapp_en.post(f"/content/{page.id}/comments", {"body": "Mon avis"}, headers=headers)
    db.session.rollback()
    comment = db.session.scalar(select(Comment))
    form = testapp_en.get(f"/comments/{comment.id}/edit").forms["comment-edit-form"]
    form["body"] = "Mon avis corrigé"
    form.submit()
    db.session.rollback()
    assert db.session.get(Comment, comment.id).edited
    login(testapp_en, "other@example.org")
    testapp_en.get(f"/comments/{comment.id}/edit", status=403)
    headers = csrf_headers(testapp_en.get(_page_path(page)))
    testapp_en.post(f"/comments/{comment.id}/delete", headers=headers, status=403)
    login(testapp_en, "animator@example.org")
    headers = csrf_headers(testapp_en.get(_page_path(page)))
    testapp_en.post(f"/comments/{comment.id}/delete", headers=headers)
    db.session.rollback()
    deleted = db.session.get(Comment, comment.id)
    assert deleted.is_deleted and deleted.body == ""
    assert "Comment deleted" in testapp_en.get(_page_path(page)).text


def test_like_toggles_in_place_and_liking_twice_keeps_one(testapp_en, db, factory):
    _t, _a, _r, page = _setup(factory)
    login(testapp_en, "reader@example.org")
    headers = csrf_headers(testapp_en.get(_page_path(page)))
    first = testapp_en.post(f"/content/{page.id}/like", {"value": "1"}, headers=headers)
    assert 'aria-pressed="true"' in first.text and "1 like" in first.text and "<html" not in first.text
    testapp_en.post(f"/content/{page.id}/like", {"value": "1"}, headers=headers)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Reaction.id))) == 1
    off = testapp_en.post(f"/content/{page.id}/like", {"value": "0"}, headers=headers)
    assert 'aria-pressed="false"' in off.text and "0 likes" in off.text


def test_report_reaches_the_animators_and_not_on_own_content(testapp_en, db, factory):
    territory, _a, _r, page = _setup(factory)
    factory.user(email="animator@example.org", roles={territory: "animator"})
    login(testapp_en, "author@example.org")
    testapp_en.get(f"/content/{page.id}/report", status=400)
    login(testapp_en, "reader@example.org")
    form = testapp_en.get(f"/content/{page.id}/report").forms["report-form"]
    form["reason"] = "Informations fausses"
    assert form.submit().status_int == 303
    db.session.rollback()
    assert db.session.scalar(select(Report)).reason == "Informations fausses"
    testapp_en.get("/moderation/reports", status=403)
    login(testapp_en, "animator@example.org")
    page_reports = testapp_en.get("/moderation/reports")
    assert "Informations fausses" in page_reports.text
    [f for f in page_reports.forms.values() if "/reports/" in f.action][0].submit()
    db.session.rollback()
    assert db.session.scalar(select(Report)).status == "closed"
