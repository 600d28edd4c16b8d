"""The widgets in a real browser (issue #18): a page of another site — served from another
loopback port and host name — shows the live site's agenda in a frame (Chromium does not block
it), while an ordinary page of the site in the same kind of frame is refused; the Embed page's
script updates the preview and the code as the fields change, and copies the code."""
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from ..sample_site import make_event

pytestmark = pytest.mark.browser


@pytest.fixture
def agenda(live):
    with live.data() as f:
        occitanie = f.territory(slug="occitanie", name="Occitanie")
        f.territory(slug="bretagne", name="Bretagne")
        make_event(f.db, occitanie, title="Nuit des étoiles au muséum", kind="talk", days_ahead=4)
        make_event(f.db, occitanie, title="Atelier robotique", kind="workshop", days_ahead=6)


@pytest.fixture
def other_site(tmp_path):
    """``other_site(html)``: the address of a page holding ``html``, served by Python's
    http.server on another port of the loopback (``localhost``: another host than the live
    site's 127.0.0.1, so another site for the browser). Stopped at the end of the test."""
    servers = []

    def serve(html: str) -> str:
        (tmp_path / "index.html").write_text(html, encoding="utf-8")
        handler = partial(_QuietHandler, directory=str(tmp_path))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, name="other-site", daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://localhost:{server.server_port}/index.html"

    yield serve
    for server, thread in servers:
        server.shutdown()
        thread.join(10)
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no line per request in the test output
        pass


def test_another_site_shows_the_agenda_in_a_frame(live, new_context, agenda, other_site):
    url = other_site(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Le musée</title></head>
<body><h1>Le musée</h1>
<iframe id="widget" name="widget" src="{live.url}/embed/agenda?lang=en&amp;color=%23c00&amp;territory=occitanie"
        title="Agenda" width="100%" height="500" style="border:0" loading="lazy"></iframe>
<iframe id="page" name="page" src="{live.url}/agenda" title="A page of the site" width="100%" height="300"></iframe>
</body></html>""")
    context = new_context(locale="en-GB")
    page = context.new_page()
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(url)
    widget = page.frame_locator("#widget")
    expect(widget.locator("h1")).to_contain_text("Upcoming events")
    expect(widget.get_by_role("link", name="Nuit des étoiles au muséum")).to_be_visible()
    link = widget.get_by_role("link", name="Nuit des étoiles au muséum")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener"
    # The accent stylesheet loaded inside the frame: the title's colour is the (AA-safe) accent.
    colour = widget.locator("h1").evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(204, 0, 0)", colour
    assert not page.frame("widget").evaluate("document.cookie")
    # An ordinary page of the site is refused in the same page (frame-ancestors 'none', DENY).
    framed = page.frame("page")
    assert framed.url.startswith("chrome-error://"), framed.url  # Chromium's error page, not the agenda
    assert framed.locator("nav.main-nav").count() == 0
    for _ in range(50):  # the refusal is logged by the time "load" fired; a few turns at most
        if any("frame-ancestors 'none'" in m and "blocked" in m for m in messages):
            break
        page.wait_for_timeout(100)
    assert any("frame-ancestors 'none'" in m and "blocked" in m for m in messages), messages
    assert not any("embed/agenda" in m for m in messages), messages  # the widget was not refused
    assert context.cookies() == [], context.cookies()  # nothing set, in either frame's site


def test_the_embed_page_updates_the_code_as_fields_change_and_copies_it(live, new_context, agenda):
    context = new_context(locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()
    page.goto("/embed")
    snippet = page.locator("#embed-snippet")
    preview = page.locator("#embed-preview")
    expect(snippet).to_have_value(
        f'<iframe src="{live.url}/embed/agenda?lang=en" title="Agenda of csti" width="100%" height="600" '
        'style="border:0" loading="lazy"></iframe>'.replace("http://127.0.0.1", "http://127.0.0.1"))
    page.evaluate("window.__marker = 1")
    page.locator("#territory").select_option("occitanie")
    expect(snippet).to_have_value(
        f'<iframe src="{live.url}/embed/agenda?territory=occitanie&amp;lang=en" title="Agenda of csti" '
        'width="100%" height="600" style="border:0" loading="lazy"></iframe>')
    expect(preview).to_have_attribute("src", "/embed/agenda?territory=occitanie&lang=en")
    page.get_by_label("News: latest articles and announcements").check()
    page.locator("#height").fill("420")
    expect(snippet).to_have_value(
        f'<iframe src="{live.url}/embed/news?territory=occitanie&amp;lang=en" title="News from csti" '
        'width="100%" height="420" style="border:0" loading="lazy"></iframe>')
    expect(preview).to_have_attribute("height", "420")
    assert page.evaluate("window.__marker") == 1, "updated in place, without a reload"
    assert "widget=news" in page.url and "height=420" in page.url
    # A value refused: the server's reasons replace the preview; corrected, the preview is back.
    page.locator("#limit").fill("99")
    expect(page.locator("#embed-output")).to_contain_text("Give a whole number from 1 to 50.")
    expect(preview).to_have_count(0)
    page.locator("#limit").fill("5")
    expect(page.locator("#embed-preview")).to_have_attribute("src", "/embed/news?territory=occitanie&limit=5&lang=en")
    # Copy.
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#embed-copy-status")).to_have_text("The code is copied.")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.input_value()
    # The one console error: the refused value's 400, asked on purpose above.
    assert [p for p in context.problems.new(page) if "limit=99" not in p] == []
