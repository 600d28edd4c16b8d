"""My feed (/me/feed): the published items from the people, structures and tags a member
follows, once each, newest first, with why; kind filter, pagination, htmx fragment; the welcome
page after the e-mail confirmation; the logged-in home's blocks."""
import re
from datetime import timedelta

import pytest

from csti.blueprints.events.schedule import cancel, register, schedule
from csti.models import Article, Dossier, Event, Project, Registration
from csti.models.base import utcnow
from csti.models.follows import Follow
from csti.models.tags import Tag
from tests.events.helpers import in_days
from tests.test_query_counts import QueryCounter

HTMX = {"HX-Request": "true"}


def _item(db, model, territory, author, title, *, status="published", when=None, tags=(), owners=(), **fields):
    item = model(title=title, territory=territory, author=author, summary=f"Résumé : {title}", **fields)
    for tag in tags:
        item.add_tag(tag)
    item.owners = list(owners)
    if status == "published":
        item.publish()
        if when is not None:
            item.published_at = when
    else:
        item.status = status
    db.session.add(item)
    db.session.commit()
    return item


def _follow(db, user, target):
    column = {"User": "followed_user_id", "Tag": "tag_id"}.get(type(target).__name__, "content_id")
    db.session.add(Follow(follower_id=user.id, **{column: target.id}))
    db.session.commit()


def _titles(page):
    return [a.get_text(strip=True) for a in page.html.select("#results .card h3 a")]


@pytest.fixture
def world(db, factory, make_actor):
    """Reader follows Camille (a person), La Casemate (a structure) and #robotique (a tag)."""
    territory = factory.territory(slug="isere", name="Isère")
    reader = factory.user(email="reader@example.org", name="Lecteur", roles={territory: "member"})
    camille = factory.user(email="camille@example.org", name="Camille Martin", roles={territory: "contributor"})
    other = factory.user(email="other@example.org", name="Quelqu’un d’autre", roles={territory: "contributor"})
    casemate = make_actor(territory, "La Casemate", kind="fablab")
    elsewhere = make_actor(territory, "Autre lieu", kind="fablab")
    now = utcnow()
    ago = lambda hours: now - timedelta(hours=hours)  # noqa: E731
    items = {
        "by person": _item(db, Article, territory, camille, "Article de Camille", when=ago(5)),
        "by structure": _item(db, Article, territory, other, "Nouvelles de la Casemate", when=ago(4),
                              owners=[casemate]),
        "by tag": _item(db, Project, territory, other, "Projet robotique", when=ago(3), tags=["robotique"],
                        stage="in_progress"),
        # person + structure + tag at once: listed once, the three reasons said
        "all three": _item(db, Article, territory, camille, "Tout à la fois", when=ago(1), tags=["robotique"],
                           owners=[casemate]),
        "draft": _item(db, Article, territory, camille, "Brouillon de Camille", status="draft"),
        "pending": _item(db, Article, territory, camille, "Camille en attente", status="pending"),
        "unfollowed": _item(db, Article, territory, other, "Sans rapport", when=ago(2), tags=["cuisine"],
                            owners=[elsewhere]),
        "mine": _item(db, Article, territory, reader, "Mon article", when=ago(1), tags=["robotique"]),
    }
    private = Dossier(title="Dossier privé de Camille", territory=territory, author=camille, is_private=True,
                      summary="Privé")
    private.add_tag("robotique")
    db.session.add(private)
    db.session.commit()
    items["private dossier"] = private
    _follow(db, reader, camille)
    _follow(db, reader, casemate)
    _follow(db, reader, db.session.query(Tag).filter_by(slug="robotique").one())
    return {"territory": territory, "reader": reader, "camille": camille, "other": other, "casemate": casemate,
            "items": items}


