"""The XSS corpus in a real browser (issue #19's hardening suite): the payloads of
``tests/security/inert.py``, written through the real edit forms, are shown by an item's page,
a list, the search and the maps — with the Content-Security-Policy bypassed, so that only the
escaping and the sanitising stand between a payload and ``window.__xss`` or a dialog."""
import pytest
from playwright.sync_api import expect
from webtest import TestApp

from csti.models import Content, Tag

from ..conftest import isolated, login
from ..sample_site import build
from ..security.inert import MARK
from ..security.test_xss import write_corpus

pytestmark = pytest.mark.browser


@pytest.fixture
def corpus(live):
    with live.data() as f:
        site = build(f)
    author = TestApp(isolated(live.app), extra_environ={"REMOTE_ADDR": "127.0.2.1"})
    assert login(author, site["author"]).status_int == 303
    for kind in ("article", "event", "actor"):
        id = site["samples"][kind][0]
        write_corpus(author, f"/{kind}/{id}/edit")
    with live.data() as f:
        urls = {}
        for kind in ("article", "event"):
            item = f.db.session.get(Content, site["samples"][kind][0])
            if item.status != "published":
                item.publish()
            urls[kind] = f"/{kind}/{item.id}-{item.slug}"
        f.db.session.commit()
        urls["tag"] = f.db.session.query(Tag.slug).filter(Tag.name.startswith(MARK)).scalar()
    return urls


def _inert(page, dialogs, url):
    assert MARK in page.content(), f"{url}: the payload is not on the page"
    assert page.evaluate("window.__xss === undefined"), f"{url}: a payload ran"
    assert not dialogs, f"{url}: a payload opened a dialog: {dialogs}"


def test_pages_holding_the_corpus_run_none_of_it(live, new_context, corpus):
    page = new_context(bypass_csp=True).new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in (corpus["article"], corpus["event"], "/articles", "/search?q=zorglub"):
        page.goto(url)
        page.wait_for_load_state("load")
        _inert(page, dialogs, url)
    for url, map_id in ((f"/actors?tag={corpus['tag']}", "actors-map"),
                        (f"/agenda?view=map&tag={corpus['tag']}", "events-map")):
        page.goto(url)
        the_map = page.locator(f"#{map_id}")
        expect(the_map).to_have_attribute("data-count", "1")  # the item holding the corpus
        the_map.locator(".leaflet-overlay-pane path.leaflet-interactive").click()
        popup = the_map.locator(".leaflet-popup-content")
        expect(popup).to_contain_text(MARK)
        assert popup.locator("img, script, svg, b").count() == 0, popup.inner_html()
        _inert(page, dialogs, url)
