"""The read-only JSON API (docs/architecture.md §15): what each list and item shows (published,
public items only), the filters, the JSON errors, cursor pagination, conditional GET, CORS."""
from datetime import UTC, datetime, time, timedelta

import pytest

from csti.blueprints.api.collections import COLLECTIONS
from csti.blueprints.events.schedule import schedule
from csti.models import Actor, Article, Event, Territory
from csti.models.base import utcnow

LISTS = ["territories", "tags", *COLLECTIONS]


def ids(response):
    return [item["id"] for item in response.json["data"]]


def assert_error(response, status, code, parameter=None):
    assert response.status_int == status
    assert response.headers["Content-Type"] == "application/json"
    error = response.json["error"]
    assert error["status"] == status and error["code"] == code and error["message"]
    if parameter is None:
        assert "parameter" not in error
    else:
        assert error["parameter"] == parameter


# --- what is shown ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LISTS)
def test_every_list_answers_json_with_items(site, testapp, name):
    response = testapp.get(f"/api/v1/{name}")
    assert response.headers["Content-Type"] == "application/json"
    assert response.json["limit"] == 20 and response.json["next"] is None
    assert response.json["data"], f"/api/v1/{name} is empty"
    first = response.json["data"][0]
    assert first["url"].startswith("http://localhost/")
    one = testapp.get(f"/api/v1/{name}/{first['id']}")
    assert one.json["data"]["id"] == first["id"]


@pytest.mark.parametrize("name", list(COLLECTIONS))
def test_items_have_stable_ids_and_absolute_urls_of_their_pages(site, testapp, name):
    kind = COLLECTIONS[name].model.__mapper__.polymorphic_identity
    item_id, slug = site["samples"].get(kind, (None, None))
    data = testapp.get(f"/api/v1/{name}").json["data"]
    if item_id is None:  # structures: not a type's sample here, the museum
        item_id = data[0]["id"]
    item = next(i for i in data if i["id"] == item_id)
    page = testapp.get(item["url"].removeprefix("http://localhost"))
    assert page.status_int == 200
    assert item["api_url"] == f"http://localhost/api/v1/{name}/{item_id}"
    detail = testapp.get(item["api_url"].removeprefix("http://localhost")).json["data"]
    assert detail["body_html"] is not None and detail["title"] == item["title"]


def test_only_published_public_items_in_lists_and_by_id(site, testapp):
    for name, hidden in site["hidden"].items():
        assert hidden not in ids(testapp.get(f"/api/v1/{name}?limit=100"))
        assert_error(testapp.get(f"/api/v1/{name}/{hidden}", expect_errors=True), 404, "not_found")
    assert site["pending_article"] not in ids(testapp.get("/api/v1/articles?limit=100"))
    assert_error(testapp.get(f"/api/v1/articles/{site['pending_article']}", expect_errors=True), 404, "not_found")
    # An item of another type by the wrong collection's id is not found either.
    event_id = site["samples"]["event"][0]
    assert_error(testapp.get(f"/api/v1/articles/{event_id}", expect_errors=True), 404, "not_found")


def test_search_finds_only_public_items(site, testapp, db):
    from csti import search

    search.drain()
    hits = testapp.get("/api/v1/search?q=astronomie&limit=100").json["data"]
    found = {h["id"] for h in hits}
    assert site["samples"]["event"][0] in found
    assert not found & set(site["hidden"].values())
    event_hit = next(h for h in hits if h["id"] == site["samples"]["event"][0])
    assert event_hit["api_url"].endswith(f"/api/v1/events/{event_hit['id']}")
    only_events = testapp.get("/api/v1/search?q=astronomie&type=event").json["data"]
    assert only_events and {h["type"] for h in only_events} == {"event"}
    assert_error(testapp.get("/api/v1/search", expect_errors=True), 400, "bad_parameter", "q")


def test_event_shows_dates_venue_image_and_registration(site, testapp):
    event_id = site["samples"]["event"][0]
    item = testapp.get(f"/api/v1/events/{event_id}").json["data"]
    assert item["kind"] == "talk" and item["occurrences"][0]["starts_at"] == item["starts_at"]
    assert item["venue"]["name"] == "Muséum de Toulouse"
    assert item["venue"]["latitude"] == pytest.approx(43.5945) and item["venue"]["structure"]["id"]
    assert item["image"]["url"].startswith("http://localhost/media/") and item["image"]["alt"]
    assert testapp.get(item["image"]["url"].removeprefix("http://localhost")).status_int == 200
    registration = item["registration"]
    assert registration == {"mode": "site", "state": "open", "url": item["url"], "capacity": 30,
                            "places_left": 30, "deadline": None}


