"""Home pages: featured content set by animators, upcoming events, latest articles, new structures."""
from datetime import datetime, timedelta

from csti.blueprints.events.schedule import schedule
from csti.models import Actor, Article, Event
from tests.conftest import csrf_headers, login
from tests.statements import statements


def _publish(db, item):
    item.publish()
    db.session.add(item)
    db.session.commit()
    return item


def test_territory_home_shows_each_section(testapp_en, db, factory):
    territory = factory.territory(slug="bzh", name="Bretagne")
    other = factory.territory(slug="occ", name="Occitanie")
    _publish(db, Article(title="Actu bretonne", territory=territory, body="x"))
    _publish(db, Article(title="Actu occitane", territory=other, body="x"))
    _publish(db, Actor(title="Fablab breton", territory=territory))
    event = Event(title="Conférence à Brest", territory=territory)
    start = datetime.now() + timedelta(days=3)
    schedule(event, start, start + timedelta(hours=2))
    _publish(db, event)
    page = testapp_en.get("/t/bzh")
    for title in ("Actu bretonne", "Fablab breton", "Conférence à Brest"):
        assert title in page.text
    assert "Actu occitane" not in page.text
    home = testapp_en.get("/")
    assert "Actu bretonne" in home.text and "Actu occitane" in home.text


def test_animator_features_content_in_order(testapp_en, db, factory):
    territory = factory.territory(slug="bzh")
    factory.user(email="animator@example.org", roles={territory: "animator"})
    factory.user(email="member@example.org", roles={territory: "member"})
    first = _publish(db, Article(title="Premier à la une", territory=territory, body="x"))
    second = _publish(db, Article(title="Second à la une", territory=territory, body="x"))
    login(testapp_en, "member@example.org")
    headers = csrf_headers(testapp_en.get(f"/article/{first.id}").follow())
    testapp_en.post(f"/content/{first.id}/feature", {"rank": "1"}, headers=headers, status=403)
    login(testapp_en, "animator@example.org")
    headers = csrf_headers(testapp_en.get(f"/article/{first.id}").follow())
    fragment = testapp_en.post(f"/content/{second.id}/feature", {"rank": "1"}, headers=headers)
    assert "<html" not in fragment.text and "Saved" in fragment.text
    testapp_en.post(f"/content/{first.id}/feature", {"rank": "2"}, headers=headers)
    testapp_en.post(f"/content/{first.id}/feature", {"rank": "500"}, headers=headers, status=422)
    featured = testapp_en.get("/t/bzh").html.find(id="featured-title").parent
    assert [a.text for a in featured.select("h3 a")] == ["Second à la une", "Premier à la une"]
    testapp_en.post(f"/content/{second.id}/feature", {"action": "remove"}, headers=headers)
    featured = testapp_en.get("/t/bzh").html.find(id="featured-title").parent
    assert [a.text for a in featured.select("h3 a")] == ["Premier à la une"]


def test_homes_show_active_projects_and_open_announcements(testapp_en, db, factory):
    from datetime import timedelta

    from csti.models import Announcement, Project, ProjectNeed
    from csti.models.announcements import local_today

    territory = factory.territory(slug="bzh")
    active = Project(title="Fusée à eau", territory=territory, stage="in_progress")
    active.needs.append(ProjectNeed(kind="volunteers", description="Des bras"))
    finished = Project(title="Projet terminé", territory=territory, stage="finished")
    open_call = Announcement(title="Appel ouvert", territory=territory, deadline=local_today() + timedelta(days=3))
    closed = Announcement(title="Appel clos", territory=territory, deadline=local_today() - timedelta(days=3))
    for item in (active, finished, open_call, closed):
        _publish(db, item)
    for url in ("/t/bzh", "/"):
        page = testapp_en.get(url)
        projects = page.html.find(id="projects-title").parent
        assert "Fusée à eau" in projects.text and "Volunteers" in projects.text
        assert "Projet terminé" not in projects.text
        announcements = page.html.find(id="announcements-title").parent
        assert "Appel ouvert" in announcements.text and "Appel clos" not in announcements.text


