"""Tags added and removed in place with htmx, by the author of a page."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from csti.models import Page

from .conftest import log_in

pytestmark = pytest.mark.browser


def _tag_names(live, page_id):
    with live.db() as db:
        return sorted(t.name for t in db.session.scalar(select(Page).where(Page.id == page_id)).tags)


def test_author_adds_and_removes_a_tag_without_reloading(live, page):
    with live.data() as f:
        territory = f.territory()
        author = f.user(roles={territory: "contributor"})
        item = f.page(territory=territory, author=author, title="La nuit des étoiles")
        email, page_id, url = author.email, item.id, f"/page/{item.id}-{item.slug}"

    log_in(page, email)
    page.goto(url)
    page.wait_for_function("window.htmx !== undefined")  # htmx came from the CDN stand-in
    page.evaluate("window.__marker = 1")
    editor = page.locator(f"#tags-{page_id}")

    field = editor.locator(f"#tag-name-{page_id}")
    expect(editor.locator(f"label[for=tag-name-{page_id}]")).to_be_visible()
    field.fill("Fête de la Science")
    editor.locator("form.tag-add button[type=submit]").click()

    tag_link = page.locator(f"#tags-{page_id} a[href='/tags/fete-de-la-science']")
    expect(tag_link).to_have_text("#Fête de la Science")
    assert page.evaluate("window.__marker") == 1, "the tag was added in place, not by a new page"
    assert _tag_names(live, page_id) == ["Fête de la Science"]
    expect(page.locator(f"#tags-{page_id} input[name=name]")).to_have_value("")

    remove = page.locator(f"#tags-{page_id} li.tag button[type=submit]")
    expect(remove).to_have_accessible_name(re.compile("Fête de la Science"))
    remove.click()
    expect(tag_link).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the tag was removed in place"
    assert _tag_names(live, page_id) == []


def test_a_visitor_sees_the_tags_without_the_editor(live, page):
    with live.data() as f:
        territory = f.territory()
        item = f.page(territory=territory, tags=["Astronomie"])
        page_id, url = item.id, f"/page/{item.id}-{item.slug}"

    page.goto(url)
    expect(page.locator(f"#tags-{page_id} a[href='/tags/astronomie']")).to_be_visible()
    expect(page.locator(f"#tags-{page_id} form")).to_have_count(0)
