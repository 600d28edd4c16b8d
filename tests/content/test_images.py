"""Images everywhere (issue 13): the cover and its description on every type's form (written once
in the shared content layer), narrower copies and srcset, removal, Open Graph, a territory's
accent colour, the demo's images."""
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from csti import registry
from csti.models import Content, Territory
from csti.uploads import image_info, save_image, store_image, variant_path
from tests.conftest import login

from .. import samples
from ..images import image_bytes
from ..sample_site import build

# Every type is registered when its blueprint is imported: load them all now, so that this list is
# the same whether the module runs alone or after others that happened to import more of them.
samples.load_all_types()
EDITABLE = [t.kind for t in samples.listed_types()]
FORM_IDS = {"event": "event-form", "article": "article-form", "announcement": "announcement-form",
            "project": "project-form", "dossier": "dossier-form", "actor": "actor-form",
            "group": "group-form", "resource": "resource-form"}


def files(app, folder="covers") -> set[str]:
    root = Path(app.config["UPLOAD_DIR"]) / folder
    return {p.name for p in root.glob("*")} if root.is_dir() else set()


def stored(app, relative) -> bool:
    return (Path(app.config["UPLOAD_DIR"]) / relative).is_file()


def fresh(db, item_id):
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Content, item_id)


@pytest.fixture
def site(app, factory, testapp_en):
    built = build(factory)
    assert login(testapp_en, built["author"]).status_int == 303
    return built


def edit_form(app, testapp, kind, item_id):
    content_type = registry.all_kinds()[kind]
    with app.test_request_context():
        url = url_for(samples.endpoint(app, content_type, "edit"), id=item_id)
    page = testapp.get(url)
    form = page.forms[FORM_IDS[kind]]
    assert form.enctype == "multipart/form-data"
    return form


def test_every_listed_type_has_the_cover_fields():
    """A new type gets them from ContentForm: the test names each type's form id."""
    assert set(EDITABLE) <= set(FORM_IDS), "add the new type's form id to FORM_IDS"


@pytest.mark.parametrize("kind", EDITABLE)
def test_cover_upload_replace_and_remove_on_every_type(app, db, site, testapp_en, kind):
    item_id = site["samples"][kind][0]
    form = edit_form(app, testapp_en, kind, item_id)
    form["cover"] = ("photo.png", image_bytes((1800, 1000)), "image/png")
    form["cover_alt"] = "Des enfants observent la Lune au télescope"
    form.submit(status=303)
    item = fresh(db, item_id)
    first = item.cover_image
    assert first.startswith("covers/") and first.endswith(".webp")
    assert item.cover_alt == "Des enfants observent la Lune au télescope"
    assert stored(app, first) and stored(app, variant_path(first, 480)) and stored(app, variant_path(first, 960))

    page = testapp_en.get(f"/{kind}/{item_id}").maybe_follow()
    cover = page.html.select_one("img.cover")
    assert cover["alt"] == "Des enfants observent la Lune au télescope"
    assert f"{variant_path(first, 480)} 480w" in cover["srcset"] and cover["width"] == "1600"

    # Replaced: the old file and its copies go once the new one is saved.
    form = edit_form(app, testapp_en, kind, item_id)
    assert form["cover_alt"].value == "Des enfants observent la Lune au télescope"
    form["cover"] = ("autre.jpg", image_bytes((700, 400), fmt="JPEG"), "image/jpeg")
    form.submit(status=303)
    second = fresh(db, item_id).cover_image
    assert second != first and stored(app, second)
    assert not stored(app, first) and not stored(app, variant_path(first, 480))

    # Removed: the file goes, the description too.
    form = edit_form(app, testapp_en, kind, item_id)
    form["cover_remove"] = True
    form.submit(status=303)
    item = fresh(db, item_id)
    assert item.cover_image is None and item.cover_alt == ""
    assert not stored(app, second) and not stored(app, variant_path(second, 480))


