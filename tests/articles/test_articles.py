"""Articles: writing with preview and images, drafts, moderation, kinds, format sheets, feeds."""
import io

from PIL import Image
from sqlalchemy import func, select

from csti.models import Article
from tests.conftest import login


def _form(testapp, **values):
    form = testapp.get("/articles/new").forms["article-form"]
    for key, value in values.items():
        form[key] = value
    return form


def test_member_writes_a_draft_then_publishes_for_review(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="m@example.org", roles={territory: "member"})
    login(testapp_en, "m@example.org")
    form = _form(testapp_en, title="Mon premier article", body="Du **texte**", territory=str(territory.id))
    response = form.submit("action", value="draft")
    assert response.status_int == 303
    db.session.rollback()
    article = db.session.scalar(select(Article))
    assert article.status == "draft"
    assert testapp_en.get("/articles").html.find("a", string="Mon premier article") is None
    form = testapp_en.get(f"/article/{article.id}/edit").forms["article-form"]
    form.submit("action", value="publish")
    db.session.rollback()
    assert db.session.get(Article, article.id).status == "pending"  # territory does not trust members


def test_contributor_publishes_directly(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    _form(testapp_en, title="Publié", body="x", territory=str(territory.id)).submit("action", value="publish")
    db.session.rollback()
    article = db.session.scalar(select(Article))
    assert article.status == "published"
    assert "Publié" in testapp_en.get("/articles").text


def test_empty_title_keeps_the_text(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    response = _form(testapp_en, title="", body="Un long texte précieux", territory=str(territory.id)).submit(
        "action", value="publish", expect_errors=True)
    assert response.status_int == 422
    assert response.html.find(id="title-error") is not None
    assert "Un long texte précieux" in response.html.find(id="body").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(Article.id))) == 0


def test_too_long_body_is_refused(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    response = _form(testapp_en, title="Trop long", body="x" * 1_000_001, territory=str(territory.id)).submit(
        "action", value="publish", expect_errors=True)
    assert response.status_int in (413, 422)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Article.id))) == 0


def test_preview_without_javascript_and_with_htmx(testapp_en, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = _form(testapp_en, title="T", body="**gras** <script>alert(1)</script>", territory=str(territory.id))
    response = form.submit("action", value="preview")
    preview = response.html.find(id="preview")
    assert preview.find("strong").text == "gras" and preview.find("script") is None
    from tests.conftest import csrf_headers

    fragment = testapp_en.post("/content/preview", {"body": "# Titre"}, headers=csrf_headers(response))
    assert "<html" not in fragment.text and "<h2>Titre</h2>" in fragment.text


def test_image_inserted_in_the_text(testapp_en, app, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 120, 0)).save(buffer, "PNG")
    form = _form(testapp_en, title="Avec image", body="Texte", territory=str(territory.id), image_alt="Un champ")
    form["image"] = ("champ.png", buffer.getvalue(), "image/png")
    response = form.submit("action", value="image")
    body = response.html.find(id="body").text
    assert "![Un champ](/media/images/" in body
    bad = response.forms["article-form"]
    bad["image"] = ("x.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml")
    response = bad.submit("action", value="image", expect_errors=True)
    assert response.status_int == 422 and response.html.find(id="image-error") is not None


def test_format_sheet_needs_its_name_and_lists_in_the_library(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = _form(testapp_en, title="Fiche", article_kind="format", territory=str(territory.id))
    response = form.submit("action", value="publish", expect_errors=True)
    assert response.status_int == 422 and response.html.find(id="format_name-error") is not None
    form = response.forms["article-form"]
    form["format_name"], form["steps"], form["duration_text"] = "Débat mouvant", "1. Lire\n2. Bouger", "45 min"
    form.submit("action", value="publish")
    library = testapp_en.get("/formats")
    assert "Fiche" in library.text and "45 min" in library.text
    page = testapp_en.get("/articles?kind=news")
    assert "Fiche" not in page.text


def test_xss_in_every_text_field_is_inert(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    payload = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    form = _form(testapp_en, title=payload, summary=payload, body=payload, article_kind="format",
                 territory=str(territory.id), format_name=payload, format_audience=payload, material=payload,
                 steps=payload, what_worked=payload)
    response = form.submit("action", value="publish").follow()
    assert "<script>alert" not in response.text
    # Escaped as text in the page, and as \u003c…\u003e in its JSON-LD (docs/architecture.md §17).
    assert "onerror=" not in (response.text.replace("&lt;img src=x onerror=alert(1)&gt;", "")
                              .replace("\\u003cimg src=x onerror=alert(1)\\u003e", ""))


def test_atom_feed_honours_filters(testapp_en, db, factory):
    territory = factory.territory(slug="bzh")
    author = factory.user(roles={territory: "contributor"})
    for title, kind in (("Une actu", "news"), ("Un reportage", "report")):
        article = Article(title=title, article_kind=kind, territory=territory, author=author, body="x")
        article.publish()
        db.session.add(article)
    db.session.commit()
    feed = testapp_en.get("/articles.atom?kind=news")
    assert feed.content_type == "application/atom+xml"
    assert "Une actu" in feed.text and "Un reportage" not in feed.text


def test_others_cannot_edit(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(roles={territory: "contributor"})
    factory.user(email="other@example.org", roles={territory: "contributor"})
    article = Article(title="À moi", territory=territory, author=author, body="x")
    article.publish()
    db.session.add(article)
    db.session.commit()
    login(testapp_en, "other@example.org")
    testapp_en.get(f"/article/{article.id}/edit", status=403)
