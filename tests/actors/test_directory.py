"""The directory of structures: filters, facet counts, sorting, pagination, HTMX fragment."""
from datetime import UTC, datetime, timedelta

import pytest

from csti.blueprints.actors.routes import PER_PAGE
from csti.models.actors import ACTOR_KINDS

from .helpers import checked, facet, titles

HX = {"HX-Request": "true"}


@pytest.fixture
def network(factory, make_actor):
    """Five published structures in two territories, plus a pending and a rejected one."""
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    make_actor(occitanie, "Fablab des Carmes", kind="fablab", postcode="31000", tags=["robotique", "électronique"],
               audiences=["teenagers"], lat=43.6, lng=1.44, summary="Imprimantes 3D et découpe laser.")
    make_actor(occitanie, "Muséum de Toulouse", kind="museum", postcode="31000", tags=["biodiversité"],
               audiences=["general_public", "children"], lat=43.59, lng=1.45)
    make_actor(occitanie, "Les Curieux", kind="association", postcode="34000", tags=["biodiversité", "débats"],
               audiences=["general_public"], lat=43.61, lng=3.87)
    make_actor(bretagne, "Espace des sciences", kind="museum", postcode="35000", tags=["astronomie"],
               audiences=["general_public", "families"], lat=48.11, lng=-1.68)
    make_actor(bretagne, "LabFab rennais", kind="fablab", postcode="35000", tags=["robotique"],
               audiences=["teenagers"])
    make_actor(occitanie, "Fablab en attente", kind="fablab", postcode="31000", status="pending",
               tags=["robotique"], lat=43.6, lng=1.4)
    make_actor(occitanie, "Fablab refusé", kind="fablab", postcode="31000", status="rejected", tags=["robotique"])
    return occitanie, bretagne


PUBLISHED = ["Espace des sciences", "Fablab des Carmes", "LabFab rennais", "Les Curieux", "Muséum de Toulouse"]


def test_lists_only_published_structures_sorted_by_name(testapp_en, network):
    page = testapp_en.get("/actors")
    assert titles(page) == PUBLISHED
    assert "5 structures" in page.text
    assert "en attente" not in page.text and "refusé" not in page.text


@pytest.mark.parametrize("query, expected", [
    ("kind=fablab", ["Fablab des Carmes", "LabFab rennais"]),
    ("department=35", ["Espace des sciences", "LabFab rennais"]),
    ("territory=occitanie", ["Fablab des Carmes", "Les Curieux", "Muséum de Toulouse"]),
    ("tag=robotique", ["Fablab des Carmes", "LabFab rennais"]),
    ("tag=%C3%89lectronique", ["Fablab des Carmes"]),  # "Électronique": matched by its slug
    ("audience=children", ["Muséum de Toulouse"]),
    ("q=curieux", ["Les Curieux"]),
    ("q=imprimantes", ["Fablab des Carmes"]),  # the summary
    ("q=toulouse", ["Fablab des Carmes", "Muséum de Toulouse"]),  # the commune
    ("q=fab+rennais", ["LabFab rennais"]),  # every word
    ("q=100%25", []),  # % is a character here, not a wildcard
    # several values of one facet: either; several facets: both
    ("kind=fablab&kind=museum", ["Espace des sciences", "Fablab des Carmes", "LabFab rennais", "Muséum de Toulouse"]),
    ("kind=fablab,museum", ["Espace des sciences", "Fablab des Carmes", "LabFab rennais", "Muséum de Toulouse"]),
    ("tag=robotique&tag=astronomie", ["Espace des sciences", "Fablab des Carmes", "LabFab rennais"]),
    ("kind=museum&department=31", ["Muséum de Toulouse"]),
    ("kind=fablab&territory=bretagne", ["LabFab rennais"]),
    ("audience=general_public&tag=biodiversite", ["Les Curieux", "Muséum de Toulouse"]),
    ("kind=fablab&kind=museum&department=35&audience=families", ["Espace des sciences"]),
])
def test_filters(testapp_en, network, query, expected):
    page = testapp_en.get(f"/actors?{query}")
    assert titles(page) == expected


def test_filter_form_keeps_the_selection(testapp_en, network):
    page = testapp_en.get("/actors?kind=fablab&kind=museum&department=35&q=sciences&sort=recent")
    assert sorted(checked(page, "kind")) == ["fablab", "museum"]
    assert checked(page, "department") == ["35"]
    form = page.forms["actor-filters"]
    assert form["q"].value == "sciences"
    assert form["sort"].value == "recent"
    assert form.method.lower() == "get"


