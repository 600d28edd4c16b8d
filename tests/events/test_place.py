"""The event form's steps and place: no coordinates typed, a venue of the directory or an
address placed from its commune (or the configured geocoder), drafts, the htmx venue search."""
import pytest
from sqlalchemy import select

from csti.models import Event

from .helpers import path, refresh
from .test_form import fill, new_form, only_event


@pytest.fixture
def contributor(factory, occitanie):
    return factory.user(name="Inès Roux", roles={occitanie: "contributor"})


def test_form_has_steps_and_no_coordinates(testapp_en, occitanie, contributor, log_in):
    log_in(testapp_en, contributor)
    page = testapp_en.get("/events/new")
    form = page.forms["event-form"]
    assert "latitude" not in form.fields and "longitude" not in form.fields
    assert not page.html.select("input[name=latitude], input[name=longitude]")
    legends = [f.legend.get_text(strip=True) for f in page.html.select("form#event-form > fieldset.form-step")]
    assert legends == ["The event", "Dates", "Place", "Audiences and price"]
    # The first step holds the skeleton's fields (title, territory, summary, tags…).
    first = page.html.select_one("fieldset.form-step")
    assert first.find(id="title") and first.find(id="territory") and first.find(id="tags")
    # Optional parts are folded on a new event.
    parts = {d.summary.get_text(" ", strip=True): d.has_attr("open") for d in page.html.select("details.form-part")}
    assert parts == {"Repeat, or several dates (optional)": False, "Accessibility (optional)": False,
                     "Registration (optional)": False, "Details of a training (optional)": False}
    # Both buttons of the skeleton.
    buttons = {b.get("value"): b.get_text(strip=True) for b in page.html.select(".actions button")}
    assert buttons == {"publish": "Publish", "draft": "Save as draft"}


def test_an_error_in_an_optional_part_opens_it(testapp_en, occitanie, contributor, log_in):
    log_in(testapp_en, contributor)
    page = fill(new_form(testapp_en), occitanie, registration_mode="site", capacity="").submit(status=422)
    (registration,) = [d for d in page.html.select("details.form-part") if "Registration" in d.summary.text]
    assert registration.has_attr("open") and registration.find(id="capacity-error")


def test_address_only_event_is_placed_at_its_commune_and_on_the_agenda_map(testapp_en, db, occitanie,
                                                                             contributor, log_in):
    log_in(testapp_en, contributor)
    fill(new_form(testapp_en), occitanie, venue_name="Salle des fêtes", address="2 place du Capitole",
         postcode="31000", commune="toulouse").submit(status=303)
    event = only_event(db)
    assert event.venue_id is None and event.commune == "Toulouse" and event.insee == "31555"
    assert (event.latitude, event.longitude) == (43.60405, 1.44305)  # the commune's (csti/data)
    testapp_en.reset()
    data = testapp_en.get("/agenda.geojson?when=range&start=2030-08-12&end=2030-08-12").json
    (feature,) = data["features"]
    assert feature["properties"]["id"] == event.id and feature["properties"]["commune"] == "Toulouse"
    assert feature["geometry"]["coordinates"] == [1.44305, 43.60405]
    # The map view of the agenda points to that data.
    page = testapp_en.get("/agenda?view=map&when=range&start=2030-08-12&end=2030-08-12")
    assert page.html.find(id="map-data")["data-geojson"].startswith("/agenda.geojson?")
    assert page.html.select_one(".agenda-main #events-map")


def test_a_moved_address_moves_the_point_an_unchanged_one_keeps_it(testapp_en, db, occitanie, contributor, log_in):
    log_in(testapp_en, contributor)
    fill(new_form(testapp_en), occitanie, postcode="31000").submit(status=303)
    event = only_event(db)
    event.latitude, event.longitude = 43.6, 1.4  # a precise point (an import, a geocoder)
    db.session.commit()
    testapp_en.get(f"/event/{event.id}/edit").forms["event-form"].submit(status=303)
    refresh(db)
    assert (event.latitude, event.longitude) == (43.6, 1.4)
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["postcode"], form["commune"] = "34000", "Montpellier"
    form.submit(status=303)
    refresh(db)
    assert event.commune == "Montpellier" and event.department == "34"
    assert round(event.latitude, 1) == 43.6 and round(event.longitude, 1) == 3.9


