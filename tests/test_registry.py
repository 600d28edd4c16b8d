"""The content-type registry (docs/architecture.md §4): every content type is declared, and
what reads the registry (page cache, feeds, nav) sees every declared type, and every listed type
has its sample for the shared tests (tests/samples.py)."""
import re
from pathlib import Path

import pytest

import csti
from csti import feeds, pagecache, registry
from csti.models import Content

from . import samples


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_content_subclass_is_registered(app):
    kinds = {cls.__mapper__.polymorphic_identity: cls for cls in _subclasses(Content)}
    assert set(kinds) == set(Content.__mapper__.polymorphic_map) - {"content"}
    for kind, cls in kinds.items():
        assert kind in {t.kind for t in registry.all()}, f"{cls.__name__} is not in the registry"
        assert registry.get(kind).model is cls


def test_lists_and_feeds_are_cached_and_routed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for content_type in registry.all():
        for endpoint in (content_type.list_endpoint, content_type.feed_endpoint, *content_type.cached_endpoints):
            if endpoint:
                assert endpoint in endpoints, endpoint
                assert endpoint in pagecache.endpoints(), f"{endpoint} is never cached"
        for endpoint in (content_type.feed_endpoint, *content_type.feed_endpoints):
            if endpoint:
                assert endpoint in endpoints, endpoint
                assert endpoint in feeds.feed_endpoints(), f"{endpoint} is not answered conditionally"


def test_structure_kinds_are_registered_kinds(app):
    declared = {t.kind for t in registry.all() if t.structure_page}
    assert set(registry.structure_kinds()) == declared >= {"article", "announcement"}
    assert set(registry.structure_kinds()) <= set(Content.KINDS)


def test_nav_shows_the_registered_entries_in_order(app, testapp_en):
    entries = registry.nav_entries()
    assert [e.nav_order for e in entries] == sorted(e.nav_order for e in entries)
    declared = {t.kind for t in registry.all() if t.nav_label is not None} | {e.kind for e in registry.nav_extras()}
    assert {e.kind for e in entries} == declared >= {"event", "trainings", "article", "announcement", "project",
                                                      "dossier", "actor"}
    nav = re.search(r'<nav class="main-nav".*?</nav>', testapp_en.get("/articles").text, re.S).group(0)
    links = re.findall(r'<li><a href="([^"]+)" ?(aria-current="page")?>([^<]+)</a></li>', nav)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import url_for

        expected = [(url_for(e.list_endpoint), 'aria-current="page"' if e.kind == "article" else "", str(e.nav_label))
                    for e in entries]
    assert links == expected


def test_discovery_finds_every_blueprint_package(app):
    root = Path(csti.__file__).parent / "blueprints"
    packages = sorted(p.name for p in root.iterdir() if (p / "__init__.py").exists())
    found = [bp.import_name.rpartition(".")[2] for bp in csti.discover_blueprints()]
    assert found == packages
    assert set(packages) <= set(app.blueprints)


def test_a_kind_is_registered_once(app):
    article = registry.get("article")
    with pytest.raises(ValueError):
        registry.register("article", Content, "articles.index")
    assert registry.get("article") is article


def test_every_listed_type_has_a_sample(app):
    """The shared query-count and HTML checks make each listed type's items with the sample in
    its own test package: a new type without one is told here."""
    assert samples.listed_types(), "no listed type"
    assert not samples.missing(), (f"content types without a sample for the shared tests (write "
                                   f"make(site, n), see tests/samples.py): {samples.missing()}")


def test_the_trainings_have_their_menu_entry(testapp_en):
    """Issue #13: the trainings' catalogue is in the main menu, current on its page (the agenda
    then is not)."""
    page = testapp_en.get("/trainings")
    nav = page.html.select_one("nav.main-nav")
    entry = nav.find("a", href="/trainings")
    assert entry is not None and entry.text == "Trainings" and entry.get("aria-current") == "page"
    assert nav.find("a", href="/agenda").get("aria-current") is None
    agenda = testapp_en.get("/agenda").html.select_one("nav.main-nav")
    assert agenda.find("a", href="/agenda").get("aria-current") == "page"
    assert agenda.find("a", href="/trainings").get("aria-current") is None
