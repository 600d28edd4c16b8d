"""After a failed submit the focus is on the form's error summary (issue #13): on a page
re-rendered with 422, and in a form htmx swaps in with its errors."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _wrong_password(page):
    form = page.locator("#login-form")
    form.locator("input[name=email]").fill("nobody@example.org")
    form.locator("input[name=password]").fill("not the password")
    return form


def test_a_page_with_errors_starts_from_its_summary(live, page):
    page.goto("/login")
    form = _wrong_password(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    summary = page.locator(".form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the form, after the summary
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_page_without_errors_does_not_move_the_focus(live, page):
    page.goto("/login")
    assert page.evaluate("document.activeElement === document.body")


def test_a_form_swapped_in_by_htmx_with_errors_focuses_its_summary(live, page):
    page.goto("/login")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("""() => {
      const form = document.getElementById('login-form');
      form.setAttribute('hx-post', form.getAttribute('action') || '/login');
      form.setAttribute('hx-target', '#main');
      form.setAttribute('hx-select', '#main > *');
      htmx.process(form);
    }""")
    form = _wrong_password(page)
    page.evaluate("document.activeElement.blur()")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    expect(page.locator(".form-errors")).to_be_focused()
