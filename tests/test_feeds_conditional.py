"""Conditional GET on every feed (Atom and iCalendar): ETag and Last-Modified, 304 when the client
has the current version — whether the view or the page cache answers — and 200 as soon as
something changed, a removal too."""
import time
from email.utils import formatdate, parsedate_to_datetime

import pytest

from csti.models import Article
from tests.test_pagecache import cached_app, visitor  # noqa: F401  (fixtures)

FEEDS = ["/articles.atom", "/announcements.atom", "/projects.atom", "/dossiers.atom", "/tags/robotique.atom",
         "/agenda.ics", "/t/occitanie/agenda.ics", "/tags/robotique/agenda.ics"]


@pytest.fixture
def article(db, factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    article = Article(title="Robots", territory=territory, body="x")
    article.add_tag("Robotique")
    article.publish()
    db.session.add(article)
    db.session.commit()
    return article


def _before(modified: str) -> str:
    return formatdate(parsedate_to_datetime(modified).timestamp() - 1, usegmt=True)


def check_conditional(app, url):
    response = app.get(url)
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert response.headers["Content-Type"].count("charset") == 1
    assert app.get(url, headers={"If-None-Match": etag}, status=304).body == b""
    assert app.get(url, headers={"If-Modified-Since": modified}, status=304).body == b""
    assert app.get(url, headers={"If-None-Match": '"x"', "If-Modified-Since": modified}, status=200).body
    assert app.get(url, headers={"If-Modified-Since": _before(modified)}, status=200).body
    return etag, modified


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_answers_conditional_requests(testapp_en, article, url):
    check_conditional(testapp_en, url)


def test_a_removed_item_is_a_change(testapp_en, db, article):
    etag, modified = check_conditional(testapp_en, "/articles.atom")
    time.sleep(1.05)  # HTTP dates count seconds
    db.session.delete(article)
    db.session.commit()
    response = testapp_en.get("/articles.atom", headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert response.status_int == 200 and "Robots" not in response.text
    assert testapp_en.get("/articles.atom", headers={"If-Modified-Since": modified}).status_int == 200


def test_the_page_cache_answers_conditional_requests(cached_app, visitor, db, article):  # noqa: F811
    for url in ("/articles.atom", "/agenda.ics"):
        first = visitor.get(url)
        cached = visitor.get(url)  # from the cache
        assert cached.body == first.body
        assert cached.headers["ETag"] == first.headers["ETag"]
        assert cached.headers["Last-Modified"] == first.headers["Last-Modified"]
        visitor.get(url, headers={"If-None-Match": first.headers["ETag"]}, status=304)
        visitor.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}, status=304)
    assert len(cached_app.extensions["csti_page_cache"].entries) == 2