def test_instance_home_counts_are_kept_until_the_data_changes(testapp_en, db, factory):
    """The members and items per territory (two GROUP BY over whole tables) are computed once and
    kept (csti/datacache.py) — for members too — and computed again after any write."""
    territory = factory.territory(slug="bzh", name="Bretagne")
    factory.user(email="one@example.org", roles={territory: "member"})
    _publish(db, Article(title="Actu bretonne", territory=territory, body="x"))
    with statements(db.engine) as seen:
        first = testapp_en.get("/")
        grouped = [s for s in seen if "GROUP BY" in s and "territory_id" in s]
        seen.clear()
        again = testapp_en.get("/")
        regrouped = [s for s in seen if "GROUP BY" in s and "territory_id" in s]
    assert len(grouped) == 2 and regrouped == []
    assert "1 member" in first.text and "1 member" in again.text

    factory.user(email="two@example.org", roles={territory: "member"})
    assert "2 members" in testapp_en.get("/").text


def test_a_territory_s_members_and_animators_are_kept_until_the_data_changes(testapp_en, db, factory):
    """A territory home's member count and animators are read once and kept (csti/datacache.py),
    then read anew after a write: a new animator shows, linked to their profile."""
    territory = factory.territory(slug="bzh", name="Bretagne")
    zoe = factory.user(email="zoe@example.org", name="Zoé Animatrice", roles={territory: "animator"})
    factory.user(email="one@example.org", roles={territory: "member"})
    with statements(db.engine) as seen:
        first = testapp_en.get("/t/bzh")
        assert [s for s in seen if "FROM membership" in s or "JOIN membership" in s]
        seen.clear()
        again = testapp_en.get("/t/bzh")
        assert not [s for s in seen if "FROM membership" in s or "JOIN membership" in s], seen
    for page in (first, again):
        assert "2 members" in page.text
        assert [(a.text, a["href"]) for a in page.html.select("#animators-title + ul a")] == [
            ("Zoé Animatrice", f"/members/{zoe.id}")]
    factory.user(email="alain@example.org", name="Alain Animateur", roles={territory: "animator"})
    page = testapp_en.get("/t/bzh")
    assert "3 members" in page.text
    assert [a.text for a in page.html.select("#animators-title + ul a")] == ["Alain Animateur", "Zoé Animatrice"]


def test_home_sections_are_rendered_once_for_everybody_and_again_after_a_change(testapp_en, db, factory):
    """The sections (featured, upcoming, latest…) are kept as HTML (homes.sections_html): the
    same for a member and a visitor — nothing of the visitor's in them — and a publication
    shows at once, on the instance home and on its territory's."""
    territory = factory.territory(slug="bzh", name="Bretagne")
    factory.user(email="member@example.org", name="Marie Membre", roles={territory: "member"})
    _publish(db, Article(title="Première actu", territory=territory, body="x"))

    def sections(page):
        return "".join(str(s) for s in page.html.select("section.home-section"))

    anonymous = {url: sections(testapp_en.get(url)) for url in ("/", "/t/bzh")}
    login(testapp_en, "member@example.org")
    member = {url: sections(testapp_en.get(url)) for url in ("/", "/t/bzh")}
    assert member == anonymous and "Première actu" in anonymous["/"] and "Première actu" in anonymous["/t/bzh"]
    assert "Marie Membre" not in member["/"] and "csrf" not in member["/"]

    _publish(db, Article(title="Seconde actu", territory=territory, body="x"))
    for url in ("/", "/t/bzh"):
        assert "Seconde actu" in sections(testapp_en.get(url))


def test_a_request_that_writes_reads_the_kept_figures_anew(app, db, factory):
    """The data version is read once per request, and again after a commit of that request:
    what it renders after its own write is never the figure kept from before it."""
    from flask import request

    from csti.datacache import remember
    from csti.models import Article

    territory = factory.territory(slug="bzh", name="Bretagne")
    with app.test_request_context("/"):
        calls = []

        def compute():
            calls.append(1)
            return len(calls)

        assert remember("test-figure", compute) == 1 and remember("test-figure", compute) == 1
        db.session.add(Article(title="Écrite pendant la requête", territory=territory, body="x"))
        db.session.commit()
        assert request._csti_data_version is None
        assert remember("test-figure", compute) == 2
