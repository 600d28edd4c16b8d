"""The "Embed" page (issue #18): a GET form that works without JavaScript — the fields sent come
back with the preview (a frame of the widget) and the code to copy, or with their errors next to
them — linked from the footer, the agenda and a territory's home."""
import re

import pytest
from webtest import TestApp

from csti import create_app
from csti.extensions import db as _db
from tests.conftest import isolated

SITE = "csti.example.org"


def _snippet(page) -> str:
    return page.html.select_one("textarea#embed-snippet").text


def test_the_page_shows_the_whole_agenda_s_code_by_default(testapp_en, occitanie):
    page = testapp_en.get("/embed")
    assert page.html.h1.text == "Embed"
    assert page.html.select_one("form#embed-form")["method"] == "get"
    assert page.html.select_one("iframe#embed-preview")["src"] == "/embed/agenda?lang=en"
    assert page.html.select_one("iframe#embed-preview")["title"]
    label = page.html.select_one("label[for=embed-snippet]")
    assert label.text.strip() and page.html.select_one("textarea#embed-snippet").has_attr("readonly")
    assert _snippet(page) == ('<iframe src="http://localhost/embed/agenda?lang=en" title="Agenda of csti" '
                              'width="100%" height="600" style="border:0" loading="lazy"></iframe>')
    # The copy button needs the script: hidden without it.
    assert page.html.select_one("button#embed-copy").has_attr("hidden")
    assert page.html.select_one("script[src='/static/js/embed.js']")
    assert not page.html.select("script:not([src])")  # no inline script (CSP)


def test_the_fields_sent_make_the_widget_url_and_the_code(testapp_en, db, occitanie, make_actor):
    museum = make_actor(occitanie, "Muséum")
    from csti.models import Tag

    db.session.add(Tag(name="Astronomie", slug="astronomie"))
    db.session.commit()
    page = testapp_en.get(f"/embed?widget=news&territory=occitanie&tag=Astronomie&structure={museum.id}"
                          "&kind=announcement&limit=5&color=%23C00&theme=dark&lang=fr&images=off&height=420")
    assert page.status_int == 200
    url = (f"/embed/news?territory=occitanie&tag=astronomie&structure={museum.id}&kind=announcement&limit=5"
           "&color=%23cc0000&theme=dark&lang=fr&images=off")
    assert page.html.select_one("iframe#embed-preview")["src"] == url
    assert page.html.select_one("iframe#embed-preview")["height"] == "420"
    assert _snippet(page) == (f'<iframe src="http://localhost{url.replace("&", "&amp;")}" title="News from csti" '
                              'width="100%" height="420" style="border:0" loading="lazy"></iframe>')
    assert page.html.select_one("a#embed-url")["href"] == "http://localhost" + url
    # The form shows what was chosen.
    assert page.html.select_one("#territory option[selected]")["value"] == "occitanie"
    assert page.html.select_one("input[name=widget][checked]")["value"] == "news"
    assert page.html.select_one("input#color")["value"] == "#cc0000"
    # The widget at that address answers.
    assert testapp_en.get(url).status_int == 200


def test_the_default_colour_is_left_out_of_the_url(testapp_en):
    page = testapp_en.get("/embed?widget=agenda&color=%231d4e89&theme=light&images=on&limit=10&lang=en")
    assert page.html.select_one("iframe#embed-preview")["src"] == "/embed/agenda?lang=en"
    assert page.html.select_one("input#color")["type"] == "color"


def test_errors_are_shown_next_to_their_fields_and_no_code_is_given(testapp_en, occitanie):
    page = testapp_en.get("/embed?widget=agenda&territory=nowhere&limit=80&color=bleu&height=10&kind=article",
                          status=400)
    for name, message in (("territory", "No territory is called “nowhere”."),
                          ("limit", "Give a whole number from 1 to 50."),
                          ("color", "Write the colour as #rgb or #rrggbb"),
                          ("height", "Give a whole number of pixels from 150 to 2000."),
                          ("kind", "“article” is not a kind of event.")):
        error = page.html.select_one(f"#{name}-error")
        assert error is not None and message in error.text, name
        assert page.html.select_one(f"#{name}")["aria-invalid"] == "true"
        assert f"{name}-error" in page.html.select_one(f"#{name}")["aria-describedby"]
    assert page.html.select_one(".form-errors")
    assert not page.html.select("iframe, textarea")
    assert page.html.select_one("input#color")["type"] == "text"  # what was typed, to correct it
    assert page.html.select_one("input#color")["value"] == "bleu"


def test_the_page_is_linked_from_the_footer_the_agenda_and_a_territory_s_home(testapp_en, occitanie):
    home = testapp_en.get("/")
    assert home.html.select_one("footer a[href='/embed']").text == "Embed"
    agenda = testapp_en.get("/agenda?territory=occitanie&kind=talk")
    link = agenda.html.find("a", string="Embed on your site")
    assert link["href"] == "/embed?widget=agenda&territory=occitanie&kind=talk"
    territory = testapp_en.get("/t/occitanie")
    assert territory.html.find("a", string="Embed on your site")["href"] == "/embed?territory=occitanie"
    assert testapp_en.get(link["href"]).html.select_one("iframe#embed-preview")["src"] == (
        "/embed/agenda?territory=occitanie&kind=talk&lang=en")


def test_a_french_browser_is_offered_a_french_widget(testapp, occitanie):
    page = testapp.get("/embed")
    assert page.html.html["lang"] == "fr"
    assert page.html.select_one("#lang option[selected]")["value"] == "fr"
    assert page.html.select_one("iframe#embed-preview")["src"] == "/embed/agenda?lang=fr"


@pytest.fixture
def named_site(app, database_url):
    site = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": SITE,
                               "PREFERRED_URL_SCHEME": "https", "TRUST_ANY_HOST": True,
                               "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield site
    with site.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_the_code_uses_the_configured_address_not_a_forged_host(named_site, db):
    """The code is pasted into other sites: its address comes from SERVER_NAME, never the request."""
    browser = TestApp(isolated(named_site), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en",
                                                           "HTTP_HOST": "evil.example"})
    page = browser.get("/embed?widget=news")
    snippet = page.html.select_one("textarea#embed-snippet").text
    assert re.search(r'src="https://csti\.example\.org/embed/news\?lang=en"', snippet), snippet
    assert page.html.select_one("a#embed-url")["href"] == "https://csti.example.org/embed/news?lang=en"


def test_a_title_with_markup_is_escaped_in_the_code(app, db):
    from csti.blueprints.embed.routes import snippet

    made = snippet("https://a.example/embed/news?lang=fr&limit=5", 'Actus <"du" site>', 300)
    assert made == ('<iframe src="https://a.example/embed/news?lang=fr&amp;limit=5" '
                    'title="Actus &lt;&#34;du&#34; site&gt;" width="100%" height="300" style="border:0" '
                    'loading="lazy"></iframe>')
