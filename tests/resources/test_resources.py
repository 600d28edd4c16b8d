"""The resource centre's list and page (issue #16): filters (availability on dates in SQL),
the page's facts, photos, the video (allow-list, loaded on a click, CSP), bad input."""
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from webtest import Upload

from csti.models import Resource, ResourcePhoto
from csti.models.resources import PHOTOS_MAX, Booking
from tests.conftest import csrf_headers
from tests.images import image_bytes

HTMX = {"HX-Request": "true"}
DAY = date.today() + timedelta(days=30)


@pytest.fixture
def site(app, db, factory, make_actor):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(email="owner@example.org", name="Owner", roles={territory: "contributor"})
    other = factory.user(email="other@example.org", name="Other", roles={territory: "contributor"})
    museum = make_actor(territory, "Muséum de Toulouse", managers=[author])
    library = make_actor(territory, "Médiathèque d'Albi")
    db.session.commit()
    return {"db": db, "territory": territory, "author": author, "other": other, "museum": museum,
            "library": library}


def make(site, title, *, owner=None, audiences=(), bookings=(), **fields):
    fields.setdefault("resource_kind", "kit")
    resource = Resource(title=title, territory=site["territory"], author=site["author"], **fields)
    resource.owners = [owner or site["museum"]]
    resource.audiences = list(audiences)
    resource.publish()
    site["db"].session.add(resource)
    site["db"].session.flush()
    for start, end, status in bookings:
        site["db"].session.add(Booking(resource_id=resource.id, borrower_id=site["library"].id, starts_on=start,
                                       ends_on=end, status=status))
    site["db"].session.commit()
    return resource


def titles(response):
    return sorted(a.get_text(strip=True) for a in response.html.select("#results .card h3 a, #results h2 a, .card a")
                  if a.get_text(strip=True))


def listed(testapp, **args):
    response = testapp.get("/resources", params=args, expect_errors=True)
    return response, {t for t in titles(response)}


# --- the list's filters -------------------------------------------------------------------------
def test_availability_on_dates_keeps_exactly_the_free_lendable_ones(testapp, site):
    make(site, "Libre", bookings=[(DAY - timedelta(days=10), DAY - timedelta(days=5), "accepted")])
    make(site, "Pris", bookings=[(DAY - timedelta(days=1), DAY + timedelta(days=1), "accepted")])
    make(site, "Rendu", bookings=[(DAY + timedelta(days=2), DAY + timedelta(days=3), "returned")])
    make(site, "Demandé seulement", bookings=[(DAY, DAY, "requested"), (DAY, DAY, "declined"),
                                             (DAY, DAY, "cancelled")])
    make(site, "À consulter", lendable=False)
    _r, everything = listed(testapp)
    assert {"Libre", "Pris", "Rendu", "Demandé seulement", "À consulter"} <= everything
    response, one_day = listed(testapp, **{"from": DAY.isoformat()})
    assert response.status_int == 200
    assert one_day & everything == {"Libre", "Rendu", "Demandé seulement"}
    _r, span = listed(testapp, **{"from": DAY.isoformat(), "to": (DAY + timedelta(days=2)).isoformat()})
    assert span & everything == {"Libre", "Demandé seulement"}  # "Rendu" is taken on its 2nd day
    _r, after = listed(testapp, **{"from": (DAY + timedelta(days=4)).isoformat()})
    assert after & everything == {"Libre", "Pris", "Rendu", "Demandé seulement"}
    # The htmx fragment filters the same way, and the page's links keep the dates.
    fragment = testapp.get("/resources", params={"from": DAY.isoformat()}, headers=HTMX)
    assert "Pris" not in fragment.text and "Libre" in fragment.text and "<html" not in fragment.text


