"""The one card macro (templates/macros/card.html, docs/architecture.md §4): an event's card is
dated by the event wherever it shows — the home, a tag page, search results, a structure's page —
not by its publication; and every type that declares a home section has it on the homes."""
import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import Tag
from flask_babel import force_locale

from csti import registry
from csti.blueprints.events.schedule import schedule
from csti.models import Dossier, Event
from csti.registry import HomeSection

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

TITLE = "Zythologie des comètes"


def _card(page, title):
    """The card (``li.card``) whose title link reads ``title``."""
    link = (page if isinstance(page, Tag) else page.html).find("a", string=title)
    assert link is not None, f"no card for {title!r}"
    return link.find_parent("li", class_="card")


@pytest.fixture
def dated_event(db, factory, make_actor):
    """A published event in 40 days, organised by a structure, tagged and featured."""
    territory = factory.territory(slug="occitanie", name="Occitanie")
    museum = make_actor(territory, "Muséum des cartes")
    event = Event(title=TITLE, territory=territory, event_kind="talk", summary="Une soirée sous les étoiles.")
    start = datetime.combine(date.today() + timedelta(days=40), time(18, 0))
    schedule(event, start, start + timedelta(hours=2))
    event.owners = [museum]
    event.add_tag("astronomie")
    event.publish()
    event.featured_rank = 1
    db.session.add(event)
    db.session.commit()
    return event, museum


def _assert_dated_by_the_event(card, event, label="Conference / talk"):
    stamp = card.find("time")
    assert stamp is not None
    assert stamp["datetime"][:10] == event.starts_at.date().isoformat()
    assert stamp["datetime"][:10] != event.published_at.date().isoformat()
    assert label in card.text  # its kind


def test_event_card_shows_its_own_date_on_the_home(testapp_en, dated_event):
    event, _ = dated_event
    home = testapp_en.get("/")
    featured = home.html.find(id="featured-title").parent
    _assert_dated_by_the_event(_card(featured, TITLE), event)
    events = home.html.find(id="events-title").parent
    _assert_dated_by_the_event(_card(events, TITLE), event)


def test_event_card_shows_its_own_date_on_a_tag_page(testapp_en, dated_event):
    event, _ = dated_event
    _assert_dated_by_the_event(_card(testapp_en.get("/tags/astronomie"), TITLE), event)


def test_event_card_shows_its_own_date_in_search_results(testapp_en, dated_event):
    event, _ = dated_event
    # A search result is the lists' card of the item itself: its kind is the event's own.
    _assert_dated_by_the_event(_card(testapp_en.get("/search", {"q": "zythologie"}), TITLE), event)


def test_event_card_shows_its_own_date_on_a_structure_page(app, testapp_en, dated_event):
    event, museum = dated_event
    with app.test_request_context():
        url = museum.url
    page = testapp_en.get(url)
    section = page.html.find(id="actor-events-title").parent
    _assert_dated_by_the_event(_card(section, TITLE), event)


def _english(app, text):
    with app.test_request_context(), force_locale("en"):
        return str(text)


def test_every_declared_home_section_is_on_the_homes(app, testapp_en, factory):
    factory.territory(slug="bzh", name="Bretagne")
    declared = registry.home_sections()
    assert {t.kind for t in declared} >= {"event", "article", "announcement", "project", "actor"}
    for url in ("/", "/t/bzh"):
        page = testapp_en.get(url)
        headings = [h2["id"] for h2 in page.html.select("section.home-section > h2")]
        assert headings == [f"{t.home_section.name}-title" for t in declared]
        for content_type in declared:
            section = page.html.find(id=f"{content_type.home_section.name}-title").parent
            assert section.h2.text == _english(app, content_type.home_section.title)
            assert section.find("a", string=_english(app, content_type.home_section.see_all))


def test_a_type_gets_its_home_section_by_declaring_it(testapp_en, db, factory, monkeypatch):
    """Dossiers declare no home section; declared, they get one with their latest items."""
    territory = factory.territory(slug="bzh", name="Bretagne")
    dossier_type = registry.get("dossier")
    monkeypatch.setitem(registry.all_kinds(), "dossier", dataclasses.replace(
        dossier_type, home_section=HomeSection("dossiers", "Dossiers to read", "No dossier yet.",
                                               "Every dossier", order=99)))
    dossier = Dossier(title="Le ciel d'hiver", territory=territory)
    dossier.publish()
    db.session.add(dossier)
    db.session.commit()
    page = testapp_en.get("/")
    section = page.html.find(id="dossiers-title").parent
    assert section.h2.text == "Dossiers to read"
    assert _card(section, "Le ciel d'hiver") is not None
    assert section.find("a", string="Every dossier")["href"] == "/dossiers"
    assert page.html.select("section.home-section > h2")[-1]["id"] == "dossiers-title"