def test_feed_lists_what_the_member_follows_once_newest_first(testapp_en, world, log_in):
    log_in(testapp_en, world["reader"])
    page = testapp_en.get("/me/feed")
    assert page.html.find("h1").get_text(strip=True) == "My feed"
    assert _titles(page) == ["Tout à la fois", "Projet robotique", "Nouvelles de la Casemate", "Article de Camille"]
    text = page.text
    for absent in ("Brouillon de Camille", "Camille en attente", "Sans rapport", "Mon article",
                   "Dossier privé de Camille"):
        assert absent not in text
    cards = page.html.select("#results .card")
    reasons = [card.select_one(".feed-reason").get_text(" ", strip=True) for card in cards]
    assert reasons[0].startswith("Because you follow")
    assert "Camille Martin" in reasons[0] and "La Casemate" in reasons[0] and "#robotique" in reasons[0]
    assert "#robotique" in reasons[1] and "Camille" not in reasons[1]
    assert "La Casemate" in reasons[2]
    assert "Camille Martin" in reasons[3]
    links = {a.get_text(strip=True): a["href"] for a in cards[0].select(".feed-reason a")}
    assert links["#robotique"] == "/tags/robotique"
    assert links["Camille Martin"] == f"/members/{world['camille'].id}"
    assert links["La Casemate"].startswith(f"/actor/{world['casemate'].id}-")


def test_unfollowing_removes_the_items(testapp_en, db, world, log_in):
    db.session.query(Follow).filter(Follow.tag_id.is_not(None)).delete()
    db.session.commit()
    log_in(testapp_en, world["reader"])
    assert _titles(testapp_en.get("/me/feed")) == ["Tout à la fois", "Nouvelles de la Casemate", "Article de Camille"]


def test_a_public_dossier_shows_an_unpublished_one_does_not(testapp_en, db, world, log_in):
    dossier = world["items"]["private dossier"]
    dossier.is_private = False
    dossier.publish()
    db.session.commit()
    log_in(testapp_en, world["reader"])
    assert "Dossier privé de Camille" in _titles(testapp_en.get("/me/feed"))


def test_kind_filter_and_htmx_fragment(testapp_en, world, log_in):
    log_in(testapp_en, world["reader"])
    page = testapp_en.get("/me/feed?kind=project")
    assert _titles(page) == ["Projet robotique"]
    assert page.html.select_one("#feed-kind-project").has_attr("checked")
    fragment = testapp_en.get("/me/feed?kind=article&kind=project", headers=HTMX)
    assert "<html" not in fragment.text and "<h1" not in fragment.text
    assert len(re.findall(r'class="card ', fragment.text)) == 4
    assert "HX-Request" in fragment.headers["Vary"]
    # an unknown kind is ignored: everything
    assert len(_titles(testapp_en.get("/me/feed?kind=nope"))) == 4
    # the form works without JavaScript: a GET form with the kinds as checkboxes
    form = testapp_en.get("/me/feed").forms["feed-filters"]
    assert form.method.lower() == "get"
    checkboxes = form.fields["kind"]
    for box in checkboxes:
        box.checked = box._value == "project"
    assert _titles(form.submit()) == ["Projet robotique"]


def test_pagination(testapp_en, db, world, log_in):
    camille, territory = world["camille"], world["territory"]
    base = utcnow() - timedelta(days=10)
    for n in range(22):
        _item(db, Article, territory, camille, f"Série {n:02d}", when=base - timedelta(minutes=n))
    log_in(testapp_en, world["reader"])
    first = testapp_en.get("/me/feed")
    assert len(_titles(first)) == 20 and "26 items" in first.text
    assert first.html.select_one('a[rel="next"]')["href"] == "/me/feed?page=2"
    second = testapp_en.get("/me/feed?page=2")
    assert _titles(second) == [f"Série {n}" for n in range(16, 22)]
    assert testapp_en.get("/me/feed?page=2&kind=project").html.select_one("#results .card") is None


def test_feed_needs_a_login(testapp_en):
    response = testapp_en.get("/me/feed")
    assert response.status_int == 302 and "/login" in response.location


def test_empty_feed_explains_following(testapp_en, factory, log_in):
    user = factory.user(email="new@example.org", name="Nouveau")
    log_in(testapp_en, user)
    page = testapp_en.get("/me/feed")
    empty = page.html.select_one(".feed-empty")
    assert empty is not None and "Follow" in empty.text
    hrefs = [a["href"] for a in empty.select("a")]
    assert "/tags" in hrefs and "/actors" in hrefs and "/welcome" in hrefs