def test_the_availability_filter_is_one_sql_condition(app, db, site):
    """Not a Python loop over items: the clause is part of the list's statement."""
    from csti.blueprints.resources.filters import ResourceFilter

    with app.test_request_context(f"/resources?from={DAY.isoformat()}"):
        from flask import request

        stmt = ResourceFilter.from_args(request.args).apply(select(Resource), Resource)
    assert "booking" in str(stmt).lower() and "not (exists" in str(stmt).lower().replace("\n", " ")


@pytest.mark.parametrize("args, field, message", [
    ({"from": "2027-13-45"}, "from", "Not a date"),
    ({"from": "demain"}, "from", "Not a date"),
    ({"from": "1200-01-01"}, "from", "between the years 1900 and 2200"),
    ({"from": "99999-01-01"}, "from", "between the years 1900 and 2200"),
    ({"from": "2027-03-15", "to": "2027-03-10"}, "to", "before the first"),
    ({"to": "2027-03-10"}, "from", "first day too"),
    ({"from": "2027-03-15", "to": "30000-01-01"}, "to", "between the years"),
])
def test_bad_dates_are_a_message_next_to_the_field_and_422(testapp_en, site, args, field, message):
    make(site, "Une mallette")
    for headers in ({}, HTMX):
        response = testapp_en.get("/resources", params=args, headers=headers, status=422)
        error = response.html.find(id=f"resources-{field}-error")
        assert error is not None and message in error.text
        assert response.html.find(id=f"resources-{field}")["aria-invalid"] == "true"
        assert "Une mallette" in response.text  # the list still renders, unfiltered by dates
        shown = response.html.find(id=f"resources-{field}")["value"]
        assert shown == "" or date.fromisoformat(shown)  # never a value type=date refuses
        if not headers:  # folded on a phone, but open: there is something to correct
            assert response.html.find("details", class_="filters-disclosure").has_attr("open")
        if headers:  # the fragment brings the dates' fieldset along, out of band
            assert response.html.find(id="resources-dates")["hx-swap-oob"] == "true"


def test_audience_filter_is_multi_valued_and_grouped(testapp_en, site):
    make(site, "Pour les bibliothèques", audiences=["libraries"])
    make(site, "Pour le primaire", audiences=["primary_school", "families"])
    make(site, "Pour le tourisme", audiences=["tourism"])
    _r, libraries = listed(testapp_en, audience="libraries")
    assert libraries & {"Pour les bibliothèques", "Pour le primaire", "Pour le tourisme"} == {"Pour les bibliothèques"}
    _r, two = listed(testapp_en, audience=["libraries", "primary_school"])
    assert "Pour le tourisme" not in two and {"Pour les bibliothèques", "Pour le primaire"} <= two
    _r, unknown = listed(testapp_en, audience="nonsense")  # an unknown value is dropped
    assert {"Pour les bibliothèques", "Pour le primaire", "Pour le tourisme"} <= unknown
    page = testapp_en.get("/resources", params={"audience": "tourism"})
    legends = [lg.get_text(strip=True) for lg in page.html.select(".audience-group legend")]
    assert legends == ["Public", "School levels", "Partners"]
    assert page.html.find(id="resources-audience-tourism").has_attr("checked")


def test_free_paid_kind_and_owner_filters(testapp_en, site):
    make(site, "Gratuit", is_free=True, resource_kind="exhibition")
    make(site, "Payant", is_free=False, price="100 €", resource_kind="game", owner=site["library"])
    _r, free = listed(testapp_en, free="1")
    _r, paid = listed(testapp_en, free="0")
    assert "Gratuit" in free and "Payant" not in free and "Payant" in paid and "Gratuit" not in paid
    _r, games = listed(testapp_en, kind="game")
    assert "Payant" in games and "Gratuit" not in games
    response, owned = listed(testapp_en, structure=str(site["library"].id))
    assert "Payant" in owned and "Gratuit" not in owned
    options = {o.get_text(strip=True): o for o in response.html.select("#resources-structure option")}
    assert options["Médiathèque d'Albi"].has_attr("selected") and "Muséum de Toulouse" in options
    assert not response.html.select("#resource-filters input[type=hidden][name=structure]")


