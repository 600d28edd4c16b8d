"""The language switcher in the header: French by default, English one click away, and the
choice follows the visitor from page to page."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_switch_to_english_and_it_persists(live, page):
    with live.data() as f:
        f.territory(slug="occitanie", name="Occitanie")

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    switch = page.locator(".lang-switch a")
    expect(switch).to_have_text("English")

    with page.expect_navigation():
        switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".lang-switch a")).to_have_text("Français")

    # Still English on the next page, reached by a link.
    with page.expect_navigation():
        page.locator("main a[href='/t/occitanie']").first.click()
    assert page.url.endswith("/t/occitanie")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # And back to French.
    with page.expect_navigation():
        page.locator(".lang-switch a").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith("/t/occitanie"), "the switch brings the visitor back where they were"