def test_structure_publications_cost_no_query_per_card(app, db, testapp_en, factory, make_actor):
    """The publications on a structure's page show each kind's card (an article's kind, an
    announcement's deadline) without a query per item."""
    from csti.models import Announcement, Article
    from tests.test_query_counts import QueryCounter

    territory = factory.territory(slug="occitanie", name="Occitanie")
    museum = make_actor(territory, "Muséum des publications")

    def publish(count):
        for n in range(count):
            for item in (Article(title=f"Article {n}", territory=territory, article_kind="news"),
                         Announcement(title=f"Annonce {n}", territory=territory)):
                item.owners = [museum]
                item.publish()
                db.session.add(item)
        db.session.commit()

    with app.test_request_context():
        url = museum.url
    counter = QueryCounter(db.engine)
    publish(1)
    few = counter.measure(testapp_en, url, {})
    publish(1)
    many = counter.measure(testapp_en, url, {})
    assert few == many
    page = testapp_en.get(url)
    section = page.html.find(id="actor-publications-title").parent
    assert "News" in section.text and "No deadline" in section.text


@pytest.fixture
def pictured_event(app, db, dated_event):
    """``dated_event`` with a cover (stored with its narrower copies) and its organiser as venue."""
    from PIL import Image

    from csti.uploads import store_image

    event, museum = dated_event
    with app.test_request_context():
        event.cover_image = store_image(Image.new("RGB", (1600, 900), "navy"), "covers")
    event.venue = museum
    db.session.commit()
    return event, museum


def _assert_pictured_and_placed(card, event):
    img = card.find("img", class_="card-image")
    assert img is not None and img["alt"] == ""
    assert img["src"].endswith(event.cover_image) and "-480w.webp 480w" in img["srcset"] and img["sizes"]
    assert card.find(class_="card-place").text == "Muséum des cartes, Toulouse"


def test_search_result_is_the_lists_card_with_image_and_place(testapp_en, pictured_event):
    """A search result shows what every list's card shows: the cover in its narrower copies,
    the venue — and the highlighted excerpt of what matched."""
    event, _ = pictured_event
    card = _card(testapp_en.get("/search", {"q": "soirée"}), TITLE)
    _assert_pictured_and_placed(card, event)
    assert card.find(class_="excerpt").find("mark") is not None


def test_search_result_shows_a_recurring_events_next_date(db, testapp_en, factory):
    """A weekly event whose first date is past is dated by its next one, not by the first one
    the index keeps."""
    territory = factory.territory(slug="occitanie", name="Occitanie")
    event = Event(title="Club d'astronomie", territory=territory, event_kind="workshop", summary="Chaque semaine.")
    first = datetime.combine(date.today() - timedelta(days=15), time(18, 0))
    schedule(event, first, first + timedelta(hours=2), recurrence="weekly", until=date.today() + timedelta(days=40))
    event.publish()
    db.session.add(event)
    db.session.commit()
    now = datetime.now(UTC)
    following = min(o.starts_at for o in event.occurrences if o.ends_at > now)
    card = _card(testapp_en.get("/search", {"q": "astronomie"}), "Club d'astronomie")
    stamp = card.find("time")
    assert stamp["datetime"][:10] != event.starts_at.date().isoformat()  # not the first, past date
    assert stamp["datetime"][:10] == following.date().isoformat()
    assert "(past)" not in card.text


def test_dossier_item_is_the_lists_card_with_image_date_and_place(db, testapp_en, factory, pictured_event):
    """A dossier shows its items as every list's card (image, the event's date, its place),
    with the curator's note."""
    from csti.blueprints.dossiers.operations import add_item

    event, _ = pictured_event
    curator = factory.user(email="curatrice@example.org", name="Curatrice")
    dossier = Dossier(title="Le ciel d'hiver", territory=event.territory, author=curator)
    dossier.publish()
    db.session.add(dossier)
    db.session.flush()
    add_item(dossier, event, curator, note="Immanquable.")
    db.session.commit()
    card = _card(testapp_en.get(f"/dossier/{dossier.id}-{dossier.slug}"), TITLE)
    assert card["id"] == f"dossier-item-{event.id}" and "dossier-item" in card["class"]
    _assert_pictured_and_placed(card, event)
    _assert_dated_by_the_event(card, event)
    assert "Immanquable." in card.find(class_="dossier-note").text