def test_filter_form_submitted_without_javascript(testapp_en, network):
    form = testapp_en.get("/actors").forms["actor-filters"]
    for box in form.fields["kind"]:
        box.checked = box._value == "fablab"
    form["q"] = "carmes"
    result = form.submit()
    assert titles(result) == ["Fablab des Carmes"]


def nonzero(counts):
    return {value: n for value, n in counts.items() if n}


def test_the_kind_facet_lists_every_kind(testapp_en, network):
    """Every kind of structure, with 0 where none is under the other filters, in the order of
    ACTOR_KINDS, labelled."""
    page = testapp_en.get("/actors?territory=bretagne")
    counts = facet(page, "kind")
    assert list(counts) == list(ACTOR_KINDS)
    assert nonzero(counts) == {"fablab": 1, "museum": 1}
    label = page.html.find("label", attrs={"for": "f-kind-local_authority"}).get_text(" ", strip=True)
    assert label == "Local authority (0)"


def test_facet_counts_each_under_the_other_filters(testapp_en, network):
    page = testapp_en.get("/actors")
    assert nonzero(facet(page, "kind")) == {"association": 1, "fablab": 2, "museum": 2}
    assert facet(page, "department") == {"31": 2, "34": 1, "35": 2}
    assert facet(page, "territory") == {"bretagne": 2, "occitanie": 3}
    assert facet(page, "audience") == {"general_public": 3, "children": 1, "teenagers": 2, "families": 1}
    assert facet(page, "tag") == {"biodiversite": 2, "robotique": 2, "astronomie": 1, "debats": 1, "electronique": 1}

    page = testapp_en.get("/actors?kind=fablab")
    # The kind facet ignores the kind filter (what ticking another kind would add)...
    assert nonzero(facet(page, "kind")) == {"association": 1, "fablab": 2, "museum": 2}
    # ... the others count fablabs only.
    assert facet(page, "department") == {"31": 1, "35": 1}
    assert facet(page, "territory") == {"bretagne": 1, "occitanie": 1}
    assert facet(page, "tag") == {"robotique": 2, "electronique": 1}

    page = testapp_en.get("/actors?kind=fablab&territory=occitanie")
    assert nonzero(facet(page, "kind")) == {"association": 1, "fablab": 1, "museum": 1}
    assert facet(page, "territory") == {"bretagne": 1, "occitanie": 1}
    assert facet(page, "department") == {"31": 1}


def kind_labels(response) -> dict[str, str]:
    """{kind: its facet label, count left out}."""
    return {box["value"]: response.html.find("label", attrs={"for": box["id"]}).get_text(" ", strip=True)
            .rsplit("(", 1)[0].strip() for box in response.html.select('input[type=checkbox][name="kind"]')}


def test_facets_are_kept_per_language_and_until_the_data_changes(testapp, testapp_en, network, make_actor):
    """The facets are kept whole (``ActorFilter.facets``): a visitor in French after one in
    English gets French labels, and a new structure moves the counts at once."""
    assert kind_labels(testapp_en.get("/actors"))["museum"] == "Museum or science centre"
    assert kind_labels(testapp.get("/actors"))["museum"] == "Musée ou centre de sciences"
    assert facet(testapp_en.get("/actors"), "kind")["museum"] == 2
    make_actor(network[0], "Muséum d’Albi", kind="museum", postcode="81000")
    assert facet(testapp_en.get("/actors"), "kind")["museum"] == 3
    assert facet(testapp.get("/actors"), "kind")["museum"] == 3


def test_a_ticked_value_stays_listed_with_zero(testapp_en, network):
    page = testapp_en.get("/actors?kind=school&territory=occitanie&department=29&tag=astronomie")
    assert titles(page) == []
    assert facet(page, "kind")["school"] == 0
    assert checked(page, "kind") == ["school"]
    assert "astronomie" in checked(page, "tag")
    assert "29" in checked(page, "department")
    assert "No structure matches these filters." in page.text


def test_department_label_has_its_name(testapp_en, network):
    page = testapp_en.get("/actors")
    label = page.html.find("label", attrs={"for": "f-department-35"}).get_text(" ", strip=True)
    assert "Ille-et-Vilaine" in label


@pytest.mark.parametrize("query", [
    "kind=spaceship", "department=<script>", "department=999", "territory=nowhere", "tag=nothing-here",
    "audience=aliens", "sort=evil", "page=abc", "page=-3", "page=0", "page=99999999999999999999999",
    "kind=" + "x" * 5000, "q=" + "%C3%A9" * 1000, "q=%E9%FF", "kind=" + "&kind=".join(["fablab"] * 200),
])
def test_unknown_values_are_ignored(testapp_en, network, query):
    page = testapp_en.get(f"/actors?{query}")
    assert page.status_int == 200
    if not query.startswith(("page=9", "q=", "kind=fablab")):
        assert titles(page) == PUBLISHED


