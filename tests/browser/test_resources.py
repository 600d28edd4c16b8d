"""The resource centre in a browser (issue #16): the video loads only on a click, within the
CSP; the list (filters open) and a resource's page fit a 375 px phone."""
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ..sample_site import build
from .test_console import _settled
from .test_phone import OVERFLOW

pytestmark = pytest.mark.browser


def _resource_url(live, site):
    from flask import url_for

    with live.app.test_request_context():
        id, slug = site["samples"]["resource"]
        return url_for("resources.show", id=id, slug=slug)


def test_the_video_loads_only_after_a_click(live, page):
    with live.data() as f:
        site = build(f)
    url = _resource_url(live, site)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    _settled(page)
    assert page.locator("#video iframe").count() == 0
    assert not [u for u in requested if "youtube" in u]  # nothing from the host before the click
    link = page.locator("#video a.video-load")
    with live.app.test_request_context():  # the browser reads the site in French or English
        said = set()
        for language in ("fr", "en"):
            with force_locale(language):
                said.add(_("Play the video (loads content from %(host)s)", host="www.youtube-nocookie.com"))
    assert " ".join(link.inner_text().split()) in said
    link.click()
    frame = page.locator("#video iframe.video-frame")
    frame.wait_for()
    assert frame.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    assert frame.get_attribute("title")
    assert page.url.endswith(url)  # the page stayed: the link did not navigate
    assert not [v for v in page.evaluate("window.__cspViolations || []") if "frame" in v]


def test_list_and_page_fit_a_phone(live, new_context):
    with live.data() as f:
        site = build(f)
    url = _resource_url(live, site)
    page = new_context(viewport={"width": 375, "height": 812}).new_page()
    for path in ("/resources?audience=libraries&from=2030-01-01", "/resources?from=2030-01-10&to=2030-01-01", url):
        page.goto(path)
        _settled(page)
        if page.locator("details.filters-disclosure").count():
            page.locator("details.filters-disclosure > summary").click()
        assert page.evaluate(OVERFLOW) is None, path
