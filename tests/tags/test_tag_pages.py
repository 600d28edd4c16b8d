"""Tag pages and their Atom feed: every kind of published content with the tag, accents and
case folded, nothing unpublished."""
import xml.etree.ElementTree as ET

from csti.models import Announcement, Article

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