@pytest.mark.parametrize("kind", EDITABLE)
def test_a_cover_needs_a_description_unless_decorative(app, db, site, testapp_en, kind):
    item_id = site["samples"][kind][0]
    before = files(app)
    old = fresh(db, item_id).cover_image
    form = edit_form(app, testapp_en, kind, item_id)
    form["title"] = "Titre changé"
    form["cover"] = ("photo.png", image_bytes(), "image/png")
    form["cover_alt"] = "  "
    page = form.submit(status=422)
    error = page.html.find(id="cover_alt-error")
    assert error is not None and "decorative" in error.get_text()
    assert page.html.find(id="cover_alt")["aria-invalid"] == "true"
    item = fresh(db, item_id)
    assert item.title != "Titre changé" and item.cover_image == old
    assert files(app) == before  # nothing written

    form = page.forms[FORM_IDS[kind]]
    form["cover"] = ("photo.png", image_bytes(), "image/png")
    form["cover_decorative"] = True
    form.submit(status=303)
    item = fresh(db, item_id)
    assert item.cover_image and item.cover_alt == "" and item.title == "Titre changé"
    page = testapp_en.get(f"/{kind}/{item_id}").maybe_follow()
    assert page.html.select_one("img.cover")["alt"] == ""


@pytest.mark.parametrize("kind", EDITABLE)
def test_a_kept_cover_needs_its_description_too(app, db, site, testapp_en, kind):
    item_id = site["samples"][kind][0]
    form = edit_form(app, testapp_en, kind, item_id)
    form["cover"] = ("photo.png", image_bytes(), "image/png")
    form["cover_alt"] = "Une comète"
    form.submit(status=303)
    form = edit_form(app, testapp_en, kind, item_id)
    form["cover_alt"] = ""
    page = form.submit(status=422)
    assert page.html.find(id="cover_alt-error") is not None
    assert fresh(db, item_id).cover_alt == "Une comète"


@pytest.mark.parametrize("kind", EDITABLE)
def test_a_file_that_is_not_an_image_is_refused_next_to_the_field(app, db, site, testapp_en, kind):
    item_id = site["samples"][kind][0]
    before = files(app)
    form = edit_form(app, testapp_en, kind, item_id)
    form["title"] = "Titre changé"
    form["cover"] = ("photo.png", b"GIF89a<script>alert(1)</script>", "image/png")
    form["cover_alt"] = "Une photo"
    page = form.submit(status=422)
    assert "not an image we can read" in page.html.find(id="cover-error").get_text()
    assert fresh(db, item_id).title != "Titre changé"  # nothing half-saved
    assert files(app) == before


def test_a_new_article_with_its_cover(app, db, site, testapp_en):
    page = testapp_en.get("/articles/new")
    form = page.forms["article-form"]
    form["title"], form["article_kind"] = "Une nuit au planétarium", "news"
    form["territory"] = str(db.session.scalar(select(Territory.id).where(Territory.slug == "occitanie")))
    form["cover"] = ("photo.png", image_bytes(), "image/png")
    form["cover_alt"] = "Le dôme du planétarium"
    response = form.submit("action", value="publish", status=303)
    db.session.commit()
    article = db.session.scalars(select(Content).where(Content.title == "Une nuit au planétarium")).one()
    assert response.location.endswith(f"/article/{article.id}-{article.slug}")
    assert article.cover_alt == "Le dôme du planétarium" and stored(app, article.cover_image)


def test_structure_logo_and_cover(app, db, site, testapp_en):
    actor_id = int(site["actor"].split("/")[2].split("-")[0])
    form = edit_form(app, testapp_en, "actor", actor_id)
    form["logo"] = ("logo.png", image_bytes((600, 600)), "image/png")
    form["cover"] = ("photo.png", image_bytes(), "image/png")
    form["cover_alt"] = "La façade du muséum"
    form.submit(status=303)
    actor = fresh(db, actor_id)
    logo = actor.logo
    assert stored(app, logo) and stored(app, variant_path(logo, 160)) and actor.cover_alt == "La façade du muséum"
    page = testapp_en.get(site["actor"])
    assert page.html.select_one("img.actor-logo-large")["srcset"].startswith(f"/media/{variant_path(logo, 160)} 160w")
    assert page.html.select_one("img.cover")["alt"] == "La façade du muséum"

    form = edit_form(app, testapp_en, "actor", actor_id)
    form["logo_remove"] = True
    form.submit(status=303)
    assert fresh(db, actor_id).logo is None and not stored(app, logo) and not stored(app, variant_path(logo, 160))


