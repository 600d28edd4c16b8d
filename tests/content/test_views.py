"""The shared content views (csti/blueprints/content/views.py, docs/architecture.md §4): every
converted type keeps its URLs and endpoints, every listed type whose blueprint declares its
views is served by them, and the hooks a type declares are the ones called."""
import importlib

import pytest
from sqlalchemy import select

from csti import registry
from csti.blueprints.content.views import ContentViews
from csti.models import Announcement, Article, Project
from tests.conftest import login

TYPES = ("articles", "announcements", "projects", "dossiers", "pages", "events")

# The rules of these blueprints before the shared views (commit ef7903c): (endpoint, rule, methods).
RULES = {
    ("announcements.create", "/announcements/new", ("GET", "POST")),
    ("announcements.edit", "/announcement/<int:id>/edit", ("GET", "POST")),
    ("announcements.feed", "/announcements.atom", ("GET",)),
    ("announcements.index", "/announcements", ("GET",)),
    ("announcements.show", "/announcement/<int:id>", ("GET",)),
    ("announcements.show", "/announcement/<int:id>-<slug>", ("GET",)),
    ("articles.create", "/articles/new", ("GET", "POST")),
    ("articles.edit", "/article/<int:id>/edit", ("GET", "POST")),
    ("articles.feed", "/articles.atom", ("GET",)),
    ("articles.formats", "/formats", ("GET",)),
    ("articles.index", "/articles", ("GET",)),
    ("articles.show", "/article/<int:id>", ("GET",)),
    ("articles.show", "/article/<int:id>-<slug>", ("GET",)),
    ("dossiers.add_collaborator", "/dossier/<int:id>/collaborators", ("POST",)),
    ("dossiers.add_item", "/dossier/<int:id>/items", ("POST",)),
    ("dossiers.create", "/dossiers/new", ("GET", "POST")),
    ("dossiers.delete", "/dossier/<int:id>/delete", ("GET", "POST")),
    ("dossiers.edit", "/dossier/<int:id>/edit", ("GET", "POST")),
    ("dossiers.feed", "/dossiers.atom", ("GET",)),
    ("dossiers.index", "/dossiers", ("GET",)),
    ("dossiers.mine", "/me/dossiers", ("GET",)),
    ("dossiers.move_item", "/dossier/<int:id>/items/<int:content_id>/<any(up, down):direction>", ("POST",)),
    ("dossiers.note", "/dossier/<int:id>/items/<int:content_id>/note", ("POST",)),
    ("dossiers.picker", "/content/<int:content_id>/dossiers", ("GET",)),
    ("dossiers.quick_create", "/content/<int:content_id>/dossiers", ("POST",)),
    ("dossiers.remove_collaborator", "/dossier/<int:id>/collaborators/<int:user_id>/remove", ("POST",)),
    ("dossiers.remove_item", "/dossier/<int:id>/items/<int:content_id>/remove", ("POST",)),
    ("dossiers.show", "/dossier/<int:id>", ("GET",)),
    ("dossiers.show", "/dossier/<int:id>-<slug>", ("GET",)),
    ("events.agenda", "/agenda", ("GET",)),
    ("events.agenda_geojson", "/agenda.geojson", ("GET",)),
    ("events.agenda_ics", "/agenda.ics", ("GET",)),
    ("events.attendance", "/event/<int:id>/registrants/<int:registration_id>/attendance", ("POST",)),
    ("events.cancel_view", "/event/<int:id>/cancel", ("POST",)),
    ("events.create", "/events/new", ("GET", "POST")),
    ("events.edit", "/event/<int:id>/edit", ("GET", "POST")),
    ("events.event_ics", "/event/<int:id>.ics", ("GET",)),
    ("events.message", "/event/<int:id>/message", ("POST",)),
    ("events.my_registrations", "/me/registrations", ("GET",)),
    ("events.register_view", "/event/<int:id>/register", ("POST",)),
    ("events.registrants", "/event/<int:id>/registrants", ("GET",)),
    ("events.registrants_csv", "/event/<int:id>/registrants.csv", ("GET",)),
    ("events.show", "/event/<int:id>", ("GET",)),
    ("events.show", "/event/<int:id>-<slug>", ("GET",)),
    ("events.structure_ics", "/actor/<int:id>/agenda.ics", ("GET",)),
    ("events.tag_ics", "/tags/<slug>/agenda.ics", ("GET",)),
    ("events.territory_ics", "/t/<slug>/agenda.ics", ("GET",)),
    ("events.toggle_registration", "/event/<int:id>/registration/<any(close, open):action>", ("POST",)),
    ("events.trainings", "/trainings", ("GET",)),
    ("pages.create", "/page/new", ("GET", "POST")),
    ("pages.edit", "/page/<int:id>/edit", ("GET", "POST")),
    ("pages.show", "/page/<int:id>", ("GET",)),
    ("pages.show", "/page/<int:id>-<slug>", ("GET",)),
    ("projects.add_member", "/project/<int:id>/team", ("POST",)),
    ("projects.add_need", "/project/<int:id>/needs", ("POST",)),
    ("projects.add_update", "/project/<int:id>/updates", ("POST",)),
    ("projects.create", "/projects/new", ("GET", "POST")),
    ("projects.delete_need", "/project/<int:id>/needs/<int:need_id>/delete", ("POST",)),
    ("projects.edit", "/project/<int:id>/edit", ("GET", "POST")),
    ("projects.feed", "/projects.atom", ("GET",)),
    ("projects.index", "/projects", ("GET",)),
    ("projects.offer_help", "/project/<int:id>/help", ("GET", "POST")),
    ("projects.remove_member", "/project/<int:id>/team/<int:user_id>/remove", ("POST",)),
    ("projects.set_need", "/project/<int:id>/needs/<int:need_id>/<any(met, open):state>", ("POST",)),
    ("projects.show", "/project/<int:id>", ("GET",)),
    ("projects.show", "/project/<int:id>-<slug>", ("GET",)),
}


