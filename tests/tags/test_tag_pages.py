"""Tag pages and their Atom feed: every kind of published content with the tag, accents and
case folded, nothing unpublished."""
import xml.etree.ElementTree as ET

from csti.models import Announcement, Article

from ..statements import statements

ATOM = "{http://www.w3.org/2005/Atom}"


def _publish(db, item, tags, status="published"):
    for tag in tags:
        item.add_tag(tag)
    if status == "published":
        item.publish()
    else:
        item.status = status
    db.session.add(item)
    db.session.commit()
    return item


def test_tag_page_and_feed_list_every_published_kind(testapp_en, db, factory):
    territory = factory.territory()
    _publish(db, Article(title="Les étoiles filantes", territory=territory, article_kind="news"), ["Astronomie"])
    _publish(db, Announcement(title="Prêt d'un télescope", territory=territory, announcement_kind="lending"),
             ["astronomie"])
    _publish(db, Article(title="Brouillon secret", territory=territory), ["ASTRONOMIE"], status="draft")
    _publish(db, Article(title="Autre sujet", territory=territory), ["climat"])
    page = testapp_en.get("/tags/Astronomie")
    cards = [a.text for a in page.html.select("#results h3 a")]
    assert sorted(cards) == ["Les étoiles filantes", "Prêt d'un télescope"]
    link = page.html.find("link", rel="alternate", type="application/atom+xml")
    assert link["href"] == "/tags/astronomie.atom"
    feed = testapp_en.get("/tags/astronomie.atom")
    assert feed.content_type == "application/atom+xml"
    root = ET.fromstring(feed.body)
    titles = sorted(e.find(f"{ATOM}title").text for e in root.iter(f"{ATOM}entry"))
    assert titles == ["Les étoiles filantes", "Prêt d'un télescope"]
    assert root.find(f"{ATOM}title").text == "#Astronomie"


def test_unknown_tag_is_404(testapp_en, db):
    assert testapp_en.get("/tags/nothing-here", status=404).status_int == 404
    assert testapp_en.get("/tags/nothing-here.atom", status=404).status_int == 404


def test_common_and_rare_tags_page_alike_whichever_way_the_page_is_read(testapp_en, db, factory):
    """A tag on most items reads its first page by walking the newest items (EXISTS), a rare
    tag or a deep page by sorting the tag's items: same order, same pages, same total."""
    from datetime import timedelta

    from csti.models.base import utcnow

    territory = factory.territory()
    start = utcnow() - timedelta(days=60)
    for i in range(30):
        tags = (["commun"] if i < 25 else []) + (["rare"] if i % 10 == 0 else [])
        item = _publish(db, Article(title=f"Article {i:02d}", territory=territory, body="x"), tags)
        item.published_at = start + timedelta(days=i)  # a distinct date each: a known order
    _publish(db, Article(title="Brouillon commun", territory=territory), ["commun"], status="draft")
    db.session.commit()
    with statements(db.engine) as seen:
        first = testapp_en.get("/tags/commun")
        walked = any("EXISTS" in s for s in seen)
        seen.clear()
        second = testapp_en.get("/tags/commun?page=2")
        sorted_deep = not any("EXISTS" in s for s in seen)
        seen.clear()
        rare = testapp_en.get("/tags/rare")
        sorted_rare = not any("EXISTS" in s for s in seen)
    assert walked and sorted_deep and sorted_rare

    def titles(page):
        return [a.text for a in page.html.select("#results h3 a")]

    assert titles(first) == [f"Article {i:02d}" for i in range(24, 4, -1)]
    assert titles(second) == [f"Article {i:02d}" for i in range(4, -1, -1)]
    assert titles(rare) == ["Article 20", "Article 10", "Article 00"]
    assert "Page 1 of 2" in " ".join(first.html.select_one("nav.pagination").text.split())
