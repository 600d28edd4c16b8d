"""Notifications in the header and on their page: the unread count in sight (a badge; screen
readers hear "3 unread notifications"), counted with the session's user and none for visitors,
opening the page reads them, every sentence names who did what."""
import pytest
from sqlalchemy import event, func, select

from csti.models import Notification, Project
from tests.conftest import csrf_headers

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


def _notify(db, user, project, actor, kind="comment", n=1):
    for _ in range(n):
        db.session.add(Notification(user_id=user.id, kind=kind, actor_id=actor.id, content_id=project.id))
    db.session.commit()


def _project(db, territory, author):
    project = Project(title="Capteurs citoyens", territory=territory, author=author, stage="in_progress")
    project.publish()
    db.session.add(project)
    db.session.commit()
    return project


def _link(page):
    return page.html.select_one(".user-nav li.nav-notifications a")


def test_the_header_shows_the_unread_count_and_opening_the_page_reads_them(testapp_en, db, factory, log_in):
    territory = factory.territory()
    author, camille = factory.user(), factory.user(name="Camille Martin")
    project = _project(db, territory, author)
    _notify(db, author, project, camille, n=3)
    log_in(testapp_en, author)
    home = testapp_en.get("/")
    link = _link(home)
    assert link["href"] == "/notifications"
    # Not in the folded account menu: in sight.
    assert link.find_parent("details") is None
    assert link.select_one(".badge").get_text(strip=True) == "3"
    assert link.select_one("[aria-hidden=true]").select_one(".badge") is not None
    assert link.select_one(".visually-hidden").get_text(strip=True) == "3 unread notifications"
    page = testapp_en.get("/notifications")
    # The page lists them as new this once, and the badge is gone already.
    assert len(page.html.select(".notifications li.unread")) == 3
    assert _link(page).select_one(".badge") is None
    assert _link(page).get_text(strip=True) == "Notifications" and _link(page)["aria-current"] == "page"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) == 0
    assert _link(testapp_en.get("/")).select_one(".badge") is None
    assert testapp_en.get("/notifications").html.select(".notifications li.unread") == []


def test_one_unread_notification_is_said_in_the_singular(testapp_en, db, factory, log_in):
    territory = factory.territory()
    author, camille = factory.user(), factory.user(name="Camille Martin")
    project = _project(db, territory, author)
    _notify(db, author, project, camille, n=1)
    log_in(testapp_en, author)
    link = _link(testapp_en.get("/"))
    assert link.select_one(".visually-hidden").get_text(strip=True) == "1 unread notification"


def test_the_badge_is_counted_with_the_session_s_user_and_visitors_none(testapp_en, db, factory, log_in):
    territory = factory.territory()
    author, camille = factory.user(), factory.user(name="Camille Martin")
    project = _project(db, territory, author)
    _notify(db, author, project, camille, n=2)
    statements = []

    def on_execute(conn, cursor, statement, *args):
        if "FROM notification" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        testapp_en.get("/tags")
        assert statements == []  # a visitor's page never asks
        log_in(testapp_en, author)
        statements.clear()
        page = testapp_en.get("/tags")
        assert _link(page).select_one(".badge").get_text(strip=True) == "2"
        # No statement of its own: the one that loads the member from their session counts them.
        assert len(statements) == 1 and "count(" in statements[0].lower() and "user_session" in statements[0]
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


def test_the_read_button_still_works_without_javascript(testapp_en, db, factory, log_in):
    territory = factory.territory()
    author, camille = factory.user(), factory.user(name="Camille Martin")
    project = _project(db, territory, author)
    log_in(testapp_en, author)
    page = testapp_en.get("/notifications")
    assert "Nothing new." in page.text and page.html.find("a", href="/me/follows") is not None
    _notify(db, author, project, camille, n=1)
    testapp_en.post("/notifications/read", headers={"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}, status=303)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) == 0


def test_every_kind_of_notification_names_who_did_it(testapp_en, db, factory, log_in):
    territory = factory.territory()
    author, camille, ada = factory.user(), factory.user(name="Camille Martin"), factory.user(name="Ada Animatrice")
    project = _project(db, territory, author)
    expected = {
        "comment": "Camille Martin commented on “Capteurs citoyens”.",
        "reply": "Camille Martin replied to your comment on “Capteurs citoyens”.",
        "help": "Camille Martin offers to help your project “Capteurs citoyens”.",
        "new_content": "Camille Martin published “Capteurs citoyens”.",
        "content_update": "Camille Martin posted news of “Capteurs citoyens”.",
        "dossier_item": "Camille Martin added a publication to the dossier “Capteurs citoyens”.",
        "approved": "Your publication “Capteurs citoyens” is published: Ada Animatrice approved it.",
    }
    for kind in expected:
        _notify(db, author, project, ada if kind == "approved" else camille, kind=kind)
    log_in(testapp_en, author)
    sentences = [" ".join(li.get_text().split()).split(" · ")[0]
                 for li in testapp_en.get("/notifications").html.select(".notifications li")]
    assert sorted(sentences) == sorted(expected.values())


def test_the_page_runs_as_many_queries_for_more_notifications(testapp_en, db, factory, log_in):
    from csti.models import Article

    territory = factory.territory()
    author = factory.user()
    log_in(testapp_en, author)
    counts = []
    for n in (2, 8):
        for i in range(n):
            other = factory.user()
            article = Article(title=f"Article {n}-{i}", territory=territory, author=other, article_kind="news")
            article.publish()
            db.session.add(article)
            db.session.commit()
            _notify(db, author, article, other, kind="new_content")
        statements = []
        listener = lambda *args, _s=statements: _s.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = testapp_en.get("/notifications")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(page.html.select(".notifications li")) >= n
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_an_item_one_may_no_longer_see_is_named_without_title_or_link(testapp_en, db, factory, log_in):
    """A followed dossier made private again (kept as a draft): its old notifications keep the
    sentence but neither its title nor a link that would answer 404."""
    territory = factory.territory()
    author, reader = factory.user(name="Camille Martin"), factory.user()
    project = _project(db, territory, author)
    _notify(db, reader, project, author, kind="new_content")
    project.status = "draft"
    db.session.commit()
    log_in(testapp_en, reader)
    item = testapp_en.get("/notifications").html.select_one(".notifications li")
    assert "Camille Martin published “a publication no longer available”." in " ".join(item.get_text().split())
    assert "Capteurs citoyens" not in item.text and item.select_one("a") is None
