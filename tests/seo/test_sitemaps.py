"""/sitemap.xml, the sitemaps of the lists and of each content type, and /robots.txt
(csti/blueprints/seo/, docs/architecture.md §17): valid against the sitemaps.org schemas, only
what anybody may see, split into files of at most SITEMAP_URLS addresses, absolute URLs from the
configured host, cached and answered conditionally like the feeds."""
import time
from datetime import UTC
from pathlib import Path
from urllib import robotparser

import pytest
from lxml import etree
from sqlalchemy import select
from webtest import TestApp

from csti import create_app, pagecache
from csti.extensions import db as _db
from csti.feeds import feed_endpoints
from csti.models import Article, Content, Dossier
from tests.conftest import isolated
from tests.sample_site import build
from tests.test_feeds_conditional import check_conditional
from tests.test_pagecache import cached_app, visitor  # noqa: F401  (fixtures)

DATA = Path(__file__).parent.parent / "data"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "csti.example.org"


def _schema(name):
    return etree.XMLSchema(etree.parse(str(DATA / name)))


SITEMAP, SITEINDEX = _schema("sitemap.xsd"), _schema("siteindex.xsd")


def parse(response, schema, root):
    assert response.content_type == "application/xml"
    document = etree.fromstring(response.body)
    assert document.tag == f"{{{NS['s']}}}{root}"
    schema.assertValid(document)
    return document


def locs(document) -> list[str]:
    return document.xpath("//s:loc/text()", namespaces=NS)


def entries(document) -> dict[str, str | None]:
    """{loc: lastmod} of a sitemap or an index."""
    found = {}
    for entry in document.xpath("/*/*", namespaces=NS):
        lastmod = entry.xpath("s:lastmod/text()", namespaces=NS)
        found[entry.xpath("s:loc/text()", namespaces=NS)[0]] = lastmod[0] if lastmod else None
    return found


def every_url(client) -> list[str]:
    """Every address of every file the index lists."""
    index = parse(client.get("/sitemap.xml"), SITEINDEX, "sitemapindex")
    urls = []
    for loc in locs(index):
        path = loc.removeprefix("http://localhost")
        urls += locs(parse(client.get(path), SITEMAP, "urlset"))
    return urls


@pytest.fixture
def site(factory):
    return build(factory)