def test_cards_say_borrowable_and_price(testapp_en, site):
    make(site, "Payant", is_free=False, price="150 € la semaine")
    make(site, "Vidéo", lendable=False, resource_kind="video")
    page = testapp_en.get("/resources")
    text = " ".join(page.html.find(id="results").get_text(" ").split())
    assert "To borrow · 150 € la semaine" in text and "To consult · Free" in text


# --- the page -----------------------------------------------------------------------------------
def test_the_page_shows_every_fact(testapp_en, site):
    resource = make(site, "Exposition « Ciel »", is_free=False, price="150 €", deposit="500 €",
                    insurance="Valeur 3 000 €", conditions="Retrait sur place", dimensions="12 panneaux 80 × 200 cm",
                    weight_kg=42.5, panels=12, transport="Camionnette", setup_minutes=90,
                    audiences=["general_public", "middle_school", "libraries"])
    page = testapp_en.get(f"/resource/{resource.id}-{resource.slug}")
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
             for dt in page.html.select(".resource-facts dt")}
    assert facts["Kind"] == "Pedagogical kit" and facts["Loan"] == "To borrow"
    assert facts["Price"] == "150 €" and facts["Deposit"] == "500 €" and facts["Insurance"] == "Valeur 3 000 €"
    assert facts["Other conditions"] == "Retrait sur place"
    assert facts["Size"] == "12 panneaux 80 × 200 cm" and facts["Weight"] == "42.5 kg" and facts["Panels"] == "12"
    assert facts["Set-up time"] == "90 minutes" and facts["Transport"] == "Camionnette"
    assert facts["For: Public"] == "General public" and facts["For: School levels"] == "Middle school"
    assert facts["For: Partners"] == "Libraries" and facts["Owner"] == "Muséum de Toulouse"
    assert [h.get_text(strip=True) for h in page.html.select(".resource-facts h2")] == [
        "At a glance", "Conditions", "Logistics"]
    assert page.html.find(id="photos") is None  # no photo, not an editor: no section


def test_documents_section_on_the_page_refuses_a_false_pdf(app, db, testapp_en, log_in, site):
    resource = make(site, "Mallette")
    log_in(testapp_en, site["author"])
    page = testapp_en.get(f"/resource/{resource.id}-{resource.slug}")
    assert page.html.find(id="documents") is not None
    form = page.forms["document-form"]
    form["document-file"] = Upload("guide.pdf", b"MZ\x90\x00 not a pdf at all" * 20, "application/pdf")
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert response.html.select_one("#documents .error") is not None
    from csti.models import Document

    db.session.rollback()
    assert db.session.scalar(select(func.count(Document.id))) == 0


# --- photos -------------------------------------------------------------------------------------
def _files(app) -> set[Path]:
    root = Path(app.config["UPLOAD_DIR"]) / "resources"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _add_photo(testapp, url, content, alt="Les panneaux montés", name="photo.png"):
    form = testapp.get(url).forms["photo-form"]
    form["photo-photo"] = Upload(name, content, "image/png")
    form["photo-alt"] = alt
    return form.submit(expect_errors=True)


def test_editor_adds_and_removes_photos(app, db, testapp_en, log_in, site):
    resource = make(site, "Mallette")
    log_in(testapp_en, site["author"])
    response = _add_photo(testapp_en, f"/resource/{resource.id}-{resource.slug}", image_bytes())
    assert response.status_int == 303 and response.location.endswith("#photos")
    db.session.rollback()
    photo = db.session.scalar(select(ResourcePhoto))
    assert photo.alt == "Les panneaux montés" and photo.path.startswith("resources/") and _files(app)
    page = response.follow()
    img = page.html.select_one("#photos .gallery figure img")
    assert img["alt"] == "Les panneaux montés" and img.has_attr("width") and "srcset" in img.attrs
    assert page.html.select_one("#photos figcaption").get_text(strip=True) == "Les panneaux montés"
    # Removed with htmx: the section comes back, the files go after the commit.
    form = page.forms[[k for k in page.forms if str(k).startswith("photo") is False
                       and "delete" in (page.forms[k].action or "")][0]]
    fragment = testapp_en.post(form.action, headers=csrf_headers(page))
    assert fragment.status_int == 200 and "<html" not in fragment.text and "No photo yet." in fragment.text
    db.session.rollback()
    assert db.session.scalar(select(func.count(ResourcePhoto.id))) == 0 and not _files(app)


