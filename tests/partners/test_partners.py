"""The partners' pages (issue #16): /partners and /partners/<code> show exactly the public guides
flagged for that partner and the published resources made for it; the animators of a dossier's
territory (and the admins) flag it, with or without htmx, audited; everybody else is refused."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from csti.models import AuditLog, Dossier, DossierPartner, Resource
from csti.models.base import utcnow
from tests.conftest import csrf_headers

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


def _dossier(db, territory, author, title, partners=(), private=False, status="published", members_only=False):
    dossier = Dossier(title=title, territory=territory, author=author, summary=f"Résumé de {title}")
    dossier.is_private = private
    dossier.members_only = members_only
    if status == "published" and not private:
        dossier.publish()
    else:
        dossier.status = "draft" if private else status
    dossier.partner_rows = [DossierPartner(code=code) for code in partners]
    db.session.add(dossier)
    db.session.commit()
    return dossier


def _resource(db, territory, author, title, audiences, status="published", members_only=False):
    resource = Resource(title=title, resource_kind="kit", territory=territory, author=author,
                        summary=f"Résumé de {title}", members_only=members_only)
    resource.audiences = list(audiences)
    if status == "published":
        resource.publish()
    else:
        resource.status = status
    db.session.add(resource)
    db.session.commit()
    return resource


@pytest.fixture
def world(db, factory):
    t = factory.territory(slug="occitanie", name="Occitanie")
    u = factory.territory(slug="bretagne", name="Bretagne")
    old = utcnow() - timedelta(days=90)
    people = {
        "member": factory.user(email="member@example.org", roles={t: "member"}, created_at=old),
        "contributor": factory.user(email="contributor@example.org", roles={t: "contributor"}, created_at=old),
        "elsewhere": factory.user(email="elsewhere@example.org", roles={u: "animator"}),
        "animator": factory.user(email="animator@example.org", roles={t: "animator"}),
        "admin": factory.user(email="admin@example.org", admin=True),
    }
    owner = people["contributor"]
    d = {
        "guide": _dossier(db, t, owner, "Guide des expositions en médiathèque", ["libraries"]),
        "tourism": _dossier(db, t, owner, "Guide du tourisme scientifique", ["tourism"]),
        "plain": _dossier(db, t, owner, "Dossier non signalé"),
        "private": _dossier(db, t, owner, "Dossier privé signalé", ["libraries"], private=True),
        "pending": _dossier(db, t, owner, "Dossier en attente signalé", ["libraries"], status="pending"),
        "group": _dossier(db, t, owner, "Dossier réservé signalé", ["libraries"], members_only=True),
        "breton": _dossier(db, u, owner, "Guide breton des bibliothèques", ["libraries"]),
    }
    r = {
        "kit": _resource(db, t, owner, "Mallette « Le ciel »", ["libraries", "primary_school"]),
        "tourism": _resource(db, t, owner, "Exposition pour les offices de tourisme", ["tourism"]),
        "draft": _resource(db, t, owner, "Mallette en brouillon", ["libraries"], status="draft"),
        "group": _resource(db, t, owner, "Mallette réservée au groupe", ["libraries"], members_only=True),
        "breton": _resource(db, u, owner, "Jeu breton pour les bibliothèques", ["libraries"]),
    }
    return {"t": t, "u": u, "people": people, "d": d, "r": r}


def _url(dossier):
    return f"/dossier/{dossier.id}-{dossier.slug}"


def _titles(page, section):
    return {a.text for a in page.html.select(f"section.{section} .card h3 a")}


def _flags(db, dossier_id):
    db.session.rollback()
    return sorted(db.session.scalars(select(DossierPartner.code).where(DossierPartner.dossier_id == dossier_id)))


# --- the pages ------------------------------------------------------------------------------
def test_the_partners_index_lists_the_five_audiences(testapp_en, world):
    page = testapp_en.get("/partners")
    titles = [a.text for a in page.html.select(".partner-list h2 a")]
    assert titles == ["For libraries", "For tourism", "For companies", "For third places", "For after-school"]
    assert page.html.select_one(".partner-list h2 a")["href"] == "/partners/libraries"
    first = page.html.select_one(".partner-list .card")
    # Two public guides (Occitanie's and Bretagne's), two published public resources.
    assert "2 guides" in first.text and "2 resources" in first.text
    nav = page.html.select_one("nav.main-nav")
    assert nav.find("a", href="/partners").get("aria-current") == "page"


def test_a_partner_page_shows_exactly_its_public_guides_and_published_resources(testapp_en, world):
    page = testapp_en.get("/partners/libraries")
    assert page.html.h1.text == "For libraries"
    assert page.html.title.text.startswith("For libraries")
    assert _titles(page, "partner-guides") == {"Guide des expositions en médiathèque", "Guide breton des bibliothèques"}
    assert _titles(page, "partner-resources") == {"Mallette « Le ciel »", "Jeu breton pour les bibliothèques"}
    assert page.html.find("a", href="/resources?audience=libraries") is not None
    tourism = testapp_en.get("/partners/tourism")
    assert tourism.html.h1.text == "For tourism"
    assert _titles(tourism, "partner-guides") == {"Guide du tourisme scientifique"}
    assert _titles(tourism, "partner-resources") == {"Exposition pour les offices de tourisme"}
    empty = testapp_en.get("/partners/companies")
    assert "No guide for them yet." in empty.text and "No resource for them yet." in empty.text


def test_the_territory_filter_and_its_htmx_fragment(testapp_en, world):
    page = testapp_en.get("/partners/libraries?territory=bretagne")
    assert _titles(page, "partner-guides") == {"Guide breton des bibliothèques"}
    assert _titles(page, "partner-resources") == {"Jeu breton pour les bibliothèques"}
    assert page.html.find("option", value="bretagne").has_attr("selected")
    assert page.html.find("a", href="/resources?audience=libraries&territory=bretagne") is not None
    fragment = testapp_en.get("/partners/libraries?territory=occitanie", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Vary" in fragment.headers
    assert _titles(fragment, "partner-guides") == {"Guide des expositions en médiathèque"}
    assert _titles(fragment, "partner-resources") == {"Mallette « Le ciel »"}
    # An unknown territory filters nothing.
    assert len(_titles(testapp_en.get("/partners/libraries?territory=nowhere"), "partner-resources")) == 2


def test_a_common_audience_walks_the_newest_resources(app, testapp_en, db, world):
    """A partner's resources are found with the resource centre's audience clause
    (``listing.audience_clause``): for an audience most resources carry, the newest resources are
    tested in turn up to the page (``EXISTS``) — gathering 2 000 of them to sort took 8 ms at
    national scale — and a rare one's are gathered first; the page shows the same either way."""
    from csti.blueprints.partners.operations import PER_PAGE, resources_listing

    owner = world["people"]["contributor"]
    for n in range(13):
        _resource(db, world["t"], owner, f"Mallette {n:02d}", ["libraries"])
    with app.test_request_context():
        # 17 of 18 resources are for libraries: 12 rows × 18 < 17², walked; 1 for tourism, gathered.
        assert "EXISTS" in str(resources_listing("libraries"))
        assert "EXISTS" not in str(resources_listing("tourism"))
    page = testapp_en.get("/partners/libraries")
    titles = [a.text for a in page.html.select("section.partner-resources .card h3 a")]
    assert titles == [f"Mallette {n:02d}" for n in range(12, 12 - PER_PAGE, -1)]
    assert [a.text for a in testapp_en.get("/partners/tourism").html.select(
        "section.partner-resources .card h3 a")] == ["Exposition pour les offices de tourisme"]