def _views(name):
    return importlib.import_module(f"csti.blueprints.{name}.routes").views


def test_the_types_keep_their_urls_and_endpoints(app):
    rules = {(r.endpoint, r.rule, tuple(sorted(r.methods - {"HEAD", "OPTIONS"}))) for r in app.url_map.iter_rules()
             if r.endpoint.split(".")[0] in TYPES}
    assert rules == RULES


@pytest.mark.parametrize("name", TYPES)
def test_each_type_declares_its_views_and_the_shared_ones_serve_it(app, name):
    views = _views(name)
    assert isinstance(views, ContentViews) and views.bp.name == name
    for endpoint in views.endpoints:
        function = app.view_functions[f"{name}.{endpoint}"]
        function = getattr(function, "__wrapped__", function)  # login_required
        assert function.__self__ is views and function.__func__ is getattr(ContentViews, endpoint)


def _declared_views(content_type):
    """The ``views`` its blueprint's ``routes`` module declares (None: its views are its own)."""
    try:
        routes = importlib.import_module(f"csti.blueprints.{content_type.blueprint}.routes")
    except ModuleNotFoundError:
        return None
    views = getattr(routes, "views", None)
    return views if isinstance(views, ContentViews) else None


def test_every_listed_type_with_declared_views_is_served_by_them(app):
    """A type added later is checked too: its index, feed, show, create and edit (those its
    ``endpoints`` keep) are the shared views at the documented URLs, its list and feed in the
    registry are those views'."""
    checked = []
    for content_type in registry.all():
        name, views = content_type.blueprint, _declared_views(content_type) if content_type.list_endpoint else None
        if views is None:
            continue
        assert views.bp.name == name and views.model is content_type.model, content_type.kind
        assert set(views.endpoints) <= {"index", "feed", "show", "create", "edit"}
        expected = {
            "index": {(f"/{views.plural}", ("GET",))},
            "feed": {(f"/{views.plural}.atom", ("GET",))},
            "show": {(f"/{views.kind}/<int:id>-<slug>", ("GET",)), (f"/{views.kind}/<int:id>", ("GET",))},
            "create": {(views.create_rule(), ("GET", "POST"))},
            "edit": {(f"/{views.kind}/<int:id>/edit", ("GET", "POST"))},
        }
        for endpoint in views.endpoints:
            function = app.view_functions[f"{name}.{endpoint}"]
            function = getattr(function, "__wrapped__", function)  # login_required
            assert function.__self__ is views and function.__func__ is getattr(ContentViews, endpoint), \
                f"{name}.{endpoint}"
            rules = {(r.rule, tuple(sorted(r.methods - {"HEAD", "OPTIONS"})))
                     for r in app.url_map.iter_rules(f"{name}.{endpoint}")}
            assert rules == expected[endpoint], f"{name}.{endpoint}"
        if "index" in views.endpoints:
            assert content_type.list_endpoint == f"{name}.index"
        if "feed" in views.endpoints:
            assert content_type.feed_endpoint == f"{name}.feed"
        checked.append(name)
    assert set(checked) >= set(TYPES) - {"pages"}  # pages: no list


