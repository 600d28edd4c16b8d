"""Issue 13's journey in a browser, on a phone (390 px) and a wide screen (1280 px): a new person
signs up and confirms; on /welcome the follow buttons switch to "Suivi" in place (htmx, no
reload); a contributor publishes an article with a cover uploaded through the form and an event at
and by the followed structure (the place picker's venue); the newcomer's header shows the badge
(in sight without opening a menu), "Mon fil" shows both cards — the cover loaded —, /notifications
clears the badge, and nothing scrolls sideways on a phone."""
import re
import time

import pytest
from playwright.sync_api import expect

from ..events.helpers import in_days
from ..images import image_bytes
from .conftest import log_in
from .test_console import _settled
from .test_phone import OVERFLOW, TAP_TARGETS

pytestmark = pytest.mark.browser

ARTICLE = "La nuit des étoiles filantes"
EVENT = "Soirée d’observation au Muséum"
NEW_PASSWORD = "une phrase assez longue"


def _world(live):
    from csti.models import Article

    from ..sample_site import make_actor

    with live.data() as f:
        territory = f.territory(slug="occitanie", name="Occitanie")
        camille = f.user(name="Camille Martin", roles={territory: "contributor"})
        museum = make_actor(f.db, territory, "Muséum de Toulouse", managers=[camille])
        earlier = Article(title="Un ancien article", territory=territory, author=f.user(roles={territory: "contributor"}),
                          summary="Déjà là")
        earlier.add_tag("astronomie")
        earlier.publish()
        f.db.session.add(earlier)
        f.db.session.commit()
        return {"territory": territory.id, "camille": camille.email, "museum": museum.id}


def _confirmation_link(live, email):
    outbox = live.app.extensions["mailman"].__dict__.setdefault("outbox", [])
    for _ in range(50):
        for message in outbox:
            if message.to == [email]:
                return re.search(r"(/confirm/\S+)", message.body).group(1)
        time.sleep(0.05)
    raise AssertionError(f"no confirmation mail to {email}")


def _no_sideways_scroll(page, paths):
    wide = []
    for path in paths:
        page.goto(path)
        _settled(page)
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            wide.append(f"{path}: {overflow}")
    assert not wide, "wider than the phone:\n  " + "\n  ".join(wide)