def test_feed_queries_do_not_grow(app, testapp_en, db, world, log_in, monkeypatch):
    monkeypatch.setitem(app.config, "DATA_CACHE", False)  # every statement counted (csti/datacache.py)
    log_in(testapp_en, world["reader"])
    counter = QueryCounter(db.engine)
    before = counter.measure(testapp_en, "/me/feed", {})
    before_home = counter.measure(testapp_en, "/", {})
    camille, territory, casemate = world["camille"], world["territory"], world["casemate"]
    for n in range(6):
        _item(db, Article, territory, camille, f"Encore {n}", tags=["robotique"], owners=[casemate])
        _item(db, Project, territory, world["other"], f"Projet {n}", tags=["robotique"], stage="idea")
    assert len(_titles(testapp_en.get("/me/feed"))) == 16
    assert counter.measure(testapp_en, "/me/feed", {}) == before
    assert counter.measure(testapp_en, "/", {}) == before_home


# --- the welcome page ---------------------------------------------------------------------------
def _link(message):
    return re.search(r"http://localhost(/confirm/\S+)", message.body).group(1)


def test_confirming_leads_to_the_welcome_page(testapp_en, db, mails, factory, make_actor):
    territory = factory.territory(slug="isere", name="Isère")
    make_actor(territory, "La Casemate", tags=["robotique"])
    form = testapp_en.get("/register").forms["register-form"]
    form["name"], form["email"] = "Alice", "alice@example.org"
    form["password"] = form["confirm"] = "une phrase assez longue"
    form["territory"] = str(territory.id)
    form.submit()
    response = testapp_en.get(_link(mails[-1]))
    assert response.status_int == 303 and response.location.endswith("/welcome")
    page = response.follow()
    assert "Welcome, Alice!" in page.text
    assert "Isère" in page.html.select_one("#welcome-territories").find_parent("section").text
    assert "your territory" in page.text


def test_welcome_suggests_with_follow_buttons_that_work_without_javascript(testapp_en, db, factory, make_actor,
                                                                          log_in):
    near = factory.territory(slug="isere", name="Isère")
    far = factory.territory(slug="bretagne", name="Bretagne")
    user = factory.user(email="alice@example.org", name="Alice", roles={near: "member"})
    fan = factory.user(email="fan@example.org", name="Fan")
    popular_far = make_actor(far, "Très suivie", tags=["robotique"])
    _follow(db, fan, popular_far)
    local = make_actor(near, "Locale", tags=["robotique", "astronomie"])
    make_actor(near, "Brouillon", status="draft")
    log_in(testapp_en, user)
    page = testapp_en.get("/welcome")
    structures = page.html.select_one("#welcome-structures").find_parent("section")
    names = [a.get_text(strip=True) for a in structures.select(".welcome-item > div > a")]
    assert names == ["Locale", "Très suivie"]  # the member's territory first
    assert "Brouillon" not in page.text
    assert "1 follower" in structures.text
    tags = page.html.select_one("#welcome-tags").find_parent("section")
    assert [a.get_text(strip=True) for a in tags.select(".welcome-item > a")] == ["#robotique", "#astronomie"]
    for link in ("/account", "/me/feed", "/agenda"):
        assert page.html.select_one(f'.welcome-next a[href="{link}"]') is not None
    # without JavaScript: the button's form posts, then back to the welcome page
    form = page.forms[f"follow-content-{local.id}"]
    assert form.action == f"/follow/content/{local.id}"
    response = form.submit()  # no Referer: the form's own "next" brings the member back
    assert response.status_int == 303 and response.location.endswith("/welcome"), response.text[:500]
    db.session.rollback()
    assert db.session.query(Follow).filter_by(follower_id=user.id, content_id=local.id).count() == 1
    tag_form = testapp_en.get("/welcome").forms["follow-tag-robotique"]
    response = tag_form.submit(headers={"Referer": "http://localhost/welcome"})
    assert response.status_int == 303 and response.location.endswith("/welcome")
    page = response.follow()
    assert "Locale" not in [a.get_text(strip=True) for a in page.html.select("#welcome-structures ~ ul a")]
    assert "follow-tag-robotique" not in page.text  # followed: no longer suggested


