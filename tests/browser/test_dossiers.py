"""Dossiers in a browser: "Add to a dossier" on a content page opens the picker, a dossier is
created inline with the item in it and the item taken out again — all without a page reload;
on the dossier's page, items move in place and the keyboard focus follows them."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from csti.blueprints.dossiers.operations import add_item
from csti.models import Article, Dossier

from .conftest import log_in

pytestmark = pytest.mark.browser


def _article(f, territory, title):
    article = Article(title=title, territory=territory, article_kind="news", summary="Reportage.", body="Texte.")
    article.publish()
    f.db.session.add(article)
    f.db.session.commit()
    return article


def _dossiers(live):
    with live.db() as db:
        return [(d.title, [e.content_id for e in d.items]) for d in db.session.scalars(select(Dossier))]


def test_add_to_a_new_dossier_from_a_content_page_without_reloading(live, page, problems):
    with live.data() as f:
        home = f.territory(name="Occitanie")
        elsewhere = f.territory(name="Bretagne")
        email = f.user(roles={home: "contributor"}).email
        article = _article(f, elsewhere, "Les phares de Bretagne")
        article_id, url = article.id, f"/article/{article.id}-{article.slug}"

    log_in(page, email)
    page.goto(url)
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")

    page.locator(f"#dossier-add-{article_id} > summary").click()
    picker = page.locator(f"#dossier-picker-{article_id}")
    expect(picker).to_be_visible()  # loaded by htmx when the disclosure opened

    # An empty title: the message comes next to the field, in place, and nothing is created.
    page.locator(f"#dossier-new-{article_id} button[type=submit]").click()
    expect(page.locator(f"#dossier-new-title-{article_id}-error")).to_be_visible()
    expect(page.locator(f"#dossier-new-title-{article_id}")).to_be_focused()
    assert _dossiers(live) == []
    assert all("422" in line for line in problems.new(page)), "only the refused form's 422 was noticed"

    page.locator(f"#dossier-new-title-{article_id}").fill("Mon tour des sciences")
    page.locator(f"#dossier-new-{article_id} button[type=submit]").click()
    expect(picker.locator(".in-dossier")).to_have_count(1)
    expect(picker.locator(".dossier-choice a")).to_have_text("Mon tour des sciences")
    expect(page.locator("#live-messages")).to_contain_text("Mon tour des sciences")
    assert page.evaluate("window.__marker") == 1, "the dossier was created in place, not by a new page"
    assert _dossiers(live) == [("Mon tour des sciences", [article_id])]

    # The keyboard focus stays on the dossier's button, which now takes the item out.
    remove = picker.locator(".dossier-choice button")
    expect(remove).to_be_focused()
    remove.click()
    expect(picker.locator(".in-dossier")).to_have_count(0)
    expect(picker.locator(".dossier-choice button")).to_be_focused()
    assert page.evaluate("window.__marker") == 1
    assert _dossiers(live) == [("Mon tour des sciences", [])]
    assert not problems.new(page)


def test_items_move_in_place_on_the_dossier_page(live, page, problems):
    with live.data() as f:
        territory = f.territory()
        owner = f.user()
        first, second = _article(f, territory, "Premier"), _article(f, territory, "Second")
        dossier = Dossier(title="Dans l'ordre", territory=territory, author=owner)
        dossier.publish()
        f.db.session.add(dossier)
        add_item(dossier, first, owner)
        add_item(dossier, second, owner)
        f.db.session.commit()
        email, url, first_id, second_id = owner.email, f"/dossier/{dossier.id}-{dossier.slug}", first.id, second.id

    log_in(page, email)
    page.goto(url)
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    titles = page.locator("#dossier-items li.dossier-item h3 a")
    expect(titles).to_have_text(["Premier", "Second"])
    page.locator(f"#dossier-item-{first_id} form[action$='/down'] button").click()
    expect(titles).to_have_text(["Second", "Premier"])
    # Now last, its "Move down" is disabled: the focus goes to its "Move up".
    expect(page.locator(f"#dossier-item-{first_id} form[action$='/up'] button")).to_be_focused()
    assert page.evaluate("window.__marker") == 1, "moved in place"
    assert _dossiers(live) == [("Dans l'ordre", [second_id, first_id])]
    assert not problems.new(page)
