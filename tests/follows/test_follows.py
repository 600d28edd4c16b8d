"""Following: the button on every followable page (structures, projects, dossiers, members,
tags), with and without htmx, logged out, and "What I follow" with its "Unfollow" rows."""
import pytest
from sqlalchemy import func, select

from csti.models import Dossier, Follow, Project, Tag
from tests.conftest import csrf_headers

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


@pytest.fixture
def site(db, factory, make_actor):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(name="Camille Martin", roles={territory: "contributor"})
    actor = make_actor(territory, "Muséum de Toulouse", tags=["astronomie"])
    project = Project(title="Capteurs citoyens", territory=territory, author=author, stage="in_progress")
    project.add_tag("astronomie")
    dossier = Dossier(title="Le ciel en famille", territory=territory, author=author)
    for item in (project, dossier):
        item.publish()
        db.session.add(item)
    db.session.commit()
    tag = db.session.scalar(select(Tag).where(Tag.slug == "astronomie"))
    return {"territory": territory, "author": author, "actor": actor, "project": project, "dossier": dossier,
            "tag": tag}


def url(item):
    return f"/{item.kind}/{item.id}-{item.slug}"


def _targets(site):
    """(page path, form id, follow column, target id) of every followable page."""
    return [
        (url(site["actor"]), f"follow-content-{site['actor'].id}", Follow.content_id, site["actor"].id),
        (url(site["project"]), f"follow-content-{site['project'].id}", Follow.content_id, site["project"].id),
        (url(site["dossier"]), f"follow-content-{site['dossier'].id}", Follow.content_id, site["dossier"].id),
        (f"/tags/{site['tag'].slug}", f"follow-tag-{site['tag'].slug}", Follow.tag_id, site["tag"].id),
        (f"/members/{site['author'].id}", f"follow-user-{site['author'].id}", Follow.followed_user_id,
         site["author"].id),
    ]


def _follows(db, user, column=None, target_id=None):
    db.session.rollback()
    stmt = select(func.count(Follow.id)).where(Follow.follower_id == user.id)
    if column is not None:
        stmt = stmt.where(column == target_id)
    return db.session.scalar(stmt)


@pytest.mark.parametrize("index", range(5))
def test_every_followable_page_has_the_button_without_javascript(testapp_en, db, factory, log_in, site, index):
    path, form_id, column, target_id = _targets(site)[index]
    reader = factory.user(name="Léa Reader")
    log_in(testapp_en, reader)
    page = testapp_en.get(path)
    form = page.forms[form_id]
    assert page.html.find(id=form_id).find("button")["aria-pressed"] == "false"
    assert "0 followers" in page.html.find(id=form_id).get_text(" ", strip=True)
    # A plain POST form: back to the page, now "Following", counted.
    back = form.submit(headers={"Referer": path}, status=303)
    assert back.headers["Location"].endswith(path)
    page = back.follow()
    button = page.html.find(id=form_id).find("button")
    assert button["aria-pressed"] == "true" and button.get_text(strip=True) == "Following"
    assert "1 follower" in page.html.find(id=form_id).get_text(" ", strip=True)
    assert _follows(db, reader, column, target_id) == 1
    # Again: unfollows.
    page.forms[form_id].submit(headers={"Referer": path}, status=303)
    assert _follows(db, reader, column, target_id) == 0


def test_htmx_swaps_the_button(testapp_en, db, factory, log_in, site):
    reader = factory.user()
    log_in(testapp_en, reader)
    project = site["project"]
    page = testapp_en.get(url(project))
    swapped = testapp_en.post(f"/follow/content/{project.id}", {"follow": "1"}, headers=csrf_headers(page))
    assert swapped.text.lstrip().startswith("<form") and "<html" not in swapped.text
    assert 'aria-pressed="true"' in swapped.text
    assert _follows(db, reader) == 1
    swapped = testapp_en.post(f"/follow/content/{project.id}", {"follow": "0"}, headers=csrf_headers(page))
    assert 'aria-pressed="false"' in swapped.text and _follows(db, reader) == 0


def test_logged_out_visitors_are_led_to_log_in_and_back(testapp_en, site):
    for path, form_id, _column, _id in _targets(site):
        page = testapp_en.get(path)
        link = page.html.find(id=form_id).find("a")
        assert link["href"] == f"/login?next={path}", path


