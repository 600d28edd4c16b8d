"""Logging in through the real form."""
import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_through_the_form_shows_the_name_in_the_header(live, page):
    with live.data() as f:
        f.user(email="camille@example.org", name="Camille Dupont")

    page.goto("/")
    expect(page.locator("details.menu-right")).to_have_count(0)
    page.get_by_role("link", name="Log in").or_(page.get_by_role("link", name="Se connecter")).first.click()
    page.wait_for_url("**/login**")

    form = page.locator("#login-form")
    form.locator("input[name=email]").fill("camille@example.org")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=remember]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    expect(page.locator("details.menu-right summary")).to_have_text("Camille Dupont")
    expect(page.locator("#login-form")).to_have_count(0)
    cookies = {c["name"] for c in page.context.cookies()}
    assert "remember_token" in cookies, "remember me sets the long-lived cookie"

    # The session holds on the next page.
    page.goto("/actors")
    expect(page.locator("details.menu-right summary")).to_have_text("Camille Dupont")


def test_wrong_password_keeps_the_visitor_logged_out(live, page):
    with live.data() as f:
        f.user(email="camille@example.org", name="Camille Dupont")

    page.goto("/login")
    form = page.locator("#login-form")
    form.locator("input[name=email]").fill("camille@example.org")
    form.locator("input[name=password]").fill("not the password")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("details.menu-right")).to_have_count(0)
