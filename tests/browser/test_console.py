"""The pages run clean in a real browser: no console error, no uncaught exception, no
Content-Security-Policy violation, nothing fetched from outside but the pinned CDN and tiles."""
import pytest

from ..sample_site import build

pytestmark = pytest.mark.browser


def _settled(page):
    """Wait for what the page loads after "load": htmx, and the maps with their markers."""
    if page.locator("script[src*=htmx]").count():  # not the widgets (/embed/…): no script there
        page.wait_for_function("window.htmx !== undefined")
    if page.locator("[data-map]").count():
        page.wait_for_function("window.L !== undefined")
        page.locator("[data-map] .leaflet-tile-pane").first.wait_for(state="attached")
    if page.locator("[data-map=directory]").count():
        page.locator("[data-map=directory][data-count]").wait_for(state="attached")


def test_pages_have_no_console_errors_nor_csp_violations(live, page, problems):
    with live.data() as f:
        site = build(f)
    paths = ["/", site["territory"], site["page"], "/login", "/actors", site["actor"],
             "/agenda", "/agenda?view=map", site["event"], site["article"]]  # JSON-LD: no CSP report (§17)
    found = {}
    for path in paths:
        page.goto(path)
        _settled(page)
        trouble = problems.new(page)
        if trouble:
            found[path] = trouble
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(items) for path, items in found.items())