def test_the_configured_geocoder_places_the_address(testapp_en, db, app, occitanie, contributor, log_in,
                                                     monkeypatch):
    app.config["GEOCODER_URL"] = "https://geocoder.invalid/search"
    asked = []

    def geocode(address, postcode="", commune=""):
        asked.append((address, postcode, commune))
        return 43.6045, 1.4440

    monkeypatch.setattr("csti.blueprints.actors.geocoding.geocode", geocode)
    try:
        log_in(testapp_en, contributor)
        fill(new_form(testapp_en), occitanie, address="2 place du Capitole", postcode="31000").submit(status=303)
    finally:
        app.config["GEOCODER_URL"] = None
    assert asked == [("2 place du Capitole", "31000", "Toulouse")]
    assert (only_event(db).latitude, only_event(db).longitude) == (43.6045, 1.4440)


def test_a_venue_gives_its_point(testapp_en, db, occitanie, contributor, log_in, make_actor):
    museum = make_actor(occitanie, "Muséum", postcode="31400", managers=[contributor], lat=43.59, lng=1.45)
    log_in(testapp_en, contributor)
    fill(new_form(testapp_en), occitanie, venue=str(museum.id), venue_name="", address="",
         postcode="").submit(status=303)
    event = only_event(db)
    assert event.latitude is None and (event.place_latitude, event.place_longitude) == (43.59, 1.45)


@pytest.mark.parametrize("values, message", [
    ({"postcode": "31000", "commune": "Lyon"}, "No commune of this name has the postcode 31000."),
    ({"postcode": "", "commune": "Toulouse"}, "Give the postcode of the commune too."),
])
def test_bad_commune_is_refused_next_to_it(testapp_en, db, occitanie, contributor, log_in, values, message):
    log_in(testapp_en, contributor)
    page = fill(new_form(testapp_en), occitanie, **values).submit(status=422)
    assert page.html.find(id="commune-error").get_text(strip=True) == message
    assert page.html.find(id="commune")["aria-invalid"] == "true"
    refresh(db)
    assert db.session.scalars(select(Event)).all() == []


def test_save_as_draft_then_publish(testapp_en, db, occitanie, contributor, log_in):
    log_in(testapp_en, contributor)
    page = fill(new_form(testapp_en), occitanie).submit("action", value="draft").follow()
    event = only_event(db)
    assert event.status == "draft" and event.occurrences
    assert "Draft saved." in page.text
    testapp_en.reset()
    assert "Nuit des étoiles" not in testapp_en.get("/agenda?when=range&start=2030-08-12&end=2030-08-12").text
    log_in(testapp_en, contributor)
    edit = testapp_en.get(f"/event/{event.id}/edit")
    assert edit.html.select("button[value=draft]")
    page = edit.forms["event-form"].submit("action", value="publish").follow()
    assert "The event is published." in page.text
    refresh(db)
    assert event.status == "published"
    assert "Nuit des étoiles" in testapp_en.get("/agenda?when=range&start=2030-08-12&end=2030-08-12").text
    # Published: no draft button any more.
    edit = testapp_en.get(f"/event/{event.id}/edit")
    assert not edit.html.select("button[value=draft]")


def test_venue_search_with_htmx_answers_the_venue_field(testapp_en, db, occitanie, contributor, log_in, make_actor):
    library = make_actor(occitanie, "Médiathèque José Cabanis")
    log_in(testapp_en, contributor)
    form = fill(new_form(testapp_en), occitanie, venue_query="cabanis")
    response = form.submit("action", value="find_venue", headers={"HX-Request": "true"})
    assert response.status_int == 200 and only_event_count(db) == 0
    field = response.html.find(id="venue-field")
    options = {o["value"]: o.get_text(strip=True) for o in field.select("select#venue option")}
    assert options[str(library.id)] == "Médiathèque José Cabanis — Toulouse"
    # What was typed elsewhere is kept for the real submit.
    form = response.forms["event-form"]
    form["venue"] = str(library.id)
    form.submit(status=303)
    assert only_event(db).venue_id == library.id
    assert path(only_event(db))


def only_event_count(db):
    refresh(db)
    return len(db.session.scalars(select(Event)).all())


def test_the_edit_form_shows_where_the_maps_place_the_event(testapp_en, db, occitanie, contributor, log_in):
    log_in(testapp_en, contributor)
    assert not testapp_en.get("/events/new").html.find(id="place-preview-map")  # nothing placed yet
    fill(new_form(testapp_en), occitanie, venue_name="", postcode="31000").submit(status=303)
    event = only_event(db)
    page = testapp_en.get(f"/event/{event.id}/edit")
    preview = page.html.find(id="place-preview-map")
    assert (float(preview["data-lat"]), float(preview["data-lng"])) == (43.60405, 1.44305)
    assert "Where the maps show it now: Toulouse" in page.html.select_one(".place-preview").get_text(" ", strip=True)
    assert page.html.select_one('script[src$="js/map.js"]')
