"""schema.org JSON-LD (docs/architecture.md §17): an event's, a structure's and an article's page
describe their item with the schema.org vocabulary — every type and property checked against the
official vocabulary file —, with Google's required and recommended Event fields; text a member
typed cannot leave the script element; no page runs a statement more for it."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sa_event

from csti.models import Article, Registration
from csti.models.base import utcnow
from tests.sample_site import build, make_event

from .helpers import json_ld, one_json_ld
from .vocabulary import vocabulary

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

# Google's Event rich result: required, then recommended fields.
REQUIRED = ("name", "startDate", "location")
RECOMMENDED = ("description", "endDate", "eventStatus", "eventAttendanceMode", "image", "organizer", "offers")
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def valid(data) -> dict:
    problems = vocabulary().problems(data)
    assert not problems, "\n".join(problems)
    return data


@pytest.fixture
def site(factory):
    return build(factory)


@pytest.fixture
def territory(db, factory):
    return factory.territory(slug="bretagne", name="Bretagne")


def test_the_vocabulary_check_finds_what_is_not_schema_org():
    """The check itself: a made-up type or property, a property of another type, a wrong
    enumeration member and a superseded property are all reported."""
    problems = vocabulary().problems({
        "@context": "https://schema.org", "@type": "Event", "name": "x", "colour": "red",
        "headline": "only for creative works", "eventStatus": "https://schema.org/InStock",
        "location": {"@type": "Placе"}, "about": {"@type": "Thing", "name": "ok"}})
    text = "\n".join(problems)
    assert "colour: no such property" in text
    assert "headline: not a property of ['Event']" in text
    assert "'InStock' is not one of ['EventStatusType']" in text
    assert "@type 'Placе' is not a schema.org class" in text
    assert len(problems) == 4, problems
    assert "superseded" in "\n".join(vocabulary().problems({"@type": "Event", "superEvent": {"@type": "Event"},
                                                           "attendees": []}))
    assert not vocabulary().problems({"@type": ["Museum"], "geo": {"@type": "GeoCoordinates", "latitude": 1}})
    assert vocabulary().problems({"@type": "NGO", "geo": {"@type": "GeoCoordinates"}})  # an organisation, no place


def test_an_event_page_describes_the_event(site, testapp_en):
    data = valid(one_json_ld(testapp_en.get(site["event"])))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    missing = [field for field in REQUIRED + RECOMMENDED if not data.get(field)]
    assert not missing, f"Google's Event fields missing: {missing}"
    assert data["name"].startswith("Nuit des étoiles")
    assert data["description"] == "Une soirée pour tout le monde."
    assert data["url"] == "http://localhost" + site["event"]
    assert OFFSET.match(data["startDate"]) and OFFSET.match(data["endDate"]), data
    start, end = datetime.fromisoformat(data["startDate"]), datetime.fromisoformat(data["endDate"])
    assert start.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Europe/Paris
    assert end > start
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    place = data["location"]
    assert place["@type"] == "Place" and place["name"] == "Muséum de Toulouse"
    assert place["address"] == {"@type": "PostalAddress", "streetAddress": "35 allées Jules Guesde",
                                "postalCode": "31000", "addressLocality": "Toulouse", "addressCountry": "FR"}
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 43.5945, "longitude": 1.449}
    assert place["url"] == "http://localhost" + site["actor"]
    assert data["organizer"] == {"@type": "Organization", "name": "Muséum de Toulouse",
                                 "url": "http://localhost" + site["actor"]}
    assert all(url.startswith("http://localhost/media/covers/") for url in data["image"])
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["price"] == 0 and offer["priceCurrency"] == "EUR"
    assert offer["availability"] == "https://schema.org/InStock" and offer["url"] == data["url"]
    assert data["isAccessibleForFree"] is True


def test_a_training_names_its_trainer(site, testapp_en):
    data = valid(one_json_ld(testapp_en.get(site["training"])))
    assert data["performer"] == {"@type": "Person", "name": "Anna Animatrice"}


def test_a_cancelled_online_event(db, territory, testapp_en):
    item = make_event(db, territory, title="Conférence en ligne", attendance_mode="online",
                      online_url="https://visio.example.org/salle", schedule_status="cancelled")
    data = valid(one_json_ld(testapp_en.get(f"/event/{item.id}-{item.slug}")))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://visio.example.org/salle"}
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert "organizer" not in data  # no owning structure: nobody is made up


def test_a_mixed_event_has_both_places_and_an_all_day_one_dates(db, territory, testapp_en):
    item = make_event(db, territory, title="Festival", attendance_mode="mixed", venue_name="Halle",
                      address="1 rue du Port", postcode="29200", commune="Brest", latitude=48.39, longitude=-4.49)
    data = valid(one_json_ld(testapp_en.get(f"/event/{item.id}-{item.slug}")))
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    physical, online = data["location"]
    assert physical["name"] == "Halle" and physical["address"]["addressLocality"] == "Brest"
    assert physical["geo"]["latitude"] == 48.39
    assert online == {"@type": "VirtualLocation", "url": data["url"]}  # no link given: its page

    from csti.blueprints.events.schedule import schedule

    day = utcnow().replace(tzinfo=None) + timedelta(days=30)
    schedule(item, day, day + timedelta(days=2), all_day=True)
    db.session.commit()
    data = valid(one_json_ld(testapp_en.get(f"/event/{item.id}-{item.slug}")))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["startDate"]) and re.fullmatch(r"\d{4}-\d\d-\d\d", data["endDate"])
    assert data["startDate"] == day.date().isoformat() and data["endDate"] == (day + timedelta(days=2)).date().isoformat()


def test_the_offer_follows_the_registration(db, factory, territory, testapp_en):
    item = make_event(db, territory, title="Atelier", registration_mode="site", capacity=1, is_free=False,
                      price_text="12,50 € la place", registration_deadline=utcnow() + timedelta(days=5))
    url = f"/event/{item.id}-{item.slug}"
    data = valid(one_json_ld(testapp_en.get(url)))
    offer = data["offers"]
    assert offer["availability"] == "https://schema.org/InStock"
    assert (offer["price"], offer["priceCurrency"], offer["description"]) == ("12.50", "EUR", "12,50 € la place")
    assert OFFSET.match(offer["validThrough"])
    assert data["isAccessibleForFree"] is False
    assert (data["maximumAttendeeCapacity"], data["remainingAttendeeCapacity"]) == (1, 1)

    db.session.add(Registration(event_id=item.id, user_id=factory.user().id, status="confirmed"))
    db.session.commit()
    data = valid(one_json_ld(testapp_en.get(url)))
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"
    assert data["remainingAttendeeCapacity"] == 0

    item.registration_closed = True
    item.capacity = None
    db.session.commit()
    assert one_json_ld(testapp_en.get(url))["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_an_external_registration_links_to_it(db, territory, testapp_en):
    item = make_event(db, territory, title="Visite", registration_mode="external",
                      registration_url="https://billets.example.org/visite")
    offer = valid(one_json_ld(testapp_en.get(f"/event/{item.id}-{item.slug}")))["offers"]
    assert offer["url"] == "https://billets.example.org/visite"
    assert offer["availability"] == "https://schema.org/InStock"


def test_a_past_event_gives_its_last_date(db, territory, testapp_en):
    item = make_event(db, territory, title="Passé", days_ahead=-20)
    data = valid(one_json_ld(testapp_en.get(f"/event/{item.id}-{item.slug}")))
    assert datetime.fromisoformat(data["endDate"]) < utcnow()
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"


@pytest.mark.parametrize("kind,schema_type", [("museum", "Museum"), ("library", "Library"),
                                               ("university", "CollegeOrUniversity"), ("association", "NGO"),
                                               ("local_authority", "GovernmentOrganization"),
                                               ("fablab", "Organization")])
def test_a_structure_page(db, territory, make_actor, testapp_en, kind, schema_type):
    actor = make_actor(territory, "Espace des sciences", kind=kind, postcode="35000", lat=48.1097, lng=-1.6794,
                       address="10 cours des Alliés", website="https://www.espace-sciences.org",
                       email="contact@example.org", phone="02 23 40 66 00", summary="Le centre de Rennes.",
                       social={"mastodon": "https://mastodon.example/@espace"})
    data = valid(one_json_ld(testapp_en.get(f"/actor/{actor.id}-{actor.slug}")))
    assert data["@type"] == schema_type and data["name"] == "Espace des sciences"
    assert data["url"] == f"http://localhost/actor/{actor.id}-{actor.slug}"
    assert data["description"] == "Le centre de Rennes."
    assert data["address"]["streetAddress"] == "10 cours des Alliés" and data["address"]["postalCode"] == "35000"
    assert data["sameAs"] == ["https://www.espace-sciences.org", "https://mastodon.example/@espace"]
    coordinates = {"@type": "GeoCoordinates", "latitude": 48.1097, "longitude": -1.6794}
    if schema_type in ("Museum", "Library", "CollegeOrUniversity"):
        assert data["geo"] == coordinates  # a place itself
    else:
        assert data["location"]["geo"] == coordinates  # an organisation at a place
    assert ("email" in data) == (schema_type != "Museum")  # a museum is a place, not an organisation


def test_a_structure_logo_is_absolute(db, site, testapp_en, app):
    from PIL import Image
    from sqlalchemy import select

    from csti.models import Actor
    from csti.uploads import store_image

    museum = db.session.scalar(select(Actor).where(Actor.title == "Muséum de Toulouse"))
    with app.test_request_context():
        museum.logo = store_image(Image.new("RGB", (400, 400), "white"), "logos")
    db.session.commit()
    data = valid(one_json_ld(testapp_en.get(site["actor"])))
    assert data["logo"] == f"http://localhost/media/{museum.logo}" and data["image"] == [data["logo"]]


def test_an_article_page(site, testapp_en):
    data = valid(one_json_ld(testapp_en.get(site["article"])))
    assert data["@type"] == "Article"
    for field in ("headline", "datePublished", "dateModified", "author", "image", "publisher", "description"):
        assert data.get(field), field
    assert data["url"] == data["mainEntityOfPage"] == "http://localhost" + site["article"]
    assert OFFSET.match(data["datePublished"]) and data["dateModified"] >= data["datePublished"]
    assert data["author"]["@type"] == "Person" and data["author"]["name"] == "Paul Auteur"
    assert re.fullmatch(r"http://localhost/members/\d+", data["author"]["url"])
    assert data["publisher"] == {"@type": "Organization", "name": "csti", "url": "http://localhost/"}
    assert data["image"][0].startswith("http://localhost/media/covers/")
    assert "Astronomie" in data["keywords"]


def test_an_article_of_a_former_member_is_authored_by_its_structures(db, territory, make_actor, testapp_en):
    museum = make_actor(territory, "Musée de Bretagne", kind="museum")
    article = Article(title="T" * 150, territory=territory, body="Du **texte** pour commencer.", author=None)
    article.owners = [museum]
    article.publish()
    db.session.add(article)
    db.session.commit()
    data = valid(one_json_ld(testapp_en.get(f"/article/{article.id}-{article.slug}")))
    assert data["author"] == {"@type": "Organization", "name": "Musée de Bretagne",
                              "url": f"http://localhost/actor/{museum.id}-{museum.slug}"}
    assert len(data["headline"]) <= 110 and data["headline"].endswith("…")
    assert data["description"] == "Du texte pour commencer."


def test_the_home_page_says_the_website(testapp_en):
    data = valid(one_json_ld(testapp_en.get("/")))
    assert data["@type"] == "WebSite" and data["url"] == "http://localhost/" and data["name"] == "csti"


EVIL = '</script><script>alert(1)</script><!--'


def test_member_text_cannot_leave_the_script(db, territory, make_actor, testapp_en):
    venue = make_actor(territory, EVIL + " musée", kind="museum", address=EVIL)
    item = make_event(db, territory, title="Nuit " + EVIL, summary="A & B " + EVIL, venue=venue,
                      price_text=EVIL, is_free=False)
    page = testapp_en.get(f"/event/{item.id}-{item.slug}")
    scripts = page.html.find_all("script")
    assert all(s.get("src") or s.get("type") == "application/ld+json" for s in scripts), "no other script"
    data = valid(one_json_ld(page))
    assert data["name"] == "Nuit " + EVIL and data["description"] == "A & B " + EVIL
    assert data["location"]["name"] == EVIL + " musée" and data["offers"]["description"] == EVIL
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S).group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert "\\u003c/script\\u003e" in raw
    for path in (f"/actor/{venue.id}-{venue.slug}",):
        other = testapp_en.get(path)
        assert valid(one_json_ld(other))["name"] == EVIL + " musée"
        assert "alert(1)</script>" not in other.text.split("</head>")[0]


def test_dumps_escapes_what_could_end_the_element():
    from csti.structured_data import dumps, script

    text = dumps({"a": "</script>&<!--\u2028"})
    assert text == '{"a":"\\u003c/script\\u003e\\u0026\\u003c!--\\u2028"}'
    assert str(script({"a": "<b>"})) == '<script type="application/ld+json">{"a":"\\u003cb\\u003e"}</script>'
    assert str(script(None)) == ""


def test_no_json_ld_for_what_is_not_public(db, factory, territory, testapp_en, log_in):
    author = factory.user(roles={territory: "contributor"})
    draft = Article(title="Brouillon", territory=territory, author=author, body="x")
    db.session.add(draft)
    db.session.commit()
    log_in(testapp_en, author)
    assert json_ld(testapp_en.get(f"/article/{draft.id}-{draft.slug}")) == []


def _statements(app, client, url) -> int:
    from csti.extensions import db

    counted = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: counted.append(1)  # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    return len(counted)


def test_json_ld_costs_no_statement(app, site, testapp_en, monkeypatch):
    """The same page without its JSON-LD runs as many statements: it is built from what the
    page loads anyway (dates, venue, owners, tags, territory, registration state)."""
    from csti import structured_data

    urls = [site["event"], site["actor"], site["article"], site["training"]]
    with_json_ld = [_statements(app, testapp_en, url) for url in urls]
    monkeypatch.setattr(structured_data, "BUILDERS", {})
    assert json_ld(testapp_en.get(site["event"])) == []
    without = [_statements(app, testapp_en, url) for url in urls]
    assert with_json_ld == without


def test_a_page_without_the_registration_state_still_has_its_json_ld(app, site, db):
    """A page rendered without the registration context (another view reusing the template)
    says nothing of the places left rather than failing."""
    from flask import render_template
    from sqlalchemy import select

    from csti.models import Event

    with app.test_request_context("/"):
        item = db.session.scalar(select(Event).where(Event.title.startswith("Nuit des étoiles")))
        item.registration_mode, item.capacity = "site", 10
        html = render_template("events/show.html", item=item)
        db.session.rollback()
    data = valid(json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)))
    assert "remainingAttendeeCapacity" not in data
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
