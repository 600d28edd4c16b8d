"""The header's search box suggests titles as one types (htmx, debounced), and Enter leads to
the results page."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_header_suggestions_as_one_types(live, page):
    with live.data() as f:
        territory = f.territory()
        f.page(territory=territory, title="Planétarium de Nantes : la nuit des étoiles")
        f.page(territory=territory, title="Atelier de robotique")
    page.goto("/")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    box = page.locator("#header-q")
    box.press_sequentially("plané", delay=40)
    suggestions = page.locator("#search-suggestions")
    expect(suggestions.get_by_role("link", name="Planétarium de Nantes : la nuit des étoiles")).to_be_visible()
    expect(suggestions).not_to_contain_text("robotique")
    assert page.evaluate("window.__marker") == 1, "suggestions came in place"
    box.press("Enter")
    page.wait_for_url("**/search?q=plan%C3%A9*")
    # "plané" is not a whole word: the page offers the titles that start like it.
    expect(page.locator("main").get_by_role("link", name="Planétarium de Nantes : la nuit des étoiles")).to_be_visible()
