"""Following with htmx: the button swaps in place; "Unfollow" on "What I follow" removes the row
and the live region says so — without a new page."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from csti.models import Follow

from .conftest import log_in

pytestmark = pytest.mark.browser


def _follows(live, email):
    from csti.models import User

    with live.db() as db:
        user = db.session.scalar(select(User).where(User.email == email))
        return db.session.scalar(select(func.count(Follow.id)).where(Follow.follower_id == user.id))


def test_follow_in_place_then_unfollow_from_the_list(live, page):
    with live.data() as f:
        territory = f.territory()
        author = f.user(roles={territory: "contributor"})
        f.page(territory=territory, author=author, title="La nuit des étoiles", tags=["astronomie"])
        reader = f.user(name="Léa Lectrice", locale="en")
        email = reader.email

    log_in(page, email)
    page.goto("/tags/astronomie")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    button = page.locator("#follow-tag-astronomie button")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(page.locator("#follow-tag-astronomie button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#follow-tag-astronomie")).to_contain_text("1 follower")
    assert page.evaluate("window.__marker") == 1 and _follows(live, email) == 1

    page.goto("/me/follows")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    rows = page.locator("#follows-tags ~ ul li")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Unfollow #astronomie").click()
    expect(rows).to_have_count(0)
    expect(page.locator("#live-messages")).to_contain_text("You no longer follow #astronomie.")
    assert page.evaluate("window.__marker") == 1, "the row went in place"
    assert _follows(live, email) == 0