@pytest.mark.parametrize("url", ["/partners/museums", "/partners/general_public", "/partners/primary_school",
                                 "/partners/"])
def test_an_unknown_partner_is_not_found(testapp_en, world, url):
    testapp_en.get(url, status=404)


# --- flagging -------------------------------------------------------------------------------
@pytest.mark.parametrize("role, allowed", [("member", False), ("contributor", False), ("elsewhere", False),
                                           ("animator", True), ("admin", True)])
def test_who_flags_a_dossier(testapp_en, db, world, log_in, role, allowed):
    dossier = world["d"]["plain"]
    log_in(testapp_en, world["people"][role])
    page = testapp_en.get(_url(dossier))
    form = page.forms.get("partner-form") if "partner-form" in page.forms else None
    assert (form is not None) == allowed, "the form is shown to those who may flag only"
    response = testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["libraries", "after_school"]},
                               headers={"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}, expect_errors=True)
    if allowed:
        assert response.status_int == 303 and response.headers["Location"].endswith("#partner-guides")
        assert _flags(db, dossier.id) == ["after_school", "libraries"]
        shown = response.follow()
        badges = [a.text for a in shown.html.select(".partner-badges a")]
        assert badges == ["Guide for libraries", "Guide for after-school"]
        assert "The dossier is presented as a guide for: libraries, after-school." in shown.text
    else:
        assert response.status_int == 403
        assert _flags(db, dossier.id) == []


def test_a_visitor_is_sent_to_log_in(testapp_en, db, world):
    dossier = world["d"]["plain"]
    page = testapp_en.get(_url(dossier))
    assert "partner-form" not in page.forms
    response = testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": "libraries"},
                               headers={"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}, expect_errors=True)
    assert response.status_int in (302, 303) and "/login" in response.headers["Location"]
    assert _flags(db, dossier.id) == []


def test_the_animator_flags_without_javascript_then_unflags(testapp_en, db, world, log_in):
    dossier = world["d"]["guide"]
    log_in(testapp_en, world["people"]["animator"])
    page = testapp_en.get(_url(dossier))
    assert [a.text for a in page.html.select(".partner-badges a")] == ["Guide for libraries"]
    form = page.forms["partner-form"]
    assert [f.checked for f in form.fields["partners"]] == [True, False, False, False, False]
    form.fields["partners"][0].checked = False
    form.fields["partners"][1].checked = True
    shown = form.submit().follow()
    assert [a.text for a in shown.html.select(".partner-badges a")] == ["Guide for tourism"]
    assert _flags(db, dossier.id) == ["tourism"]
    assert "Guide des expositions en médiathèque" not in _titles(testapp_en.get("/partners/libraries"), "partner-guides")
    assert "Guide des expositions en médiathèque" in _titles(testapp_en.get("/partners/tourism"), "partner-guides")
    form = shown.forms["partner-form"]
    for box in form.fields["partners"]:
        box.checked = False
    shown = form.submit().follow()
    assert shown.html.select(".partner-badges") == [] and _flags(db, dossier.id) == []
    assert "The dossier is presented on no partner page." in shown.text


def test_bad_input_is_refused_next_to_the_field(testapp_en, db, world, log_in):
    dossier = world["d"]["guide"]
    log_in(testapp_en, world["people"]["animator"])
    page = testapp_en.get(_url(dossier))
    headers = {"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}
    response = testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["tourism", "museums"]},
                               headers=headers, status=422)
    error = response.html.select_one("#partner-guides #partners-error")
    assert error is not None and "not a valid choice" in error.text
    assert response.html.select_one("#partner-guides fieldset")["aria-describedby"] == "partners-hint partners-error"
    assert _flags(db, dossier.id) == ["libraries"]
    # Without the CSRF token: refused, nothing saved.
    testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": "tourism"}, status=400)
    assert _flags(db, dossier.id) == ["libraries"]
    testapp_en.post("/dossier/999999/partners", {"partners": "tourism"}, headers=headers, status=404)


@pytest.mark.parametrize("which, who, status", [
    ("pending", "animator", 422), ("group", "animator", 422), ("private", "admin", 422),
    ("private", "animator", 404),  # a private dossier does not exist for them
])
def test_only_a_public_published_dossier_is_flagged(testapp_en, db, world, log_in, which, who, status):
    dossier = world["d"][which]
    log_in(testapp_en, world["people"][who])
    page = testapp_en.get("/partners")
    before = _flags(db, dossier.id)
    response = testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["tourism"]},
                               headers={"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}, status=status)
    if status == 422:
        assert "Only a public, published dossier can be presented on the partners’ pages." in response.text
        shown = testapp_en.get(_url(dossier))
        assert "partner-form" not in shown.forms and shown.html.select(".partner-badges") == []
    assert _flags(db, dossier.id) == before


def test_flagging_is_audited_with_before_and_after(testapp_en, db, world, log_in):
    dossier = world["d"]["guide"]
    animator = world["people"]["animator"]
    log_in(testapp_en, animator)
    page = testapp_en.get(_url(dossier))
    headers = {"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}
    testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["libraries", "companies"]}, headers=headers,
                    status=303)
    testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["libraries", "companies"]}, headers=headers,
                    status=303)  # nothing changed: nothing recorded
    db.session.rollback()
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "dossier.partners_changed")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.territory_id) == (
        animator.id, "dossier", dossier.id, world["t"].id)
    assert entry.details == {"before": {"partners": ["libraries"]}, "after": {"partners": ["libraries", "companies"]}}
    audit = testapp_en.get("/t/occitanie/audit")
    assert "Dossier’s partner guides changed" in audit.text
    assert "Libraries, Companies" in audit.text