def test_sorting(testapp_en, db, network, make_actor):
    from csti.models import Actor

    now = datetime.now(UTC)
    for age, actor in enumerate(db.session.scalars(db.select(Actor).order_by(Actor.title)).all()):
        actor.published_at = now - timedelta(days=age)
    db.session.commit()
    make_actor(network[0], "atelier minuscule")  # names sort without regard to case
    assert titles(testapp_en.get("/actors"))[:2] == ["atelier minuscule", "Espace des sciences"]
    recent = titles(testapp_en.get("/actors?sort=recent"))
    assert recent == ["atelier minuscule", "Espace des sciences", "Fablab des Carmes", "LabFab rennais",
                      "Les Curieux", "Muséum de Toulouse"]


def test_pagination_keeps_the_filters(testapp_en, factory, make_actor):
    territory = factory.territory(slug="bretagne")
    for n in range(PER_PAGE + 6):
        make_actor(territory, f"Club {n:02d}", kind="association", postcode="29200")
    make_actor(territory, "Musée seul", kind="museum", postcode="29200")
    first = testapp_en.get("/actors?kind=association")
    assert len(titles(first)) == PER_PAGE
    assert "Page 1 of 2" in first.text
    assert f"{PER_PAGE + 6} structures" in first.text
    second = first.click(linkid=None, href="page=2")
    assert "kind=association" in second.request.url
    assert titles(second) == [f"Club {n:02d}" for n in range(PER_PAGE, PER_PAGE + 6)]
    assert "Musée seul" not in second.text
    assert titles(testapp_en.get("/actors?kind=association&page=9")) == []


def test_htmx_request_gets_only_the_directory_block(testapp_en, network):
    full = testapp_en.get("/actors?kind=fablab")
    fragment = testapp_en.get("/actors?kind=fablab", headers=HX)
    assert "<html" not in fragment.text and "<body" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="directory"')
    assert fragment.html.select("#actor-filters")  # the filters, with their new counts
    assert titles(fragment) == titles(full) == ["Fablab des Carmes", "LabFab rennais"]
    assert facet(fragment, "kind") == facet(full, "kind")
    for response in (full, fragment):
        assert "HX-Request" in response.headers["Vary"]
    # The swapped block carries the map's data source, so the map follows the filters.
    assert fragment.html.select_one("#map-data")["data-geojson"] == "/actors.geojson?kind=fablab"
    # A history restore is a full page.
    restore = testapp_en.get("/actors?kind=fablab", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_full_page_has_map_and_filters_wired_for_htmx(testapp_en, network, app):
    page = testapp_en.get("/actors")
    form = page.html.select_one("#actor-filters")
    assert form["hx-get"] == "/actors" and form["hx-target"] == "#directory"
    assert form["hx-push-url"] == "true"
    assert page.html.select_one("#directory #actor-filters") is not None
    the_map = page.html.select_one("#actors-map")
    assert the_map["data-map"] == "directory"
    assert the_map["data-tiles"] == app.config["TILE_URL"]
    leaflet = page.html.find("script", src=app.config["LEAFLET_JS_URL"])
    assert leaflet["integrity"].startswith("sha384-") and leaflet["crossorigin"] == "anonymous"
    assert not page.html.find_all("script", src=False), "no inline script"
    assert not page.html.find_all(style=True), "no inline style"
    assert page.html.find("a", href="/actors.csv") is not None


def test_names_with_accents_sort_with_their_letter(testapp_en, factory, make_actor):
    territory = factory.territory()
    for name in ("Zoo de la science", "Écomusée des forges", "atelier du lez", "Espace des sciences"):
        make_actor(territory, name)
    assert titles(testapp_en.get("/actors")) == [
        "atelier du lez", "Écomusée des forges", "Espace des sciences", "Zoo de la science"]


def test_the_filters_fold_behind_a_disclosure_with_their_count(testapp_en, network):
    """As the agenda's: "Filters (n)", folded on a full page (a phone shows the results first),
    open in an htmx swap (the person is choosing filters)."""
    page = testapp_en.get("/actors?kind=fablab&q=lab")
    details = page.html.select_one("#directory > details.filters-disclosure")
    assert details.summary.get_text(strip=True) == "Filters (2)" and not details.has_attr("open")
    assert details.select_one("form#actor-filters")
    fragment = testapp_en.get("/actors?kind=fablab&q=lab", headers=HX)
    assert fragment.html.select_one("details.filters-disclosure").has_attr("open")
