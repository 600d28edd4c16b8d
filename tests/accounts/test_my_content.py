"""My content (/me/content): everything a member wrote, in every status, with edit links where
they may edit it; filters by status and kind; htmx fragment; pagination; constant queries."""
from datetime import date, timedelta

import pytest

from csti.models import Announcement, Article, Project
from tests.test_query_counts import QueryCounter, Site

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

HTMX = {"HX-Request": "true"}


def _item(db, model, territory, author, title, status, note="", **fields):
    item = model(title=title, territory=territory, author=author, **fields)
    if status == "published":
        item.publish()
    else:
        item.status = status
    item.moderation_note = note
    db.session.add(item)
    db.session.commit()
    return item


def _titles(page):
    return [h.get_text(strip=True) for h in page.html.select("#results .card h3")]


def _mine(db, factory, make_actor):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    bob = factory.user(email="bob@example.org", name="Bob")
    other = factory.user(email="alice@example.org", name="Alice")
    items = {
        "draft": _item(db, Article, territory, bob, "Brouillon d'article", "draft", article_kind="news"),
        "pending": _item(db, Announcement, territory, bob, "Appel en attente", "pending",
                         deadline=date.today() + timedelta(days=10)),
        "published": _item(db, Project, territory, bob, "Projet publié", "published", stage="in_progress"),
        "rejected": _item(db, Article, territory, bob, "Article refusé", "rejected",
                          note="Hors sujet pour ce territoire.", article_kind="news"),
        "rejected actor": make_actor(territory, "Structure refusée", status="rejected", author=bob,
                                     moderation_note="Doublon d'une structure existante."),
        "published actor": make_actor(territory, "Structure publiée", author=bob),
    }
    _item(db, Article, territory, other, "L'article d'Alice", "draft", article_kind="news")
    _item(db, Project, territory, other, "Le projet d'Alice", "published", stage="idea")
    return bob, items


def test_anonymous_is_sent_to_log_in(testapp):
    response = testapp.get("/me/content")
    assert response.status_int == 302 and "/login" in response.location


def test_a_member_sees_everything_they_wrote_and_nothing_else(testapp_en, db, factory, make_actor, log_in):
    bob, items = _mine(db, factory, make_actor)
    page = log_in(testapp_en, bob).get("/me/content")
    assert page.status_int == 200
    assert page.html.title.get_text().startswith("My content")
    assert sorted(_titles(page)) == sorted(item.title for item in items.values())
    assert "Alice" not in page.text
    for status in ("Draft", "Pending review", "Published", "Rejected"):
        assert page.html.select_one("#results").find(string=lambda s, st=status: s and st in s)
    text = page.html.select_one("#results").get_text(" ", strip=True)
    assert "Rejected Reason: Hors sujet pour ce territoire." in text
    assert "Reason: Doublon d'une structure existante." in text
    options = {o["value"]: o.get_text(strip=True) for o in page.html.select("#mine-status option")}
    assert options[""] == "All statuses (6)"
    assert options["draft"] == "Draft (1)" and options["published"] == "Published (2)"
    assert options["rejected"] == "Rejected (2)" and options["pending"] == "Pending review (1)"
    assert "archived" not in options
    # The menu and the settings page lead here.
    assert page.html.select_one('.user-nav a[href="/me/content"][aria-current="page"]')
    assert log_in(testapp_en, bob).get("/account").html.select_one('main a[href="/me/content"]')


def test_edit_links_only_where_the_member_may_edit(testapp_en, db, factory, make_actor, log_in):
    bob, items = _mine(db, factory, make_actor)
    page = log_in(testapp_en, bob).get("/me/content")
    links = {a["href"] for a in page.html.select("#results .card a") if a.get_text(strip=True).startswith("Edit")}
    editable = {k: v for k, v in items.items() if k != "published actor"}
    assert links == {f"/{item.kind}/{item.id}/edit" for item in editable.values()}
    assert f"/actor/{items['published actor'].id}/edit" not in links  # a published structure: its managers
    assert f"/article/{items['draft'].id}/edit" in links
    for href in links:
        assert log_in(testapp_en, bob).get(href).status_int == 200


def test_filters_by_status_and_kind(testapp_en, db, factory, make_actor, log_in):
    bob, items = _mine(db, factory, make_actor)
    testapp_en = log_in(testapp_en, bob)
    rejected = testapp_en.get("/me/content?status=rejected")
    assert sorted(_titles(rejected)) == ["Article refusé", "Structure refusée"]
    assert rejected.html.select_one('#mine-status option[value="rejected"]').has_attr("selected")
    articles = testapp_en.get("/me/content?kind=article")
    assert sorted(_titles(articles)) == ["Article refusé", "Brouillon d'article"]
    both = testapp_en.get("/me/content?kind=actor&status=published")
    assert _titles(both) == ["Structure publiée"]
    nothing = testapp_en.get("/me/content?kind=event")
    assert _titles(nothing) == [] and "Nothing matches these filters." in nothing.text
    unknown = testapp_en.get("/me/content?status=bogus&kind=page")  # ignored: every status and kind
    assert len(_titles(unknown)) == 6
    form = testapp_en.get("/me/content").forms["my-content-filters"]  # without JavaScript
    form["status"] = "draft"
    assert _titles(form.submit()) == ["Brouillon d'article"]


def test_htmx_gets_the_results_block(testapp_en, db, factory, make_actor, log_in):
    bob, _items = _mine(db, factory, make_actor)
    fragment = log_in(testapp_en, bob).get("/me/content?status=pending", headers=HTMX)
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert "Appel en attente" in fragment.text and "Projet publié" not in fragment.text
    assert "HX-Request" in fragment.headers.get("Vary", "")
    page = testapp_en.get("/me/content")
    form = page.html.select_one("form.filters")
    assert form["hx-get"] == "/me/content" and form["hx-target"] == "#results" and form["hx-push-url"] == "true"


def test_the_newest_updated_first_and_pages_of_20(testapp_en, db, factory, log_in):
    territory = factory.territory()
    bob = factory.user()
    for n in range(23):
        _item(db, Article, territory, bob, f"Article {n:02d}", "draft", article_kind="news")
    first = log_in(testapp_en, bob).get("/me/content")
    assert len(_titles(first)) == 20 and _titles(first)[0] == "Article 22"
    assert "23 items" in first.text
    second = testapp_en.get(first.html.select_one('.pagination a[rel="next"]')["href"])
    assert _titles(second) == ["Article 02", "Article 01", "Article 00"]


def test_french(testapp, db, factory, make_actor, log_in):
    bob, _items = _mine(db, factory, make_actor)
    page = log_in(testapp, bob).get("/me/content")
    assert page.html.title.get_text().startswith("Mes contenus")
    assert page.html.h1.get_text(strip=True) == "Mes contenus"
    assert "Motif :" in page.text and "Modifier" in page.text and "Brouillon" in page.text


def test_queries_do_not_grow_with_the_items(app, db, factory, testapp, log_in):
    site = Site(db, factory)
    site.add(1)
    log_in(testapp, site.author)
    counter = QueryCounter(db.engine)
    before = counter.measure(testapp, "/me/content", {})
    fragment_before = counter.measure(testapp, "/me/content?status=published", HTMX)
    shown = len(_titles(testapp.get("/me/content")))
    site.add(1)
    assert len(_titles(testapp.get("/me/content"))) > shown
    assert counter.measure(testapp, "/me/content", {}) == before
    assert counter.measure(testapp, "/me/content?status=published", HTMX) == fragment_before