@pytest.mark.parametrize("width", (390, 1280))
def test_the_journey_of_a_new_member(live, new_context, width):
    world = _world(live)
    email = f"lea{width}@example.org"
    # A long name on a phone: the header (name, badge) must still fit.
    name = "Léa-Marguerite Nouvelle-Delacroix de Montesquieu" if width < 600 else "Léa Nouvelle"
    viewport = {"width": width, "height": 844}
    lea = new_context(viewport=viewport).new_page()

    # Sign up and confirm: the welcome page.
    lea.goto("/register")
    form = lea.locator("#register-form")
    form.locator("#name").fill(name)
    form.locator("#email").fill(email)
    form.locator("#password").fill(NEW_PASSWORD)
    form.locator("#confirm").fill(NEW_PASSWORD)
    form.locator("#territory").select_option(str(world["territory"]))
    with lea.expect_navigation():
        form.locator("button[type=submit]").click()
    lea.goto(_confirmation_link(live, email))
    assert lea.url.endswith("/welcome")
    expect(lea.locator("h1")).to_have_text(f"Bienvenue, {name} !")

    # Follow the structure and the tag: each button turns to "Suivi" in place.
    _settled(lea)
    lea.evaluate("window.__marker = 1")
    for form_id in (f"follow-content-{world['museum']}", "follow-tag-astronomie"):
        button = lea.locator(f"#{form_id} button")
        expect(button).to_have_text("Suivre")
        button.click()
        expect(lea.locator(f"#{form_id} button")).to_have_attribute("aria-pressed", "true")
        expect(lea.locator(f"#{form_id} button")).to_have_text("Suivi")
        expect(lea.locator(f"#{form_id} .meta")).to_have_text("1 abonné")
    assert lea.evaluate("window.__marker") == 1, "followed without a reload"
    if width < 600:
        _no_sideways_scroll(lea, ["/welcome"])

    # Camille publishes an article with a cover, and an event at and by the Muséum.
    camille = new_context().new_page()
    log_in(camille, world["camille"])
    camille.goto("/articles/new")
    camille.locator("#title").fill(ARTICLE)
    camille.locator("#body").fill("Observer les **Perséides**.")
    camille.locator("#territory").select_option(str(world["territory"]))
    camille.locator("#tags").fill("astronomie")
    camille.locator("#cover").set_input_files(
        {"name": "ciel.png", "mimeType": "image/png", "buffer": image_bytes((800, 450), (20, 30, 90))})
    camille.locator("#cover_alt").fill("Un ciel étoilé au-dessus des Pyrénées")
    with camille.expect_navigation():
        camille.locator("#article-form button[name=action][value=publish]").click()
    assert re.search(r"/article/\d+-", camille.url), camille.url

    camille.goto("/events/new")
    start = in_days(12, 21)
    camille.locator("#title").fill(EVENT)
    camille.locator("#territory").select_option(str(world["territory"]))
    camille.locator("#summary").fill("Télescopes et médiateurs.")
    camille.locator("#starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    camille.locator("#ends_at").fill(start.replace(hour=23).strftime("%Y-%m-%dT%H:%M"))
    camille.locator("#venue").select_option(str(world["museum"]))
    camille.locator(f"input[name=organisers][value='{world['museum']}']").check()
    with camille.expect_navigation():
        camille.locator("#event-form button[name=action][value=publish]").click()
    assert re.search(r"/event/\d+-", camille.url), camille.url

    # The newcomer: the badge in the header, in sight without opening any menu.
    lea.goto("/")
    badge = lea.locator(".site-header .nav-notifications .badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("2")
    box = badge.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= width and 0 <= box["y"] < 844
    expect(lea.locator(".nav-notifications .visually-hidden")).to_have_text("2 notifications non lues")
    if width < 600:
        _no_sideways_scroll(lea, ["/"])
        small = [t for t in lea.evaluate(TAP_TARGETS) if t.startswith("a")]
        assert not small, f"header links under 44 px with the badge: {small}"

    # Mon fil: both cards, why, and the article's cover loaded.
    lea.goto("/me/feed")
    expect(lea.locator("h1")).to_have_text("Mon fil")
    article_card = lea.locator("#results .card", has=lea.locator("h3 a", has_text=ARTICLE))
    event_card = lea.locator("#results .card", has=lea.locator("h3 a", has_text=EVENT))
    expect(article_card.locator(".feed-reason")).to_contain_text("Parce que vous suivez #astronomie")
    expect(event_card.locator(".feed-reason")).to_contain_text("Parce que vous suivez Muséum de Toulouse")
    image = article_card.locator("img.card-image")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    lea.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    card_box, image_box = article_card.bounding_box(), image.bounding_box()
    assert image_box["width"] > 40 and image_box["x"] >= card_box["x"] - 1
    assert image_box["x"] + image_box["width"] <= card_box["x"] + card_box["width"] + 1

    # The notifications name Camille; opening them clears the badge.
    lea.goto("/notifications")
    items = lea.locator(".notifications li")
    expect(items).to_have_count(2)
    expect(items.filter(has_text=f"Camille Martin a publié « {ARTICLE} »")).to_have_count(1)
    expect(items.filter(has_text=f"Camille Martin a publié « {EVENT} »")).to_have_count(1)
    lea.goto("/me/follows")
    expect(lea.locator(".site-header .nav-notifications .badge")).to_have_count(0)
    expect(lea.locator(".site-header .nav-notifications a")).to_be_visible()

    if width < 600:
        _no_sideways_scroll(lea, ["/me/feed", "/me/follows", "/notifications"])
    for p in (lea, camille):
        problems = p.context.problems.new(p)
        assert not problems, problems
