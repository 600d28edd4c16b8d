"""The header's menus (issue #13): the main menu visible whole on a desktop in any browser,
folded on a phone; every <details> menu closes on Escape (focus back on its summary) and on a
click outside it."""
import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.browser


def _territory(live):
    with live.data() as f:
        f.territory(slug="occitanie", name="Occitanie")


def test_the_desktop_menu_does_not_depend_on_details_content(live, page):
    """Browsers without ``::details-content`` cannot show a closed <details>' content: the menu
    must not be inside one."""
    _territory(live)
    page.goto("/")
    assert page.evaluate("document.querySelector('.main-nav').closest('details.nav-disclosure') === null")
    for href in ("/agenda", "/actors", "/articles"):
        expect(page.locator(f".main-nav a[href='{href}']")).to_be_visible()
    expect(page.locator(".nav-disclosure > summary")).to_be_hidden()


def test_the_phone_menu_folds_and_escape_folds_it_back(live, new_context):
    _territory(live)
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto("/")
    agenda = page.locator(".main-nav a[href='/agenda']")
    expect(agenda).to_be_hidden()
    summary = page.locator(".nav-disclosure > summary")
    summary.click()
    expect(agenda).to_be_visible()
    agenda.focus()
    page.keyboard.press("Escape")
    expect(agenda).to_be_hidden()
    expect(summary).to_be_focused()


def test_a_menu_closes_on_escape_with_the_focus_on_its_summary(live, page):
    _territory(live)
    page.goto("/")
    menu = page.locator(".main-nav details.menu")
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")  # into the list
    expect(menu.locator(".menu-list a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()


def test_a_menu_closes_on_a_click_or_focus_outside(live, page):
    with live.data() as f:
        f.territory(slug="occitanie", name="Occitanie")
        email = f.user(name="Camille").email
    log_in(page, email)
    page.goto("/")
    account = page.locator(".user-nav details.menu")
    account.locator("summary").click()
    expect(account.locator(".menu-list")).to_be_visible()
    page.locator("main").click(position={"x": 5, "y": 5})
    expect(account).not_to_have_attribute("open", "")
    territories = page.locator(".main-nav details.menu")
    territories.locator("summary").click()
    expect(territories).to_have_attribute("open", "")
    page.locator("#header-q").focus()  # tabbing away
    expect(territories).not_to_have_attribute("open", "")
    # A click inside an open menu leaves it open.
    territories.locator("summary").click()
    territories.locator(".menu-list").click(position={"x": 3, "y": 3})  # its padding, not a link
    expect(territories).to_have_attribute("open", "")