def test_writing_needs_a_login(testapp_en, db, factory):
    page = factory.page()
    for path in ("/articles/new", "/events/new", "/page/new", f"/page/{page.id}/edit", "/dossiers/new"):
        assert testapp_en.get(path).status_int == 302


def _spy(monkeypatch, views, name, calls):
    original = getattr(views, name)

    def spy(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, name, spy)


def test_the_list_hooks_make_the_list_and_its_links(testapp_en, db, factory, monkeypatch):
    views, calls = _views("announcements"), []
    for hook in ("list_params", "listing", "index_context", "feed_listing"):
        _spy(monkeypatch, views, hook, calls)
    territory = factory.territory()
    for n in range(21):
        item = Announcement(title=f"Appel {n}", territory=territory, announcement_kind="job")
        item.publish()
        db.session.add(item)
    db.session.commit()
    page = testapp_en.get("/announcements?expired=1")
    assert calls == ["list_params", "listing", "index_context"]
    assert "Expired announcements" in page.html.find("h1").text  # index_context(expired=True)
    page = testapp_en.get("/announcements?kind=job")
    assert page.html.find("a", href="/announcements?page=2&kind=job") is not None
    testapp_en.get("/announcements.atom")
    assert calls[-1:] == ["feed_listing"]


def test_the_writing_hooks_are_called_in_their_order(testapp_en, db, factory, monkeypatch):
    views, calls = _views("projects"), []
    for hook in ("build_form", "prepare_form", "initial", "editor_action", "apply", "saved_message",
                 "load_for_edit", "fill", "show_context"):
        _spy(monkeypatch, views, hook, calls)
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = testapp_en.get("/projects/new").forms["project-form"]
    assert calls == ["build_form", "prepare_form", "initial"]
    form["title"], form["territory"], form["stage"] = "Capteurs", str(territory.id), "idea"
    calls.clear()
    page = form.submit("action", value="publish").follow()
    assert calls == ["build_form", "prepare_form", "editor_action", "apply", "saved_message", "show_context"]
    assert "The project is published." in page.text
    db.session.rollback()
    project = db.session.scalar(select(Project))
    calls.clear()
    form = testapp_en.get(f"/project/{project.id}/edit").forms["project-form"]
    assert calls == ["load_for_edit", "build_form", "prepare_form", "fill"]
    assert form["stage"].value == "idea"


def test_a_refusing_apply_shows_the_form_again_and_saves_nothing(testapp_en, db, factory, monkeypatch):
    views = _views("articles")

    def refuse(item, form):
        form.title.errors.append("Refused by the hook.")
        return False

    monkeypatch.setattr(views, "apply", refuse)
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = testapp_en.get("/articles/new").forms["article-form"]
    form["title"], form["territory"] = "Refusé", str(territory.id)
    response = form.submit("action", value="publish", expect_errors=True)
    assert response.status_int == 422 and "Refused by the hook." in response.text
    assert form["title"].value == "Refusé"
    db.session.rollback()
    assert db.session.scalar(select(Article)) is None