def test_cards_do_not_read_the_columns_no_card_shows(db, factory, make_actor):
    """An event's JSON columns (its extra dates, exceptions, accessibility) and a structure's
    social links are decoded for its page, not for its cards (the registry's ``card_defers``):
    the agenda's loader, a list's and every kind's (search, tag pages) leave them unloaded (the
    search still shows such an event: ``test_event_card_shows_its_own_date_in_search_results``)."""
    from sqlalchemy import inspect, select

    from csti.blueprints.events.agenda import occurrence_loader
    from csti.listing import card_loader, card_options
    from csti.models import Actor, Content, EventOccurrence

    territory = factory.territory(slug="occitanie", name="Occitanie")
    venue = make_actor(territory, "Muséum des cartes")
    venue.social = {"mastodon": "https://example.org/@museum"}
    event = Event(title=TITLE, territory=territory, event_kind="talk", summary="Chaque semaine.", venue=venue)
    start = datetime.combine(date.today() + timedelta(days=3), time(18, 0))
    schedule(event, start, start + timedelta(hours=2), recurrence="weekly", until=date.today() + timedelta(days=40),
             extra_starts=[start + timedelta(days=2)], exceptions=[(start + timedelta(days=14)).date()])
    event.accessibility = ["motor"]
    event.publish()
    db.session.add(event)
    db.session.commit()
    assert event.extra_dates and event.exceptions
    ids = (event.id, [o.id for o in event.occurrences][:1], venue.id)
    db.session.expunge_all()

    deferred = {"extra_dates", "exceptions", "accessibility"}
    occurrence = db.session.scalars(occurrence_loader(), {"keys": ids[1]}).unique().one()
    assert isinstance(occurrence, EventOccurrence)
    assert deferred <= inspect(occurrence.event).unloaded
    assert "social" in inspect(occurrence.event.venue).unloaded
    db.session.expunge_all()
    for loaded in (db.session.scalars(card_loader(Event), {"keys": [ids[0]]}).unique().one(),
                   db.session.scalars(select(Content).options(*card_options(Content))
                                      .where(Content.id == ids[0])).one()):
        assert isinstance(loaded, Event) and loaded.title == TITLE
        assert deferred <= inspect(loaded).unloaded
        db.session.expunge_all()
    actor = db.session.scalars(card_loader(Actor), {"keys": [ids[2]]}).unique().one()
    assert "social" in inspect(actor).unloaded
    assert actor.social == {"mastodon": "https://example.org/@museum"}  # read on demand


def test_dossier_cards_do_not_load_its_partners_or_collaborators(app, db, factory, testapp_en):
    """A dossier's partners' flags and collaborators are its page's (``card_skips``): a list of
    its cards — the dossiers' list, a partner's guides — reads neither table."""
    from sqlalchemy import event as sa_event

    from csti.models import Dossier, DossierCollaborator, DossierPartner

    territory = factory.territory(slug="occitanie", name="Occitanie")
    owner = factory.user(email="curatrice@example.org", name="Curatrice", roles={territory: "contributor"})
    helper = factory.user(email="aide@example.org", name="Aide", roles={territory: "contributor"})
    for n in range(3):
        dossier = Dossier(title=f"Guide {n}", territory=territory, author=owner, summary="Un guide.")
        dossier.partner_rows = [DossierPartner(code="libraries")]
        dossier.collaborators = [DossierCollaborator(user=helper)]
        dossier.publish()
        db.session.add(dossier)
    db.session.commit()
    statements = []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        for url in ("/dossiers", "/partners/libraries"):
            page = testapp_en.get(url)
            assert {"Guide 0", "Guide 1", "Guide 2"} <= {a.text for a in page.html.select(".card h3 a")}
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", on_execute)
    read = " ".join(statements)
    # The flags' rows are not loaded (their columns), though the guides' filter reads the table.
    assert "FROM dossier_collaborator" not in read and "dossier_partner.flagged_by_id" not in read
    assert "FROM dossier_partner" in read