def test_welcome_follow_button_with_htmx(testapp_en, db, factory, make_actor, log_in):
    from tests.conftest import csrf_headers

    territory = factory.territory()
    user = factory.user(email="alice@example.org", name="Alice")
    make_actor(territory, "Locale", tags=["robotique"])
    log_in(testapp_en, user)
    page = testapp_en.get("/welcome")
    response = testapp_en.post("/follow/tag/robotique", {"follow": "1"}, headers=csrf_headers(page))
    assert 'aria-pressed="true"' in response.text and "<html" not in response.text


def test_welcome_needs_a_login(testapp_en):
    assert "/login" in testapp_en.get("/welcome").location


def test_welcome_queries_are_few(testapp_en, db, factory, make_actor, log_in):
    territory = factory.territory()
    user = factory.user(email="alice@example.org", name="Alice", roles={territory: "member"})
    log_in(testapp_en, user)
    for n in range(2):
        make_actor(territory, f"Structure {n}", tags=[f"theme-{n}"])
    counter = QueryCounter(db.engine)
    before = counter.measure(testapp_en, "/welcome", {})
    for n in range(2, 8):
        make_actor(territory, f"Structure {n}", tags=[f"theme-{n}"])
    assert counter.measure(testapp_en, "/welcome", {}) == before
    assert before <= 15


# --- the logged-in home ---------------------------------------------------------------------------
def _event(db, territory, title, start, *, hours=2, **fields):
    event = Event(title=title, event_kind="talk", territory=territory, registration_mode="site", **fields)
    schedule(event, start, start + timedelta(hours=hours))
    event.publish()
    db.session.add(event)
    db.session.commit()
    return event


def test_logged_in_home_shows_the_feed_and_next_registrations(testapp_en, db, world, log_in):
    reader, territory = world["reader"], world["territory"]
    soon = _event(db, territory, "Atelier bientôt", in_days(3, 14, 30), venue_name="La Casemate", commune="Grenoble")
    later = _event(db, territory, "Conférence plus tard", in_days(9), capacity=1)
    past = _event(db, territory, "Atelier passé", in_days(-3))
    dropped = _event(db, territory, "Inscription annulée", in_days(5))
    someone = world["other"]
    register(later, someone)
    for event in (soon, later, dropped):
        register(event, reader)
    db.session.add(Registration(event_id=past.id, user_id=reader.id, status="confirmed"))
    cancel(db.session.query(Registration).filter_by(event_id=dropped.id, user_id=reader.id).one())
    db.session.commit()
    log_in(testapp_en, reader)
    home = testapp_en.get("/")
    feed = home.html.select_one(".member-feed")
    assert [a.get_text(strip=True) for a in feed.select(".card h3 a")] == [
        "Tout à la fois", "Projet robotique", "Nouvelles de la Casemate", "Article de Camille"]
    assert feed.select_one('a[href="/me/feed"]') is not None
    assert feed.select_one(".feed-reason") is not None
    registrations = home.html.select_one(".member-registrations")
    rows = registrations.select("li")
    assert [li.a.get_text(strip=True) for li in rows] == ["Atelier bientôt", "Conférence plus tard"]
    assert "2:30\u202fPM" in rows[0].text and "2:30:00" not in rows[0].text
    assert "La Casemate, Grenoble" in rows[0].text and "registered" in rows[0].text
    assert "waiting list" in rows[1].text
    assert rows[0].a["href"] == f"/event/{soon.id}-{soon.slug}"
    # The member blocks come before the public sections.
    assert home.text.index("member-feed") < home.text.index('id="territories-title"')


def test_logged_in_home_without_follows_or_registrations(testapp_en, factory, log_in):
    log_in(testapp_en, factory.user(email="new@example.org", name="Nouveau"))
    home = testapp_en.get("/")
    assert home.html.select_one(".member-feed .feed-empty") is not None
    assert home.html.select_one('.member-registrations a[href="/agenda"]') is not None


