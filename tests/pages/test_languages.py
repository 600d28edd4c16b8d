"""Editorial pages in several languages: the footer shows each in the visitor's language."""
from csti.models import Page


def _footer(page):
    return [a.text for a in page.html.select("footer a[href^='/page/']")]


def _pair(factory):
    legal = factory.page(title="Mentions légales", language="fr", in_footer=True)
    factory.page(title="Legal notice", language="en", translation_of=legal)
    about = factory.page(title="À propos", language="fr", in_footer=True)
    factory.page(title="Charte", language="", in_footer=True)
    return legal, about


def test_the_footer_shows_each_page_in_the_visitors_language(testapp, testapp_en, db, factory):
    _pair(factory)
    french = _footer(testapp.get("/"))
    english = _footer(testapp_en.get("/"))
    assert "Mentions légales" in french and "Legal notice" not in french
    assert "Legal notice" in english and "Mentions légales" not in english
    # No English version: the original; a page for every language: shown to everyone.
    assert "À propos" in french and "À propos" in english
    assert "Charte" in french and "Charte" in english


def test_a_translation_follows_its_original_out_of_the_footer(testapp_en, db, factory):
    legal, _about = _pair(factory)
    legal.in_footer = False
    db.session.commit()
    assert "Legal notice" not in _footer(testapp_en.get("/"))


def test_a_page_links_its_other_languages_and_marks_its_own(testapp, db, factory):
    legal, _about = _pair(factory)
    english = db.session.query(Page).filter_by(title="Legal notice").one()
    page = testapp.get(f"/page/{english.id}").follow()
    assert page.html.select_one("h1")["lang"] == "en"  # an English page in the French interface
    link = page.html.select_one("article a[hreflang='fr']")
    assert link["href"].startswith(f"/page/{legal.id}-") and link.text == "Français"
    original = testapp.get(f"/page/{legal.id}").follow()
    assert original.html.select_one("h1").get("lang") is None
    assert original.html.select_one("article a[hreflang='en']")["href"].startswith(f"/page/{english.id}-")


def test_an_admin_writes_a_translation(testapp_en, db, factory, log_in):
    admin = factory.user(admin=True)
    legal = factory.page(title="Mentions légales", language="fr", in_footer=True)
    log_in(testapp_en, admin)
    page = testapp_en.get("/page/new")
    form = page.forms[[f for f in page.forms if "title" in page.forms[f].fields][0]]
    form["title"] = "Legal notice"
    form["territory"] = "0"
    form["language"] = "en"
    form["translation_of"] = str(legal.id)
    assert form.submit().status_int == 303
    db.session.rollback()  # a new snapshot: the page the app wrote
    english = db.session.query(Page).filter_by(title="Legal notice").one()
    assert english.language == "en" and english.translation_of_id == legal.id
    assert "Legal notice" in _footer(testapp_en.get("/"))


def test_a_translated_page_stays_an_original(testapp_en, db, factory, log_in):
    admin = factory.user(admin=True)
    legal, about = _pair(factory)
    log_in(testapp_en, admin)
    page = testapp_en.get(f"/page/{legal.id}/edit")
    form = page.forms[[f for f in page.forms if "title" in page.forms[f].fields][0]]
    form["translation_of"] = str(about.id)
    answer = form.submit(expect_errors=True)
    assert answer.status_int == 422
    assert "Other pages translate this one" in answer.text
    db.session.refresh(legal)
    assert legal.translation_of_id is None


def test_the_footer_s_pages_are_read_in_one_statement(app, db, factory):
    """Their titles and addresses only: not their tags, audiences or author's roles (read again
    on the first page after each write)."""
    from csti.models import Tag
    from csti.templating import _footer_links
    from tests.statements import statements

    legal, _about = _pair(factory)
    legal.tags.append(Tag(slug="droit", name="droit"))
    db.session.commit()
    db.session.expire_all()
    with app.test_request_context("/"), statements(db.engine) as seen:
        links = _footer_links("fr")
    assert sorted(link.title for link in links) == ["Charte", "Mentions légales", "À propos"]
    assert len([s for s in seen if s != "BEGIN"]) == 1, seen