def test_the_htmx_fragment(testapp_en, db, world, log_in):
    dossier = world["d"]["plain"]
    log_in(testapp_en, world["people"]["admin"])
    page = testapp_en.get(_url(dossier))
    response = testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["third_places"]},
                               headers=csrf_headers(page))
    assert response.status_int == 200 and "<html" not in response.text
    section = response.html.select_one("section#partner-guides")
    assert [box["value"] for box in section.select("input[type=checkbox][checked]")] == ["third_places"]
    assert response.html.select_one("#live-messages[hx-swap-oob]").text.strip() == (
        "The dossier is presented as a guide for: third places.")
    assert _flags(db, dossier.id) == ["third_places"]
    bad = testapp_en.post(f"/dossier/{dossier.id}/partners", {"partners": ["nope"]}, headers=csrf_headers(page),
                          status=422)
    assert "<html" not in bad.text and bad.html.select_one("#partners-error") is not None
    assert bad.html.select_one(".form-errors") is not None
    assert _flags(db, dossier.id) == ["third_places"]


# --- statements -----------------------------------------------------------------------------
def test_the_partner_page_s_statements_do_not_grow_with_its_items(app, testapp_en, db, world):
    engine = db.engine
    owner, t = world["people"]["contributor"], world["t"]

    def count(url, headers=None):
        seen = []

        def on_execute(*args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            testapp_en.get(url, headers=headers or {})
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        return len(seen)

    def add(n):
        for i in range(n):
            from csti.blueprints.dossiers.operations import add_collaborator

            dossier = _dossier(db, t, owner, f"Guide {i} {utcnow().timestamp()}", ["libraries"])
            add_collaborator(dossier, world["people"]["member"])
            resource = _resource(db, t, owner, f"Mallette {i} {utcnow().timestamp()}", ["libraries"])
            resource.tags  # noqa: B018 - loaded, then left
            resource.add_tag("astronomie")
            db.session.commit()

    pages = [("/partners/libraries", None), ("/partners/libraries?territory=occitanie", {"HX-Request": "true"}),
             ("/partners", None)]
    add(2)
    before = [count(url, headers) for url, headers in pages]
    add(6)
    after = [count(url, headers) for url, headers in pages]
    assert before == after


# --- the page cache -------------------------------------------------------------------------
@pytest.fixture
def cached_app(app, db, database_url):
    """A second app on the test database, with the page cache on (it is off in the tests)."""
    from csti import create_app
    from csti.extensions import db as _db

    cached = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 1,
                                 "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield cached
    with cached.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_the_cached_partner_page_follows_a_new_flag(cached_app, db, world, log_in):
    from webtest import TestApp

    from tests.conftest import isolated

    visitor = TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})
    assert _titles(visitor.get("/partners/companies"), "partner-guides") == set()
    entries = cached_app.extensions["csti_page_cache"].entries
    assert len(entries) == 1  # kept for the next visitor
    animator = TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.2", "HTTP_ACCEPT_LANGUAGE": "en"})
    log_in(animator, world["people"]["animator"])
    dossier = world["d"]["plain"]
    page = animator.get(_url(dossier))
    animator.post(f"/dossier/{dossier.id}/partners", {"partners": "companies"},
                  headers={"X-CSRFToken": csrf_headers(page)["X-CSRFToken"]}, status=303)
    assert _titles(visitor.get("/partners/companies"), "partner-guides") == {"Dossier non signalé"}
