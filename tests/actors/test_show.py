"""A structure's page: canonical URL, contact, members, visibility, the Follow toggle."""
import pytest
from sqlalchemy import func, select

from csti.models import Follow

from .helpers import path, refresh


@pytest.fixture
def territory(factory):
    return factory.territory(slug="bretagne", name="Bretagne")


@pytest.fixture
def museum(territory, factory, make_actor):
    manager = factory.user(name="Anne Rouxel")
    member = factory.user(name="Yann Le Goff")
    return make_actor(
        territory, "Espace des sciences", kind="museum", postcode="35000", lat=48.1097, lng=-1.6794,
        address="10 cours des Alliés", website="https://www.espace-sciences.org", email="contact@example.org",
        phone="02 23 40 66 00", summary="Expositions et planétarium.", body="Un **centre** de sciences.",
        audiences=["families", "school_groups"], tags=["astronomie"], managers=[manager], members=[member],
        social={"mastodon": "https://mastodon.example/@espace"})


def test_canonical_url_redirects(testapp_en, museum):
    for wrong in (f"/actor/{museum.id}", f"/actor/{museum.id}-old-name"):
        response = testapp_en.get(wrong)
        assert response.status_int == 301
        assert response.headers["Location"].endswith(path(museum))
    testapp_en.get("/actor/999999-nothing", status=404)


def test_page_shows_contact_address_map_and_members(testapp_en, museum):
    page = testapp_en.get(path(museum))
    assert page.html.find("h1").get_text(strip=True) == "Espace des sciences"
    text = page.html.get_text(" ", strip=True)
    assert "Museum or science centre" in text
    assert "10 cours des Alliés" in text and "35000 Rennes" in text
    assert page.html.find("a", href="https://www.espace-sciences.org") is not None
    assert page.html.find("a", href="mailto:contact@example.org") is not None
    assert page.html.find("a", href="tel:0223406600") is not None
    assert "Families, School groups" in text
    assert page.html.find("a", href="https://mastodon.example/@espace").get_text(strip=True) == "Mastodon"
    assert page.html.select_one(".content-body strong").get_text() == "centre"
    the_map = page.html.select_one("#actor-map")
    assert (the_map["data-lat"], the_map["data-lng"]) == ("48.1097", "-1.6794")
    team = page.html.select_one(".people").get_text(" ", strip=True)
    assert "Anne Rouxel (Manager)" in team and "Yann Le Goff (Member)" in team
    assert page.html.find("a", href="/tags/astronomie") is not None
    # No inline script: the JSON-LD (docs/architecture.md §17) is a data block, never run.
    assert not page.html.find_all("script", src=False, type=lambda t: t != "application/ld+json")


def test_anonymous_sees_no_edit_or_claim_button(testapp_en, museum):
    page = testapp_en.get(path(museum))
    assert page.html.find("a", href=f"/actor/{museum.id}/edit") is None
    assert page.html.find("a", href=f"/actor/{museum.id}/claim") is None


def test_members_see_the_claim_button_and_managers_the_edit_button(testapp_en, museum, factory, log_in):
    log_in(testapp_en, factory.user())
    page = testapp_en.get(path(museum))
    assert page.html.find("a", href=f"/actor/{museum.id}/claim") is not None
    assert page.html.find("a", href=f"/actor/{museum.id}/edit") is None
    testapp_en.reset()
    log_in(testapp_en, museum.managers()[0])
    page = testapp_en.get(path(museum))
    assert page.html.find("a", href=f"/actor/{museum.id}/edit") is not None
    assert page.html.find("a", href=f"/actor/{museum.id}/claim") is None


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_unpublished_structure_is_hidden_from_others(testapp_en, territory, factory, make_actor, log_in, status):
    proposer = factory.user()
    actor = make_actor(territory, "Club caché", status=status, author=proposer)
    testapp_en.get(path(actor), status=404)
    log_in(testapp_en, factory.user(roles={territory: "contributor"}))
    testapp_en.get(path(actor), status=404)
    testapp_en.get(f"/actor/{actor.id}/claim", status=404)
    # Animators of another territory don't see it either.
    testapp_en.reset()
    log_in(testapp_en, factory.user(roles={factory.territory(): "animator"}))
    testapp_en.get(path(actor), status=404)


def test_unpublished_structure_is_visible_to_its_proposer_and_animators(
        testapp_en, territory, factory, make_actor, log_in):
    proposer = factory.user()
    actor = make_actor(territory, "Club en attente", status="pending", author=proposer)
    for user in (proposer, factory.user(roles={territory: "animator"}), factory.user(admin=True)):
        testapp_en.reset()
        log_in(testapp_en, user)
        page = testapp_en.get(path(actor))
        assert "Pending review" in page.text
        assert page.html.select_one(".follow-form") is None  # nothing to follow yet


# --- Follow ------------------------------------------------------------------------------------
def follows(db, user, actor):
    refresh(db)
    return db.session.scalar(select(func.count(Follow.id)).where(
        Follow.follower_id == user.id, Follow.content_id == actor.id))


def test_follow_with_htmx_swaps_the_button(testapp_en, db, museum, factory, log_in):
    from tests.conftest import csrf_headers

    user = factory.user()
    log_in(testapp_en, user)
    page = testapp_en.get(path(museum))
    form = page.html.select_one(".follow-form")
    button = form.find("button")
    assert button["aria-pressed"] == "false" and button.get_text(strip=True) == "Follow"
    assert form["hx-swap"] == "outerHTML" and form["hx-post"] == form["action"]

    response = testapp_en.post(form["action"], {"follow": "1"}, headers=csrf_headers(page))
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    button = response.html.select_one("form.follow-form button")
    assert button["aria-pressed"] == "true" and button.get_text(strip=True) == "Following"
    assert "1 follower" in response.text
    assert follows(db, user, museum) == 1

    # The swapped form asks for the other state.
    assert response.html.select_one('input[name="follow"]')["value"] == "0"
    response = testapp_en.post(form["action"], {"follow": "0"}, headers=csrf_headers(page))
    assert response.html.select_one("form.follow-form button")["aria-pressed"] == "false"
    assert follows(db, user, museum) == 0


