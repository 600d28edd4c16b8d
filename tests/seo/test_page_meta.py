"""Every page's meta description, canonical URL, Open Graph and Twitter card (csti/pagemeta.py,
docs/architecture.md §17): absolute URLs from the configured host, never from a forged Host."""
import pytest
from webtest import TestApp

from csti import create_app
from csti.extensions import db as _db
from tests.conftest import isolated
from tests.sample_site import build

from .helpers import canonical, json_ld, meta

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

SITE = "csti.example.org"


@pytest.fixture
def site(factory):
    return build(factory)


def _pages(site):
    items = [site[k] for k in ("event", "actor", "article", "announcement", "project", "dossier", "resource",
                               "page", "training")]
    lists = ["/", "/agenda", "/actors", "/articles", "/announcements", "/projects", "/dossiers", "/groups",
             "/resources", "/trainings", "/formats", "/tags", site["tag"], "/search", "/partners",
             "/partners/libraries", site["territory"], "/t/bretagne", "/login"]
    return items, lists


def test_every_page_has_a_description_a_canonical_url_and_open_graph(site, testapp_en):
    items, lists = _pages(site)
    descriptions = {}
    for url in items + lists:
        page = testapp_en.get(url)
        tags = meta(page)
        path = url.split("?")[0]
        assert canonical(page) == "http://localhost" + path, url
        assert tags["og:url"] == canonical(page), url
        for name in ("description", "og:description", "og:title", "og:type", "og:site_name", "og:locale",
                     "twitter:card", "twitter:title", "twitter:description"):
            assert tags.get(name, "").strip(), f"{url}: {name}"
        assert tags["og:description"] == tags["description"] == tags["twitter:description"]
        assert len(tags["description"]) <= 230, url
        assert tags["og:type"] == ("article" if url in items else "website"), url
        assert tags["og:site_name"] == "csti" and tags["og:locale"] == "en_GB"
        descriptions[url] = tags["description"]
    # Lists say what they list, not all the same words.
    for url in ("/agenda", "/actors", "/articles", "/announcements", "/tags", site["tag"], "/search", "/t/bretagne"):
        assert descriptions[url] != descriptions["/"], url
    assert descriptions["/t/bretagne"] == ("The science culture network in Bretagne: its agenda, news, structures "
                                           "and projects.")
    assert descriptions[site["territory"]] == "Le réseau de la culture scientifique en Occitanie."
    assert "Astronomie" in descriptions[site["tag"]]


def test_the_home_page_defaults(testapp_en, testapp):
    tags = meta(testapp_en.get("/"))
    assert tags["og:title"] == tags["twitter:title"] == "csti"  # the site's name, not "Home"
    assert tags["description"].startswith("The community of the actors of scientific, technical")
    assert tags["twitter:card"] == "summary" and "og:image" not in tags
    french = meta(testapp.get("/", headers={"Accept-Language": "fr"}))
    assert french["og:locale"] == "fr_FR" and french["og:locale:alternate"] == "en_GB"
    assert french["description"].startswith("La communauté des acteurs de la culture scientifique")


def test_an_item_page_previews_its_cover(site, testapp_en):
    tags = meta(testapp_en.get(site["article"]))
    assert tags["og:image"].startswith("http://localhost/media/covers/")
    assert int(tags["og:image:width"]) > 0 and int(tags["og:image:height"]) > 0
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:image:alt"] == tags["twitter:image:alt"]
    assert tags["article:published_time"] and tags["article:modified_time"] >= tags["article:published_time"]


def test_a_structure_without_text_is_described_by_its_kind_and_place(site, testapp_en):
    tags = meta(testapp_en.get(site["actor"]))
    assert tags["description"] == "Museum or science centre · Toulouse (31) · Occitanie"


@pytest.mark.parametrize("query,kept", [
    ("?utm_source=newsletter&utm_medium=mail", ""),
    ("?territory=occitanie&kind=news&page=2&q=x&fbclid=abc", "?territory=occitanie&kind=news&page=2"),
    ("?territory=nowhere&page=1", ""),
    ("?territory=%3Cscript%3E&kind=a%20b&page=-3", ""),
    ("?page=999999999999", ""),
])
def test_a_list_canonical_url_keeps_its_section_only(site, testapp_en, query, kept):
    assert canonical(testapp_en.get("/articles" + query)) == "http://localhost/articles" + kept


def test_an_item_canonical_url_has_no_query(site, testapp_en):
    page = testapp_en.get(site["event"] + "?utm_source=x&territory=occitanie")
    assert canonical(page) == "http://localhost" + site["event"]


def test_agenda_views_and_search_point_to_the_plain_page(site, testapp_en):
    assert canonical(testapp_en.get("/agenda?view=calendar&territory=occitanie")) == \
        "http://localhost/agenda?territory=occitanie"
    assert canonical(testapp_en.get("/search?q=astronomie&kind=event")) == "http://localhost/search?kind=event"


def test_an_error_page_still_has_a_description(testapp_en):
    page = testapp_en.get("/no-such-page", status=404)
    assert meta(page)["description"] and canonical(page) is None


@pytest.fixture
def named_site(app, database_url):
    """The app as production runs it: a server name, https, any Host let through to the app."""
    made = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_DIR": app.config["SEARCH_DIR"],
                               "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SERVER_NAME": SITE,
                               "PREFERRED_URL_SCHEME": "https", "TRUST_ANY_HOST": True})
    yield TestApp(isolated(made), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en",
                                                 "HTTP_HOST": "evil.example"})
    with made.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_absolute_urls_come_from_the_configured_host(site, named_site):
    for url in (site["event"], site["article"], site["actor"], "/", "/agenda?territory=occitanie"):
        page = named_site.get(url)
        head = page.text.split("</head>")[0]
        assert "evil.example" not in head, url
        tags = meta(page)
        assert canonical(page).startswith(f"https://{SITE}/") and tags["og:url"] == canonical(page)
        assert all(not v.startswith("http") or v.startswith(f"https://{SITE}/") for v in tags.values()), url
        for block in json_ld(page):
            assert "evil.example" not in str(block) and f"https://{SITE}/" in str(block)


def test_a_forged_host_is_refused_when_hosts_are_trusted(app, database_url, site):
    made = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": SITE,
                               "TRUSTED_HOSTS": [SITE]})
    try:
        client = TestApp(isolated(made), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "evil.example"})
        for url in (site["event"], "/sitemap.xml", "/robots.txt"):
            assert client.get(url, status=400).status_int == 400
    finally:
        with made.app_context():
            _db.session.remove()
            _db.engine.dispose()


def _statements(app, client, url) -> int:
    from sqlalchemy import event

    counted = []
    with app.app_context():
        engine = _db.engine
    listener = lambda *args: counted.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(counted)


def test_page_meta_costs_no_statement(app, site, testapp_en, monkeypatch):
    """Without the page meta (a stub in its place) the pages run as many statements: the
    canonical URL's territories are the menu's, loaded once for the request."""
    from csti.pagemeta import PageMeta

    urls = ["/agenda?territory=occitanie&kind=talk", "/articles?territory=occitanie", site["event"], site["tag"], "/"]
    with_meta = [_statements(app, testapp_en, url) for url in urls]
    monkeypatch.setitem(app.jinja_env.globals, "page_meta",
                        lambda *args, **kwargs: PageMeta("t", "d", None, "website", None))
    assert canonical(testapp_en.get(urls[0])) is None  # the stub is in use
    without = [_statements(app, testapp_en, url) for url in urls]
    assert with_meta == without