@pytest.mark.parametrize("content, alt, message", [
    (b"GIF89a not really", "Une photo", "not an image we can read"),
    (image_bytes(), "", "This field is required."),
    (image_bytes(), "   ", "This field is required."),  # blanks describe nothing
])
def test_a_bad_photo_is_refused_next_to_its_field_and_nothing_written(app, db, testapp_en, log_in, site,
                                                                       content, alt, message):
    resource = make(site, "Mallette")
    log_in(testapp_en, site["author"])
    response = _add_photo(testapp_en, f"/resource/{resource.id}-{resource.slug}", content, alt=alt)
    assert response.status_int == 422 and message in response.html.select_one("#photos").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(ResourcePhoto.id))) == 0 and not _files(app)


def test_photos_are_limited_and_kept_to_the_editors(app, db, testapp_en, log_in, site):
    resource = make(site, "Mallette")
    for n in range(PHOTOS_MAX):
        db.session.add(ResourcePhoto(resource_id=resource.id, path=f"resources/x{n}.webp", alt=f"Photo {n}"))
    db.session.commit()
    log_in(testapp_en, site["author"])
    response = _add_photo(testapp_en, f"/resource/{resource.id}-{resource.slug}", image_bytes())
    assert response.status_int == 422 and f"{PHOTOS_MAX} photos at most" in response.text
    assert db.session.scalar(select(func.count(ResourcePhoto.id))) == PHOTOS_MAX
    # Someone who may not edit the resource: no form, and the routes answer 403.
    log_in(testapp_en, site["other"])
    page = testapp_en.get(f"/resource/{resource.id}-{resource.slug}")
    assert "photo-form" not in page.forms
    photo_id = db.session.scalar(select(ResourcePhoto.id))
    headers = csrf_headers(page)
    testapp_en.post(f"/resource/{resource.id}/photos", headers=headers, status=403)
    testapp_en.post(f"/resource/{resource.id}/photos/{photo_id}/delete", headers=headers, status=403)
    assert db.session.scalar(select(func.count(ResourcePhoto.id))) == PHOTOS_MAX


def test_deleting_a_resource_removes_its_photos_files(app, db, site):
    from PIL import Image

    from csti.blueprints.resources.photos import add_photo

    resource = make(site, "Mallette")
    with app.test_request_context():
        add_photo(resource, Image.new("RGB", (900, 600), (10, 20, 30)), "Une photo")
        assert _files(app)
        db.session.delete(db.session.get(Resource, resource.id))
        db.session.commit()
    assert not _files(app)


# --- the video ----------------------------------------------------------------------------------
@pytest.mark.parametrize("url, embed", [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://www.dailymotion.com/video/x8abc12", "https://www.dailymotion.com/embed/video/x8abc12"),
    ("https://www.canal-u.tv/embed/123456", "https://www.canal-u.tv/embed/123456"),
])
def test_allow_listed_videos_load_only_on_a_click(app, testapp_en, site, url, embed):
    resource = make(site, "Mallette", video_url=url)
    page = testapp_en.get(f"/resource/{resource.id}-{resource.slug}")
    link = page.html.select_one("#video a.video-load")
    assert link["href"] == url and link["data-embed"] == embed  # a plain link without JavaScript
    host = embed.split("/")[2]
    assert link.get_text(strip=True) == f"Play the video (loads content from {host})"
    assert page.html.find("iframe") is None  # nothing from the host before the click
    scripts = [s.get("src", "") for s in page.html.find_all("script")]
    assert any(s.endswith("/static/js/video.js") for s in scripts)
    assert all(s.get("src") for s in page.html.find_all("script"))  # no inline script (CSP)
    frame_src = [d for d in page.headers["Content-Security-Policy"].split("; ") if d.startswith("frame-src ")][0]
    assert f"https://{host}" in frame_src.split()