def test_recurring_event_lists_every_date_and_date_range_filter(site, testapp, db):
    territory = db.session.query(Territory).filter_by(slug="occitanie").one()
    event = Event(title="Club d'astronomie", event_kind="workshop", territory=territory,
                  registration_mode="site", capacity=1, waiting_list=False)
    start = datetime.combine(utcnow().date() + timedelta(days=40), time(18))
    schedule(event, start, start + timedelta(hours=2), recurrence="weekly",
             until=(start + timedelta(days=21)).date())
    event.publish()
    db.session.add(event)
    db.session.commit()
    item = testapp.get(f"/api/v1/events/{event.id}").json["data"]
    assert len(item["occurrences"]) == 4
    assert item["registration"]["state"] == "open" and item["registration"]["places_left"] == 1
    third = (start + timedelta(days=14)).date()
    in_range = ids(testapp.get(f"/api/v1/events?start={third}&end={third}"))
    assert event.id in in_range and site["samples"]["event"][0] not in in_range
    after = (start + timedelta(days=30)).date()
    assert event.id not in ids(testapp.get(f"/api/v1/events?start={after}"))
    assert event.id not in ids(testapp.get(f"/api/v1/events?end={(start - timedelta(days=1)).date()}"))


def test_filters(site, testapp, db, factory):
    bretagne = db.session.query(Territory).filter_by(slug="bretagne").one()
    breton = Article(title="Nouvelles de Brest", territory=bretagne, article_kind="report")
    breton.add_tag("Océan")
    breton.publish()
    db.session.add(breton)
    db.session.commit()
    assert ids(testapp.get("/api/v1/articles?territory=bretagne")) == [breton.id]
    assert breton.id not in ids(testapp.get("/api/v1/articles?territory=occitanie"))
    assert ids(testapp.get("/api/v1/articles?tag=ocean")) == [breton.id]
    assert ids(testapp.get("/api/v1/articles", {"tag": "Océan"})) == [breton.id]  # normalised as the site does
    assert ids(testapp.get("/api/v1/articles?kind=report")) == [breton.id]
    assert {t["slug"] for t in testapp.get("/api/v1/tags").json["data"]} >= {"ocean", "astronomie"}
    museum = db.session.query(Actor).filter_by(title="Muséum de Toulouse").one()
    owned = ids(testapp.get(f"/api/v1/events?structure={museum.id}"))
    assert site["samples"]["event"][0] in owned
    assert ids(testapp.get("/api/v1/structures?kind=fablab"))
    assert museum.id not in ids(testapp.get("/api/v1/structures?kind=fablab"))
    later = (utcnow() + timedelta(seconds=1)).isoformat()
    assert ids(testapp.get("/api/v1/articles", {"updated_since": later})) == []
    moment = utcnow()
    db.session.rollback()  # the requests wrote (their rate counts): read anew before writing (SQLite's WAL)
    breton = db.session.get(Article, breton.id)
    breton.title = "Nouvelles de Brest (mise à jour)"
    db.session.commit()
    changed = testapp.get("/api/v1/articles", {"updated_since": moment.isoformat().replace("+00:00", "Z")})
    assert ids(changed) == [breton.id]


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/events?color=red", "color"),
    ("/api/v1/events?start=2026-02-30", "start"),
    ("/api/v1/events?start=demain", "start"),
    ("/api/v1/events?end=99999-01-01", "end"),
    ("/api/v1/events?start=2026-05-02&end=2026-05-01", "end"),
    ("/api/v1/articles?updated_since=hier", "updated_since"),
    ("/api/v1/articles?updated_since=1000-01-01T00:00:00", "updated_since"),
    ("/api/v1/articles?structure=abc", "structure"),
    ("/api/v1/articles?structure=99999999999", "structure"),
    ("/api/v1/articles?kind=poem", "kind"),
    ("/api/v1/articles?territory=atlantide", "territory"),
    ("/api/v1/articles?tag=jamais-vu", "tag"),
    ("/api/v1/articles?tag=a&tag=b", "tag"),
    ("/api/v1/articles?limit=0", "limit"),
    ("/api/v1/articles?limit=101", "limit"),
    ("/api/v1/articles?limit=-5", "limit"),
    ("/api/v1/articles?start=2026-01-01", "start"),  # events only
    ("/api/v1/structures?structure=1", "structure"),
    ("/api/v1/tags?territory=occitanie", "territory"),
    ("/api/v1/articles/abc", "id"),
    ("/api/v1/articles/0", "id"),
    ("/api/v1/articles/1?limit=3", "limit"),
    ("/api/v1/search?q=ciel&page=2", "page"),
])
def test_bad_parameters_are_400_json_naming_the_parameter(site, testapp, url, parameter):
    assert_error(testapp.get(url, expect_errors=True), 400, "bad_parameter", parameter)