def test_follow_without_javascript_redirects_back(testapp_en, db, museum, factory, log_in):
    user = factory.user()
    log_in(testapp_en, user)
    page = testapp_en.get(path(museum))
    response = page.forms[f"follow-content-{museum.id}"].submit()
    assert response.status_int == 303
    assert response.headers["Location"].endswith(path(museum))
    page = response.follow()
    assert page.html.select_one("form.follow-form button")["aria-pressed"] == "true"
    assert follows(db, user, museum) == 1


def test_following_twice_keeps_one_follow(testapp_en, db, museum, factory, log_in):
    user = factory.user()
    log_in(testapp_en, user)
    page = testapp_en.get(path(museum))
    form = page.forms[f"follow-content-{museum.id}"]
    form.submit()
    form.submit()  # a double click, or the same form sent again
    assert follows(db, user, museum) == 1


def test_anonymous_follow_goes_to_login(testapp_en, db, museum):
    page = testapp_en.get(path(museum))
    link = page.html.select_one(".follow-form a")
    assert link["href"].startswith("/login")
    response = testapp_en.post(f"/follow/content/{museum.id}", {"follow": "1"}, headers=csrf_from(testapp_en, page))
    assert response.status_int == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Follow.id))) == 0


def csrf_from(testapp, page):
    from tests.conftest import csrf_headers

    return {"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}


def test_unpublished_structure_cannot_be_followed(testapp_en, db, territory, factory, make_actor, log_in):
    proposer = factory.user()
    actor = make_actor(territory, "Pas encore", status="pending", author=proposer)
    log_in(testapp_en, proposer)
    page = testapp_en.get(path(actor))
    testapp_en.post(f"/follow/content/{actor.id}", {"follow": "1"}, headers=csrf_from(testapp_en, page), status=400)
    assert follows(db, proposer, actor) == 0
    # Someone who may not see it gets a 404.
    testapp_en.reset()
    other = factory.user()
    log_in(testapp_en, other)
    page = testapp_en.get("/actors")
    testapp_en.post(f"/follow/content/{actor.id}", {"follow": "1"}, headers=csrf_from(testapp_en, page), status=404)
    assert follows(db, other, actor) == 0


def test_follow_needs_the_csrf_token(testapp_en, db, museum, factory, log_in):
    user = factory.user()
    log_in(testapp_en, user)
    testapp_en.post(f"/follow/content/{museum.id}", {"follow": "1"}, status=400)
    assert follows(db, user, museum) == 0


def test_the_page_lists_its_upcoming_events_and_publications(testapp_en, db, territory, museum, make_actor):
    from datetime import date, datetime, time, timedelta

    from csti.blueprints.events.schedule import schedule
    from csti.models import Announcement, Article, Event

    other = make_actor(territory, "Autre structure")

    def event(title, owners=(), venue=None, days=10):
        item = Event(title=title, territory=territory, event_kind="talk")
        start = datetime.combine(date.today() + timedelta(days=days), time(18, 0))
        schedule(item, start, start + timedelta(hours=2))
        item.owners = list(owners)
        item.venue = venue
        item.publish()
        db.session.add(item)
        return item

    event("Conférence organisée", owners=[museum])
    event("Soirée accueillie", owners=[other], venue=museum)
    event("Conférence passée", owners=[museum], days=-10)
    event("Conférence d'ailleurs", owners=[other])
    article = Article(title="Retour sur la saison", territory=territory, article_kind="news")
    expired = Announcement(title="Appel clos", territory=territory, deadline=date.today() - timedelta(days=5))
    open_one = Announcement(title="Appel ouvert", territory=territory, deadline=date.today() + timedelta(days=5))
    for item in (article, expired, open_one):
        item.owners = [museum]
        item.publish()
        db.session.add(item)
    db.session.commit()
    page = testapp_en.get(path(museum))
    events = page.html.find(id="actor-events-title").parent.text
    assert "Conférence organisée" in events and "Soirée accueillie" in events
    assert "Conférence passée" not in events and "Conférence d'ailleurs" not in events
    publications = page.html.find(id="actor-publications-title").parent.text
    assert "Retour sur la saison" in publications and "Appel ouvert" in publications
    assert "Appel clos" not in publications


def test_many_expired_announcements_do_not_hide_its_current_publications(testapp_en, db, territory, museum):
    """Expired announcements are left out by the query, not after a LIMIT: twelve newer expired
    ones once left the page with no publication at all."""
    from datetime import date, timedelta

    from csti.models import Announcement, Article

    article = Article(title="Retour sur la saison", territory=territory, article_kind="news")
    article.owners = [museum]
    article.publish()
    db.session.add(article)
    db.session.flush()
    for n in range(12):
        expired = Announcement(title=f"Appel clos {n}", territory=territory,
                               deadline=date.today() - timedelta(days=5))
        expired.owners = [museum]
        expired.publish()
        db.session.add(expired)
    db.session.commit()
    publications = testapp_en.get(path(museum)).html.find(id="actor-publications-title").parent.text
    assert "Retour sur la saison" in publications
    assert "Appel clos" not in publications