def test_csp_frames_exactly_the_players(testapp):
    csp = testapp.get("/").headers["Content-Security-Policy"]
    frame_src = [d for d in csp.split("; ") if d.startswith("frame-src ")][0].split()[1:]
    assert sorted(frame_src) == sorted(["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com",
                                        "https://www.dailymotion.com", "https://www.canal-u.tv"])
    assert "*" not in " ".join(frame_src) and "https://www.youtube.com" not in frame_src


def _edit(testapp, resource, **values):
    form = testapp.get(f"/resource/{resource.id}/edit").forms["resource-form"]
    for name, value in values.items():
        form[name] = value
    return form.submit("publish" if "publish" in form.fields else None, expect_errors=True)


@pytest.mark.parametrize("field, value, message", [
    ("video_url", "https://evil.example.org/watch?v=dQw4w9WgXcQ", "YouTube, Vimeo, Dailymotion or Canal-U"),
    ("video_url", "javascript:alert(1)", "YouTube, Vimeo, Dailymotion or Canal-U"),
    ("video_url", "https://www.youtube.com.evil.org/watch?v=dQw4w9WgXcQ", "YouTube, Vimeo"),
    ("video_url", "https://www.youtube.com/", "YouTube, Vimeo"),
    ("weight_kg", "-3", "between 0 and"),
    ("panels", "-1", "between 0 and"),
    ("setup_minutes", "beaucoup", "Not a valid integer"),
])
def test_form_bad_input_is_refused_next_to_the_field(db, testapp_en, log_in, site, field, value, message):
    resource = make(site, "Mallette")
    log_in(testapp_en, site["author"])
    response = _edit(testapp_en, resource, **{field: value})
    assert response.status_int == 422
    error = response.html.find(id=f"{field}-error")
    assert error is not None and message in error.text
    db.session.rollback()
    fresh = db.session.get(Resource, resource.id)
    assert fresh.video_url == "" and fresh.weight_kg is None and fresh.panels is None


def test_form_saves_a_video_and_the_logistics(db, testapp_en, log_in, site):
    resource = make(site, "Mallette")
    log_in(testapp_en, site["author"])
    response = _edit(testapp_en, resource, video_url="https://youtu.be/dQw4w9WgXcQ", weight_kg="12.5", panels="6")
    assert response.status_int in (302, 303), response.text[:500]
    db.session.rollback()
    fresh = db.session.get(Resource, resource.id)
    assert (fresh.video_url, float(fresh.weight_kg), fresh.panels) == ("https://youtu.be/dQw4w9WgXcQ", 12.5, 6)


def test_owner_choices_follow_writes_and_show_only_published_structures(testapp_en, site, make_actor):
    """The owner select is remembered by the worker until the next write: a structure that
    starts lending appears on the next list, one unpublished meanwhile disappears."""
    def choices():
        page = testapp_en.get("/resources")
        return {o.get_text(strip=True) for o in page.html.select("#resources-structure option") if o.get("value")}

    make(site, "Mallette", owner=site["museum"])
    assert choices() == {"Muséum de Toulouse"}
    assert choices() == {"Muséum de Toulouse"}  # remembered: same answer
    fablab = make_actor(site["territory"], "Fablab de Rodez")
    site["db"].session.commit()
    make(site, "Imprimante 3D", owner=fablab)
    assert choices() == {"Muséum de Toulouse", "Fablab de Rodez"}
    fablab.status = "draft"
    site["db"].session.commit()
    assert choices() == {"Muséum de Toulouse"}