def test_cards_offer_the_narrower_copies(app, db, site, testapp_en):
    """The samples of events and articles have a cover: their cards use srcset, alt="" and a size."""
    for url in ("/agenda", "/articles", "/"):
        images = testapp_en.get(url).html.select("img.card-image, img.event-line-image")
        assert images, url
        for img in images:
            assert img["alt"] == "" and img["width"] and img["height"]
            assert "-480w.webp 480w" in img["srcset"] and img["sizes"]


def test_variants_and_old_single_uploads(app):
    from PIL import Image

    with app.test_request_context():
        wide = store_image(Image.new("RGB", (2000, 1000), "teal"), "covers")
        info = image_info(wide)
        assert (info.width, info.height) == (1600, 800)
        assert [w for _p, w in info.variants] == [480, 960, 1600]
        with Image.open(Path(app.config["UPLOAD_DIR"]) / variant_path(wide, 480)) as small:
            assert small.size == (480, 240)
        small_one = store_image(Image.new("RGB", (400, 300), "teal"), "covers")  # narrower than every copy
        assert [w for _p, w in image_info(small_one).variants] == [400]
        from csti.templating import media_srcset

        assert media_srcset(small_one) == ""  # src alone: what an upload older than the copies gets too
        assert media_srcset(wide).count("w, ") == 2
        from csti.uploads import delete_upload

        delete_upload(wide)
        assert not any((Path(app.config["UPLOAD_DIR"]) / "covers").glob(Path(wide).stem + "*"))
        assert image_info(wide).variants == ()


def test_open_graph_of_a_content_page(app, db, site, testapp_en):
    page = testapp_en.get(site["event"])
    meta = {m.get("property") or m.get("name"): m["content"] for m in page.html.select("head meta[content]")}
    assert meta["og:title"].startswith("Nuit des étoiles")
    assert meta["og:description"] == "Une soirée pour tout le monde."
    assert meta["og:type"] == "article" and meta["og:locale"] == "en_GB" and meta["og:locale:alternate"] == "fr_FR"
    assert meta["og:url"] == "http://localhost" + site["event"]
    assert page.html.select_one("link[rel=canonical]")["href"] == meta["og:url"]
    assert meta["og:image"].startswith("http://localhost/media/covers/") and meta["og:image"].endswith(".webp")
    assert meta["og:image:alt"] == "Un ciel étoilé au-dessus d’une foule"
    assert meta["twitter:card"] == "summary_large_image"
    assert testapp_en.get(meta["og:image"].removeprefix("http://localhost")).content_type == "image/webp"


def test_open_graph_of_a_territory_page_uses_its_logo(app, db, site, testapp_en):
    db.session.commit()  # a fresh snapshot (SQLite WAL): the login wrote since
    territory = db.session.scalar(select(Territory).where(Territory.slug == "occitanie"))
    with app.test_request_context():
        territory.logo = save_image_from(app, (300, 300))
    db.session.commit()
    page = testapp_en.get("/t/occitanie")
    og = page.html.select_one('meta[property="og:image"]')["content"]
    assert og == f"http://localhost/media/{territory.logo}"
    assert page.html.select_one("img.territory-logo") is not None


def save_image_from(app, size):
    from PIL import Image

    return store_image(Image.new("RGB", size, "white"), "territories", max_size=(400, 400), widths=(160,))


@pytest.mark.parametrize("color", ["#ffdd00", "#a3262a", "#7fdbff", "#ffffff", "not a colour", "#1d4e89"])
def test_territory_accent_is_contrast_safe(color):
    from csti.theming import BACKGROUNDS, accessible, contrast

    safe = accessible(color)
    assert all(contrast(safe, bg) >= 4.5 for bg in BACKGROUNDS)
    if color in ("#a3262a", "#1d4e89"):  # already dark enough: kept as chosen
        assert safe == color