def test_the_button_is_only_on_followable_published_content(testapp_en, db, factory, log_in, site):
    from csti.models import Article

    article = Article(title="Un article", territory=site["territory"], author=site["author"], article_kind="news")
    article.publish()
    draft = Project(title="Brouillon", territory=site["territory"], author=site["author"], status="draft")
    db.session.add_all([article, draft])
    db.session.commit()
    assert testapp_en.get(url(article)).html.select(".follow-form") == []
    log_in(testapp_en, site["author"])
    assert testapp_en.get(url(draft)).html.select(".follow-form") == []


def test_what_i_follow_lists_each_section_and_unfollows(testapp_en, db, factory, log_in, site):
    from csti.blueprints.follows.operations import follow

    reader = factory.user()
    for target in (site["author"], site["actor"], site["tag"], site["project"], site["dossier"]):
        follow(reader, target)
    db.session.commit()
    log_in(testapp_en, reader)
    page = testapp_en.get("/me/follows")
    sections = {s.h2["id"]: [a.get_text(strip=True) for a in s.select("li > a")] for s in page.html.select("section")}
    assert sections == {"follows-people": ["Camille Martin"], "follows-structures": ["Muséum de Toulouse"],
                        "follows-tags": ["#astronomie"],
                        "follows-contents": ["Le ciel en famille", "Capteurs citoyens"]}
    # Without JavaScript: the form comes back to the list, the row is gone.
    unfollow = next(f for f in page.forms.values() if f.action == f"/follow/tag/{site['tag'].slug}")
    assert unfollow["follow"].value == "0"
    after = unfollow.submit(status=303)
    assert after.headers["Location"].endswith("/me/follows")
    assert "#astronomie" not in after.follow().html.find(id="follows-tags").parent.get_text()
    assert _follows(db, reader, Follow.tag_id, site["tag"].id) == 0
    # With htmx: an empty row (removed) and the live region told.
    answer = testapp_en.post(f"/follow/user/{site['author'].id}", {"follow": "0", "row": "1"},
                             headers=csrf_headers(page))
    assert "<li" not in answer.text and 'hx-swap-oob="beforeend:#live-messages"' in answer.text
    assert "You no longer follow Camille Martin." in answer.text
    assert _follows(db, reader, Follow.followed_user_id, site["author"].id) == 0
    assert _follows(db, reader) == 3


def test_what_i_follow_empty_states_and_login(testapp_en, db, factory, log_in):
    assert "/login" in testapp_en.get("/me/follows", status=302).headers["Location"]
    log_in(testapp_en, factory.user())
    page = testapp_en.get("/me/follows")
    empties = page.html.select("p.empty")
    assert len(empties) == 4
    links = {a["href"] for p in empties for a in p.select("a")}
    assert {"/actors", "/tags", "/projects", "/dossiers"} <= links
    assert page.html.find("a", href="/me/follows") is not None  # in the account menu


def test_a_private_dossier_one_followed_is_not_listed_to_others(testapp_en, db, factory, log_in, site):
    from csti.blueprints.dossiers.operations import set_visibility
    from csti.blueprints.follows.operations import follow

    reader = factory.user()
    follow(reader, site["dossier"])
    db.session.commit()
    set_visibility(site["dossier"], True, site["author"])
    db.session.commit()
    log_in(testapp_en, reader)
    page = testapp_en.get("/me/follows")
    assert "Le ciel en famille" not in page.text


def test_what_i_follow_runs_as_many_queries_for_more_rows(testapp_en, db, factory, log_in, make_actor, site):
    from sqlalchemy import event

    from csti.blueprints.follows.operations import follow
    from csti.models import Article

    reader = factory.user()
    log_in(testapp_en, reader)
    counts = []
    for n in (1, 4):
        for i in range(n):
            person = factory.user()
            article = Article(title=f"Article {n}-{i}", territory=site["territory"], author=person,
                              article_kind="news")
            article.add_tag(f"theme-{n}-{i}")
            article.publish()
            db.session.add(article)
            db.session.commit()
            for target in (person, make_actor(site["territory"]), article.tags[0], article):
                follow(reader, target)
            db.session.commit()
        statements = []
        listener = lambda *args, _s=statements: _s.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = testapp_en.get("/me/follows")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(page.html.select(".follows-list li")) == 4 * (n + (1 if n == 4 else 0))
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