def test_the_schemas_refuse_what_the_protocol_does():
    """The check itself: a relative loc, a bad lastmod, an empty file are refused."""
    bad = [b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/article/1</loc></url></urlset>',
           b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://localhost/x</loc>'
           b'<lastmod>yesterday</lastmod></url></urlset>',
           b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>']
    for body in bad:
        assert not SITEMAP.validate(etree.fromstring(body)), body
    assert not SITEINDEX.validate(etree.fromstring(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://localhost/x</loc></url>'
        b'</sitemapindex>'))


def test_the_index_lists_every_file_and_they_are_valid(site, testapp_en, db):
    index = parse(testapp_en.get("/sitemap.xml"), SITEINDEX, "sitemapindex")
    files = entries(index)
    assert "http://localhost/sitemap-lists.xml" in files
    for kind in ("event", "article", "actor", "announcement", "project", "dossier", "resource", "page"):
        assert f"http://localhost/sitemap-{kind}-1.xml" in files, kind
    assert all(lastmod for lastmod in files.values())
    urls = every_url(testapp_en)
    assert len(urls) == len(set(urls))
    for key in ("event", "training", "article", "announcement", "project", "dossier", "resource", "page", "actor"):
        assert "http://localhost" + site[key] in urls, key
    for page in ("/", "/agenda", "/actors", "/articles", "/trainings", "/partners", "/tags", "/t/occitanie",
                 "/t/bretagne", "/partners/libraries"):
        assert "http://localhost" + page in urls, page
    # Every address answers 200 to anybody.
    for url in urls:
        assert testapp_en.get(url.removeprefix("http://localhost")).status_int == 200, url


def test_only_published_public_items(site, testapp_en, db, factory):
    territory = db.session.scalar(select(Content.territory_id).limit(1))
    from csti.models import Territory

    territory = db.session.get(Territory, territory)
    hidden = [Article(title="Brouillon", territory=territory, body="x"),
              Article(title="En attente", territory=territory, body="x", status="pending"),
              Dossier(title="Privé", territory=territory, is_private=True)]
    members_only = Article(title="Pour le groupe", territory=territory, body="x", members_only=True)
    members_only.publish()
    archived = Article(title="Archivé", territory=territory, body="x")
    archived.publish()
    archived.archive()
    hidden += [members_only, archived]
    db.session.add_all(hidden)
    db.session.commit()
    urls = every_url(testapp_en)
    for item in hidden:
        assert not any(f"/{item.kind}/{item.id}-" in url for url in urls), item.title
    published = db.session.scalars(select(Content).where(Content.status == "published",
                                                         Content.public_clause())).all()
    assert {f"http://localhost/{c.kind}/{c.id}-{c.slug}" for c in published} <= set(urls)


def test_lastmod_is_the_items_last_change(site, testapp_en, db):
    article = db.session.get(Article, site["article_id"])
    document = parse(testapp_en.get("/sitemap-article-1.xml"), SITEMAP, "urlset")
    lastmod = entries(document)["http://localhost" + site["article"]]
    assert lastmod == article.updated_at.astimezone(UTC).isoformat(timespec="seconds")
    assert lastmod.endswith("+00:00")


def test_files_hold_at_most_sitemap_urls_addresses(app, db, factory, testapp_en, monkeypatch):
    monkeypatch.setitem(app.config, "SITEMAP_URLS", 2)
    territory = factory.territory()
    made = []
    for n in range(5):
        article = Article(title=f"Article {n}", territory=territory, body="x")
        article.publish()
        made.append(article)
    db.session.add_all(made)
    db.session.commit()
    index = parse(testapp_en.get("/sitemap.xml"), SITEINDEX, "sitemapindex")
    files = [loc for loc in locs(index) if "/sitemap-article-" in loc]
    assert files == [f"http://localhost/sitemap-article-{n}.xml" for n in (1, 2, 3)]
    found = []
    for loc in files:
        urls = locs(parse(testapp_en.get(loc.removeprefix("http://localhost")), SITEMAP, "urlset"))
        assert 1 <= len(urls) <= 2
        found += urls
    assert found == [f"http://localhost/article/{a.id}-{a.slug}" for a in made]  # by id, each once
    testapp_en.get("/sitemap-article-4.xml", status=404)


@pytest.mark.parametrize("path", ["/sitemap-article-0.xml", "/sitemap-nothing-1.xml", "/sitemap-article-1.xml",
                                  "/sitemap-article-99999999999999999999999.xml", "/sitemap-article-x.xml",
                                  "/sitemap-content-1.xml"])
def test_no_such_file_is_a_404(testapp_en, path):
    testapp_en.get(path, status=404)


def test_an_empty_site_still_has_a_valid_index(testapp_en):
    index = parse(testapp_en.get("/sitemap.xml"), SITEINDEX, "sitemapindex")
    assert locs(index) == ["http://localhost/sitemap-lists.xml"]
    parse(testapp_en.get("/sitemap-lists.xml"), SITEMAP, "urlset")


def _robots(client):
    response = client.get("/robots.txt")
    assert response.content_type == "text/plain"
    parser = robotparser.RobotFileParser()
    parser.parse(response.text.splitlines())
    return parser, response.text


def test_robots_allow_the_public_pages_and_point_to_the_sitemap(site, testapp_en):
    parser, text = _robots(testapp_en)
    for path in ("/", "/agenda", "/actors", "/articles", site["event"], site["actor"], site["article"],
                 "/t/occitanie", "/tags/astronomie", "/partners/libraries", "/sitemap.xml", "/articles.atom",
                 "/media/covers/x.webp", "/static/css/csti.css"):
        assert parser.can_fetch("*", "http://localhost" + path), path
    for path in ("/account", "/account/api-keys", "/account/export.json", "/admin", "/admin/audit", "/moderation",
                 "/moderation/reports", "/actors/moderation", "/search?q=robots", "/search/suggest?q=r", "/me/feed",
                 "/me/registrations", "/login", "/register", "/reset/abc", "/notifications", "/s/token",
                 "/newsletter/confirm/abc", "/mail/unsubscribe/abc", "/lang/en", "/sanctions"):
        assert not parser.can_fetch("*", "http://localhost" + path), path
    assert parser.site_maps() == ["http://localhost/sitemap.xml"]
    # Patterns (RFC 9309) for the pages of a territory's team and the forms.
    for line in ("Disallow: /t/*/settings", "Disallow: /t/*/audit", "Disallow: /*/edit$"):
        assert line in text.splitlines()


def test_absolute_urls_come_from_the_configured_host(app, database_url, site):
    made = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": SITE,
                               "PREFERRED_URL_SCHEME": "https", "TRUST_ANY_HOST": True, "PAGE_CACHE_MB": 1})
    try:
        forged = TestApp(isolated(made), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "evil.example"})
        honest = TestApp(isolated(made), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": SITE})
        for client in (forged, honest, forged):
            assert f"Sitemap: https://{SITE}/sitemap.xml" in client.get("/robots.txt").text
            for path in ("/sitemap.xml", "/sitemap-lists.xml", "/sitemap-event-1.xml"):
                body = client.get(path).text
                assert "evil.example" not in body
                assert all(loc.startswith(f"https://{SITE}/") for loc in locs(etree.fromstring(body.encode())))
    finally:
        with made.app_context():
            _db.session.remove()
            _db.engine.dispose()


PATHS = ["/robots.txt", "/sitemap.xml", "/sitemap-lists.xml", "/sitemap-article-1.xml"]


def test_they_are_cached_and_answer_conditional_requests(cached_app, visitor, db, site):  # noqa: F811
    assert {"seo.robots", "seo.sitemap_index", "seo.sitemap_lists", "seo.sitemap"} <= pagecache.endpoints()
    assert {"seo.robots", "seo.sitemap_index", "seo.sitemap_lists", "seo.sitemap"} <= feed_endpoints()
    for path in PATHS:
        first = visitor.get(path)
        assert visitor.get(path).body == first.body
        check_conditional(visitor, path) if path != "/robots.txt" else \
            visitor.get(path, headers={"If-None-Match": first.headers["ETag"]}, status=304)
    assert len(cached_app.extensions["csti_page_cache"].entries) == len(PATHS)


def test_a_new_item_changes_the_sitemap(site, testapp_en, db):
    etag, modified = check_conditional(testapp_en, "/sitemap-article-1.xml")
    time.sleep(1.05)  # HTTP dates count seconds
    territory = db.session.get(Article, site["article_id"]).territory
    article = Article(title="Tout nouveau", territory=territory, body="x")
    article.publish()
    db.session.add(article)
    db.session.commit()
    response = testapp_en.get("/sitemap-article-1.xml", headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert response.status_int == 200 and f"/article/{article.id}-" in response.text