def test_territory_pages_link_their_theme(app, db, site, testapp_en):
    from csti.theming import accessible

    db.session.commit()
    territory = db.session.scalar(select(Territory).where(Territory.slug == "occitanie"))
    territory.color_primary = "#ffdd00"  # yellow: unreadable with white text, darkened
    db.session.commit()
    page = testapp_en.get("/t/occitanie")
    href = page.html.select_one('head link[rel=stylesheet][href*="theme.css"]')["href"]
    assert href.startswith("/t/occitanie/theme.css?v=")
    css = testapp_en.get(href)
    assert css.content_type == "text/css" and "max-age=86400" in css.headers["Cache-Control"]
    assert f"--brand: {accessible('#ffdd00')};" in css.text and accessible("#ffdd00") != "#ffdd00"
    assert 'theme.css' not in testapp_en.get("/agenda").text  # other pages keep the site's colours
    territory.color_primary = "#0b5d6b"
    db.session.commit()
    assert testapp_en.get("/t/occitanie").html.select_one('link[href*="theme.css"]')["href"] != href


def test_demo_images(app, db, factory):
    from csti.demo import images
    from csti.models import Article

    territory = factory.territory(slug="bretagne", name="Bretagne")
    user = factory.user(name="Anne Rouxel")
    article = Article(title="Nuit des étoiles à Brest", territory=territory, author=user, article_kind="news",
                      featured_rank=1)
    article.publish()
    db.session.add(article)
    db.session.flush()
    lines = []
    with app.test_request_context():
        images.seed({"bretagne": territory}, {user.email: user}, lines)
        db.session.commit()
        assert article.cover_image and article.cover_alt.startswith("Illustration : une planète")
        assert stored(app, article.cover_image) and stored(app, variant_path(article.cover_image, 480))
        assert territory.logo and stored(app, territory.logo)
    assert lines and "covers" in lines[0]
    assert images.motif_for("Atelier intelligence artificielle")[0] == "circuit"  # "artificielle" is no "ciel"
    assert images.initials("Club sciences de Rodez") == "CS"


def test_pages_have_no_cover_fields(app, db, site, testapp_en):
    admin = site["admin"]
    login(testapp_en, admin)
    form = testapp_en.get(f"/page/{site['page_id']}/edit").forms[1]
    assert "cover" not in form.fields


def test_save_image_keeps_its_api(app):
    """save_image (an upload) stores the variants too."""
    import io

    from werkzeug.datastructures import FileStorage

    with app.test_request_context():
        path = save_image(FileStorage(io.BytesIO(image_bytes((1000, 500))), "a.png"), "covers")
        assert [w for _p, w in image_info(path).variants] == [480, 960, 1000]


def test_the_home_shows_each_territory_with_its_logo_and_accent(testapp, db, factory):
    """The home's territory cards: each its logo and its accent (AA-safe) from one stylesheet."""
    from csti.theming import accessible

    factory.territory(slug="occitanie", name="Occitanie", color_primary="#ffcc00", logo="territories/o.webp")
    factory.territory(slug="bretagne", name="Bretagne", color_primary="#1d4e89")
    page = testapp.get("/")
    cards = {c.select_one("h3 a").text: c for c in page.html.select(".territory-card")}
    assert "territory-accent-occitanie" in cards["Occitanie"]["class"]
    assert cards["Occitanie"].select_one("img.territory-logo")["src"].endswith("territories/o.webp")
    assert cards["Bretagne"].select_one("img") is None
    href = page.html.select_one('link[href^="/territories/accents.css"]')["href"]
    css = testapp.get(href).text
    assert f".territory-accent-occitanie {{ --territory-color: {accessible('#ffcc00')}; }}" in css
    assert accessible("#ffcc00") != "#ffcc00"  # too light on white: darkened
    assert ".territory-accent-bretagne { --territory-color: #1d4e89; }" in css