def test_unknown_paths_methods_and_failures_are_json(site, testapp, app, monkeypatch):
    assert_error(testapp.get("/api/v1/nothing-here", expect_errors=True), 404, "not_found")
    assert_error(testapp.get("/api/v2/events", expect_errors=True), 404, "not_found")
    assert_error(testapp.get("/api/v1/articles/99999", expect_errors=True), 404, "not_found")
    for method in ("post", "put", "delete", "patch"):
        response = getattr(testapp, method)("/api/v1/events", expect_errors=True)
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    from csti.blueprints.api import serialize

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(serialize, "territory", broken)
    assert_error(testapp.get("/api/v1/territories", expect_errors=True), 500, "server_error")
    # The site's own pages still answer HTML errors.
    assert testapp.get("/nothing-here", expect_errors=True).headers["Content-Type"].startswith("text/html")


# --- pagination ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["events", "articles", "structures", "tags", "territories"])
def test_cursor_walks_every_item_once(site, testapp, db, name):
    if name == "articles":  # several items published at the same moment: the id breaks ties
        territory = db.session.query(Territory).filter_by(slug="occitanie").one()
        moment = utcnow()
        for n in range(4):
            article = Article(title=f"Même instant {n}", territory=territory)
            article.publish()
            article.published_at = moment
            db.session.add(article)
        db.session.commit()
    everything = ids(testapp.get(f"/api/v1/{name}?limit=100"))
    assert len(everything) >= 2
    seen, url = [], f"/api/v1/{name}?limit=1"
    while url:
        response = testapp.get(url)
        assert len(response.json["data"]) <= 1
        seen += ids(response)
        url = response.json["next"]
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"'
            assert "limit=1" in url
        else:
            assert "Link" not in response.headers
    assert seen == everything


@pytest.mark.parametrize("name, model, column", [("articles", Article, "published_at"),
                                                 ("events", Event, "starts_at")])
def test_items_without_a_date_come_last_and_the_cursor_crosses_to_them(site, testapp, db, name, model, column):
    """A list is ordered by its date (newest or soonest first), then id, those without a date
    last (by id): read in two parts (``queries.keyset``), never as one ``ORDER BY … NULLS
    LAST``, which PostgreSQL answered by sorting every published item of the type."""
    from sqlalchemy import update

    from tests.statements import statements

    collection = COLLECTIONS[name]
    territory = db.session.query(Territory).filter_by(slug="occitanie").one()
    for n in range(3):
        item = model(title=f"Sans date {n}", territory=territory)
        item.publish()
        db.session.add(item)
    db.session.commit()
    undated = [i.id for i in db.session.query(model).filter(model.title.startswith("Sans date"))]
    table = getattr(model, column).property.columns[0].table
    db.session.execute(update(table).where(table.c.id.in_(undated)).values({column: None}))
    db.session.commit()
    rows = db.session.query(model).filter(model.status == "published").all()
    dated = sorted((r for r in rows if getattr(r, column) is not None and r.id not in site["hidden"].values()),
                   key=lambda r: (getattr(r, column), r.id), reverse=not collection.ascending)
    expected = [r.id for r in dated if not r.members_only] + sorted(undated, reverse=not collection.ascending)
    with statements(db.engine) as seen:
        everything = ids(testapp.get(f"/api/v1/{name}?limit=100"))
    assert everything == expected and len(dated) >= 1
    assert not [s for s in seen if "NULLS LAST" in s.upper()]
    walked, url = [], f"/api/v1/{name}?limit=2"
    while url and len(walked) <= len(expected):  # pages end among the dated items and the others
        response = testapp.get(url)
        walked += ids(response)
        url = response.json["next"]
    assert walked == expected