def test_anonymous_home_unchanged_and_cached(app, db, database_url, world, log_in):
    from webtest import TestApp

    from csti import create_app
    from csti.extensions import db as _db
    from tests.conftest import isolated

    cached = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 1,
                                 "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    entries = cached.extensions["csti_page_cache"].entries
    try:
        anonymous = TestApp(isolated(cached), extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
        first = anonymous.get("/")
        assert "member-feed" not in first.text and "My feed" not in first.text
        assert len(entries) == 1
        member = TestApp(isolated(cached), extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
        log_in(member, world["reader"])
        mine = member.get("/")
        assert "member-feed" in mine.text and "Tout à la fois" in mine.text
        assert len(entries) == 1  # the member's page is not stored
        again = anonymous.get("/")
        assert "member-feed" not in again.text and "Lecteur" not in again.text
    finally:
        with cached.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_nav_links_to_my_feed(testapp_en, factory, log_in):
    log_in(testapp_en, factory.user(email="new@example.org", name="Nouveau"))
    page = testapp_en.get("/me/feed")
    link = page.html.select_one('header a[href="/me/feed"]')
    assert link is not None and link.get("aria-current") == "page"
    assert testapp_en.get("/").html.select_one('header a[href="/me/feed"]').get("aria-current") is None


def test_the_empty_feed_links_to_me_follows_only_when_served(app, database_url):
    from csti import create_app
    from csti.blueprints.myfeed.routes import follows_url
    from csti.extensions import db as _db

    with app.test_request_context("/me/feed"):
        served = "/me/follows" in [rule.rule for rule in app.url_map.iter_rules()]
        assert follows_url() == ("/me/follows" if served else None)
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_DIR": app.config["SEARCH_DIR"],
                                "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    if not served:
        other.add_url_rule("/me/follows", "follows_page_for_test", lambda: "")
    try:
        with other.test_request_context("/me/feed"):
            assert follows_url() == "/me/follows"
    finally:
        with other.app_context():
            _db.engine.dispose()


def test_welcome_offers_to_join_the_other_territories(testapp_en, db, factory, log_in):
    from csti.models import Membership

    near = factory.territory(slug="isere", name="Isère")
    far = factory.territory(slug="bretagne", name="Bretagne")
    user = factory.user(roles={near: "member"})
    log_in(testapp_en, user)
    page = testapp_en.get("/welcome")
    section = page.html.select_one("#welcome-territories").find_parent("section")
    assert section.select_one(f"#membership-{near.id}") is None  # already a member
    form = page.forms[[k for k in page.forms if page.forms[k].action == "/t/bretagne/join"][0]]
    response = form.submit()  # without JavaScript: back to the welcome page
    assert response.status_int == 303 and response.location.endswith("/welcome")
    db.session.rollback()
    assert db.session.query(Membership).filter_by(user_id=user.id, territory_id=far.id).count() == 1


def test_the_feed_read_among_the_newest_items_is_the_whole_feeds_head(app, db, world, monkeypatch):
    """``latest`` and ``feed_page`` look among the RECENT_WINDOW newest items first (a walk, with
    EXISTS tests) and read the whole feed only when the window does not fill the page: the same
    items, in the same order, with the same total, whatever the window."""
    from csti.blueprints.myfeed import domain

    from ..statements import statements

    territory, casemate = world["territory"], world["casemate"]
    base = utcnow() - timedelta(days=1)
    for n in range(24):  # followed and unfollowed items interleaved, a minute apart
        if n % 3:
            _item(db, Article, territory, world["other"], f"Suivi {n:02d}", when=base - timedelta(minutes=n),
                  owners=[casemate] if n % 2 else [], tags=[] if n % 2 else ["robotique"])
        else:
            _item(db, Article, territory, world["other"], f"Ailleurs {n:02d}", when=base - timedelta(minutes=n))
    reader = world["reader"]

    def read(window):
        monkeypatch.setattr(domain, "RECENT_WINDOW", window)
        with statements(db.engine) as seen, app.test_request_context():
            found = {"latest": [i.title for i in domain.latest(reader, 5)]}
            for number in (1, 2, 4):
                page = domain.feed_page(reader, [], number, 5)
                found[number] = ([i.title for i in page.items], page.total)
        return found, any("EXISTS" in s for s in seen)

    whole, walked_whole = read(10_000)  # fewer items than that: no window, the whole feed
    small, walked_small = read(12)  # the first pages from the window, the fourth from the whole feed
    assert not walked_whole and walked_small
    assert small == whole
    assert whole["latest"] == ["Tout à la fois", "Projet robotique", "Nouvelles de la Casemate",
                               "Article de Camille", "Suivi 01"]
    assert whole[4] == (["Suivi 17", "Suivi 19", "Suivi 20", "Suivi 22", "Suivi 23"], 20)