def test_forged_and_foreign_cursors_are_400(site, testapp):
    first = testapp.get("/api/v1/events?limit=1").json["next"]
    cursor = first.split("cursor=")[1]
    body, _, signature = cursor.rpartition(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    for bad in (forged, "x" * 5000, "", cursor + "x", "eyJhIjoxfQ"):
        assert_error(testapp.get("/api/v1/events", {"cursor": bad}, expect_errors=True), 400, "bad_parameter",
                     "cursor")
    # A cursor of the events is no cursor of the articles.
    assert_error(testapp.get("/api/v1/articles", {"cursor": cursor}, expect_errors=True), 400, "bad_parameter",
                 "cursor")


def test_a_signed_but_absurd_cursor_is_400(site, testapp, app):
    from csti.blueprints.api.params import make_cursor

    with app.test_request_context():
        absurd = [make_cursor("events", ["not a date", 1]), make_cursor("events", [None, 2**40]),
                  make_cursor("events", ["2026-01-01T00:00:00+00:00"]),
                  make_cursor("events", ["9999-01-01T00:00:00+00:00", 1])]
    for cursor in absurd:
        assert_error(testapp.get("/api/v1/events", {"cursor": cursor}, expect_errors=True), 400, "bad_parameter",
                     "cursor")


# --- HTTP -----------------------------------------------------------------------------------------------
def test_conditional_get(site, testapp, db):
    first = testapp.get("/api/v1/articles")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"')
    again = testapp.get("/api/v1/articles", headers={"If-None-Match": etag})
    assert again.status_int == 304 and again.body == b"" and again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert testapp.get("/api/v1/articles", headers={"If-Modified-Since": modified}).status_int == 304
    assert testapp.get("/api/v1/articles", headers={"If-None-Match": '"other"'}).status_int == 200
    db.session.rollback()  # the requests wrote (their rate counts): read anew before writing (SQLite's WAL)
    article = db.session.get(Article, site["article_id"])
    article.title = "Un titre changé"
    db.session.commit()
    changed = testapp.get("/api/v1/articles", headers={"If-None-Match": etag})
    assert changed.status_int == 200 and changed.headers["ETag"] != etag
    assert datetime.strptime(changed.headers["Last-Modified"], "%a, %d %b %Y %H:%M:%S GMT").replace(
        tzinfo=UTC) >= datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)


def test_cors_no_cookies_and_head(site, testapp):
    for url in ("/api/v1/events", "/api/v1/openapi.json", "/api/v1/nothing"):
        response = testapp.get(url, expect_errors=True)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Set-Cookie" not in response.headers
    assert not list(testapp.cookiejar)
    preflight = testapp.options("/api/v1/events", headers={"Origin": "https://musee.example",
                                                           "Access-Control-Request-Method": "GET"})
    assert preflight.status_int == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    head = testapp.head("/api/v1/events")
    assert head.status_int == 200 and head.body == b"" and head.headers["ETag"]


# --- the documentation page -------------------------------------------------------------------------
def test_documentation_page_links_live_examples_that_work(site, testapp_en):
    from csti import search

    search.drain()
    page = testapp_en.get("/api")
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.html.h1.text == "Open data: the API"
    links = [a["href"] for a in page.html.select("main a[href^='/api/v1/']")]
    assert "/api/v1/openapi.json" in links and any(link.startswith("/api/v1/events?limit=2") for link in links)
    for link in links:
        if "start=tomorrow" in link:
            assert_error(testapp_en.get(link, expect_errors=True), 400, "bad_parameter", "start")
            continue
        response = testapp_en.get(link)
        assert response.headers["Content-Type"] == "application/json"
        if "data" in response.json and "/openapi" not in link:
            assert response.json["data"], f"{link} shows nothing on the sample site"
    # Every page's footer leads there.
    assert testapp_en.get("/").html.select_one("footer a[href='/api']").text == "Open data (API)"



def test_logged_in_callers_see_only_public_items_too(site, testapp, db, log_in):
    from csti.models import User

    log_in(testapp, db.session.query(User).filter_by(email=site["admin"]).one())  # sees everything on the site
    for name, hidden in site["hidden"].items():
        assert hidden not in ids(testapp.get(f"/api/v1/{name}?limit=100"))
        assert_error(testapp.get(f"/api/v1/{name}/{hidden}", expect_errors=True), 404, "not_found")


def test_one_hook_for_rate_limits_and_keys(app):
    from csti.blueprints.api.routes import _api_limits

    assert app.before_request_funcs["api"] == [_api_limits]


def test_api_answers_are_not_kept_by_the_page_cache(app):
    from csti import pagecache

    assert not {endpoint for endpoint in pagecache.endpoints() if endpoint.startswith("api.")}


def test_workers_load_pydantic_with_the_first_api_answer_only(tmp_path):
    """The app starts, and serves its pages, without it (queries.py): commands and tests do not
    load it; gunicorn's master imports it before forking (gunicorn.conf.py ``PRELOAD``)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\nfrom csti import create_app\n"
            f"app = create_app('test', {{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db'}})\n"
            "print('pydantic' in sys.modules)\n")
    root = Path(__file__).resolve().parent.parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                            env={"CSTI_INSTANCE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_a_dossier_lists_its_public_items_with_notes(site, testapp):
    dossier = testapp.get(f"/api/v1/dossiers/{site['dossier_id']}").json["data"]
    entries = {entry["id"]: entry for entry in dossier["items"]}
    event_id = site["samples"]["event"][0]
    assert entries[event_id]["note"] == "La soirée idéale pour commencer."
    assert entries[event_id]["api_url"].endswith(f"/api/v1/events/{event_id}")
    assert site["article_id"] in entries and dossier["item_count"] == len(entries)
    assert "items" not in testapp.get("/api/v1/dossiers").json["data"][0]  # the list leaves them out
