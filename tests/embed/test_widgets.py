"""The widgets (issue #18, docs/architecture.md §18): /embed/agenda and /embed/news list the
published public items their URL's filters choose, in a light page of their own."""
from datetime import timedelta

import pytest

from csti.models import Announcement, Article
from csti.models.base import utcnow

from ..events.helpers import in_days
from .helpers import titles


def test_the_agenda_lists_upcoming_events_in_date_order_linked_to_their_pages(testapp_en, occitanie, make_event):
    later = make_event(occitanie, "Nuit des étoiles", start=in_days(12))
    sooner = make_event(occitanie, "Atelier robots", start=in_days(3))
    make_event(occitanie, "Conférence passée", start=in_days(-3))
    page = testapp_en.get("/embed/agenda")
    assert page.status_int == 200 and page.content_type == "text/html"
    assert titles(page) == ["Atelier robots", "Nuit des étoiles"]
    link = page.html.select_one(".embed-list h2 a")
    assert link["href"] == f"/event/{sooner.id}-{sooner.slug}"
    assert link["target"] == "_blank" and link["rel"] == ["noopener"]
    assert page.html.select_one(".embed-list time")["datetime"].startswith(str(in_days(3).date()))
    assert later.id  # listed second
    # The widget's own light page: no site header, menu, footer, form or script.
    assert not page.html.select("header, nav, footer, form, script")
    assert page.html.select_one("link[rel=stylesheet]")["href"] == "/static/css/embed.css"
    assert page.html.html["lang"] == "fr"  # the site's default language, whatever the browser prefers


def test_a_weekly_event_shows_once_at_its_next_date(testapp, occitanie, make_event):
    make_event(occitanie, "Club du mercredi", start=in_days(2), recurrence="weekly", until=in_days(60).date())
    make_event(occitanie, "Fête de la science", start=in_days(20))
    assert titles(testapp.get("/embed/agenda")) == ["Club du mercredi", "Fête de la science"]


def test_the_agenda_shows_the_place_and_a_thumbnail_unless_images_are_off(testapp, occitanie, make_event):
    make_event(occitanie, "Atelier", venue_name="Muséum de Toulouse", cover_image="events/atelier.webp")
    page = testapp.get("/embed/agenda")
    assert "Muséum de Toulouse" in page.html.select_one(".embed-item").text
    assert page.html.select_one("img.embed-thumb")["src"].endswith("events/atelier.webp")
    assert page.html.select_one("img.embed-thumb")["alt"] == ""  # the title follows
    assert not testapp.get("/embed/agenda?images=off").html.select("img")


def test_the_agenda_filters_by_territory_tag_structure_and_kind(testapp, db, factory, occitanie, make_event,
                                                                 make_actor):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    museum = make_actor(occitanie, "Muséum")
    make_event(occitanie, "Conférence astronomie", kind="talk", tags=["Astronomie"], owners=[museum])
    make_event(occitanie, "Atelier astronomie", kind="workshop", tags=["Astronomie"])
    make_event(bretagne, "Conférence en Bretagne", kind="talk", start=in_days(11))
    hosted = make_event(occitanie, "Exposition au muséum", kind="exhibition", start=in_days(12))
    hosted.venue = museum
    db.session.commit()
    assert set(titles(testapp.get("/embed/agenda?territory=bretagne"))) == {"Conférence en Bretagne"}
    assert set(titles(testapp.get("/embed/agenda?tag=astronomie"))) == {"Conférence astronomie", "Atelier astronomie"}
    assert set(titles(testapp.get("/embed/agenda?tag=Astronomie"))) == {"Conférence astronomie", "Atelier astronomie"}
    assert set(titles(testapp.get(f"/embed/agenda?structure={museum.id}"))) == {
        "Conférence astronomie", "Exposition au muséum"}  # organised or hosted there
    assert set(titles(testapp.get("/embed/agenda?kind=talk"))) == {"Conférence astronomie", "Conférence en Bretagne"}
    assert titles(testapp.get("/embed/agenda?kind=talk&territory=occitanie&tag=astronomie")) == [
        "Conférence astronomie"]
    heading = testapp.get("/embed/agenda?territory=bretagne").html.h1.text
    assert "Bretagne" in heading


def test_the_limit_cuts_the_list(testapp, occitanie, make_event):
    for n in range(12):
        make_event(occitanie, f"Événement {n:02d}", start=in_days(2 + n))
    assert len(titles(testapp.get("/embed/agenda"))) == 10  # the default
    assert titles(testapp.get("/embed/agenda?limit=3")) == ["Événement 00", "Événement 01", "Événement 02"]
    assert len(titles(testapp.get("/embed/agenda?limit=50"))) == 12


def test_only_published_public_items_are_shown(testapp, db, factory, occitanie, make_event, publish):
    make_event(occitanie, "Publié")
    make_event(occitanie, "Brouillon", status="draft")
    make_event(occitanie, "En attente", status="pending")
    make_event(occitanie, "Réservé au groupe", members_only=True)
    publish(Article, occitanie, "Article public")
    publish(Article, occitanie, "Article brouillon", status="draft")
    publish(Article, occitanie, "Article réservé", members_only=True)
    publish(Announcement, occitanie, "Annonce rejetée", status="rejected")
    assert titles(testapp.get("/embed/agenda")) == ["Publié"]
    assert titles(testapp.get("/embed/news")) == ["Article public"]


def test_the_news_lists_articles_and_current_announcements_newest_first(testapp, factory, occitanie, publish,
                                                                        make_actor):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    museum = make_actor(occitanie, "Muséum")
    publish(Article, occitanie, "Article ancien", days_ago=5, tags=["Astronomie"])
    publish(Announcement, occitanie, "Appel à partenaires", days_ago=2, owners=[museum],
            deadline=utcnow().date() + timedelta(days=10))
    publish(Announcement, occitanie, "Appel clos", days_ago=1, deadline=utcnow().date() - timedelta(days=3))
    publish(Article, bretagne, "Article breton", days_ago=0, owners=[museum])
    page = testapp.get("/embed/news")
    assert titles(page) == ["Article breton", "Appel à partenaires", "Article ancien"]  # "Appel clos" is over
    assert page.html.select_one(".embed-list a")["target"] == "_blank"
    assert titles(testapp.get("/embed/news?territory=occitanie")) == ["Appel à partenaires", "Article ancien"]
    assert titles(testapp.get("/embed/news?tag=astronomie")) == ["Article ancien"]
    assert titles(testapp.get(f"/embed/news?structure={museum.id}")) == ["Article breton", "Appel à partenaires"]
    assert titles(testapp.get("/embed/news?kind=announcement")) == ["Appel à partenaires"]
    assert titles(testapp.get("/embed/news?kind=article&limit=1")) == ["Article breton"]


def test_a_merged_tag_still_filters_under_its_old_name(testapp, db, occitanie, make_event):
    from csti.merges import merge_tags, tag_by_slug

    make_event(occitanie, "Nuit des étoiles", tags=["Astronomie"])
    make_event(occitanie, "Autre", tags=["Chimie"])
    make_event(occitanie, "Étoiles", tags=["Astro"])
    merge_tags(tag_by_slug("astro"), tag_by_slug("astronomie"), None)
    db.session.commit()
    assert set(titles(testapp.get("/embed/agenda?tag=astro"))) == {"Nuit des étoiles", "Étoiles"}


def test_the_language_comes_from_the_url_not_the_browser(testapp_en, testapp, occitanie, make_event):
    make_event(occitanie, "Atelier", kind="workshop")
    english = testapp.get("/embed/agenda?lang=en")  # a French browser
    assert english.html.html["lang"] == "en" and english.html.h1.text.startswith("Upcoming events")
    assert "(opens in a new tab)" in english.text
    french = testapp_en.get("/embed/agenda?lang=fr")  # an English browser
    assert french.html.html["lang"] == "fr" and "Upcoming events" not in french.text
    assert testapp_en.get("/embed/news").html.html["lang"] == "fr"  # no lang: the site's default


def test_theme_and_colour_are_classes_and_a_checked_stylesheet(testapp):
    page = testapp.get("/embed/agenda?theme=dark&color=%23C00")
    assert "theme-dark" in page.html.html["class"]
    sheets = [link["href"] for link in page.html.select("link[rel=stylesheet]")]
    assert sheets == ["/static/css/embed.css", "/embed/accent.css?color=%23cc0000"]  # normalised
    assert not page.html.select("style, [style]")  # the CSP allows no inline style
    assert "theme-light" in testapp.get("/embed/agenda").html.html["class"]
    assert len(testapp.get("/embed/agenda").html.select("link[rel=stylesheet]")) == 1  # the default accent


@pytest.mark.parametrize(("query", "field", "message"), [
    ("territory=nulle-part", "territory", "No territory is called “nulle-part”."),
    ("tag=inconnu", "tag", "No tag is called “inconnu”."),
    ("structure=abc", "structure", "No published structure has the number “abc”."),
    ("structure=999999", "structure", "No published structure has the number “999999”."),
    ("structure=99999999999999999999", "structure", "No published structure has the number"),
    ("kind=concert", "kind", "“concert” is not a kind of event."),
    ("kind=article", "kind", "“article” is not a kind of event."),
    ("limit=0", "limit", "Give a whole number from 1 to 50."),
    ("limit=51", "limit", "Give a whole number from 1 to 50."),
    ("limit=dix", "limit", "Give a whole number from 1 to 50."),
    ("limit=-1", "limit", "Give a whole number from 1 to 50."),
    ("color=red", "color", "Write the colour as #rgb or #rrggbb"),
    ("color=%231234", "color", "Write the colour as #rgb or #rrggbb"),
    ("color=%23ff0000;}body{display:none", "color", "Write the colour as #rgb or #rrggbb"),
    ("color=ff0000", "color", "Write the colour as #rgb or #rrggbb"),
    ("theme=blue", "theme", "Choose the light or the dark theme."),
    ("lang=de", "lang", "Choisissez l’une de ces langues : fr, en."),  # not understood: the default language
    ("images=yes", "images", "Images are on or off."),
])
def test_a_value_not_understood_is_a_400_saying_which_and_why(testapp, occitanie, make_event, query, field, message):
    make_event(occitanie, "Atelier")
    page = testapp.get(f"/embed/agenda?lang=en&{query}" if field != "lang" else f"/embed/agenda?{query}", status=400)
    problems = [li.text for li in page.html.select(".embed-errors li")]
    assert len(problems) == 1 and problems[0].split(":")[0].strip() == field and message in problems[0], problems
    assert "Atelier" not in page.text  # nothing is guessed
    assert page.html.select_one("h1").text  # the widget's own page, in its frame
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "Set-Cookie" not in page.headers
    assert "<style" not in page.text and "display:none" not in page.text.replace("display:none\"", "")


def test_every_problem_is_listed_in_the_widget_language(testapp):
    page = testapp.get("/embed/news?kind=talk&limit=100&color=blue", status=400)
    assert page.html.html["lang"] == "fr"
    assert [li.text.split(":")[0] for li in page.html.select(".embed-errors li")] == ["kind ", "limit ", "color "]
    assert "Écrivez la couleur sous la forme #rgb ou #rrggbb" in page.html.select(".embed-errors li")[2].text
    english = testapp.get("/embed/news?kind=talk&lang=en", status=400)
    assert "The news shows articles or announcements: “talk” is not one of them." in english.text


def test_a_value_that_is_not_a_choice_does_not_reach_a_query(testapp):
    """Control characters, long values, a NUL: a 400, never a 500."""
    for query in ("tag=%00", "territory=" + "x" * 5000, "structure=%C2%B2", "tag=%FF%FE", "kind=%0A"):
        assert testapp.get(f"/embed/agenda?{query}", expect_errors=True).status_int in (200, 400), query


def test_the_widget_links_to_the_site_s_own_list(testapp, occitanie, make_event, make_actor):
    museum = make_actor(occitanie, "Muséum")
    more = testapp.get("/embed/agenda?territory=occitanie&kind=talk").html.select_one(".embed-more a")
    assert more["href"] == "/agenda?kind=talk&territory=occitanie" and more["target"] == "_blank"
    assert testapp.get("/embed/news?kind=announcement").html.select_one(".embed-more a")["href"] == "/announcements"
    assert testapp.get("/embed/news").html.select_one(".embed-more a")["href"] == "/articles"
    assert testapp.get(f"/embed/news?structure={museum.id}").html.select_one(".embed-more a")["href"] == (
        f"/actor/{museum.id}-{museum.slug}")


def test_parameters_the_widget_does_not_know_are_ignored(testapp, occitanie, make_event):
    """A site may add its own (a campaign tag, a cache buster): only known ones are checked."""
    make_event(occitanie, "Atelier")
    assert titles(testapp.get("/embed/agenda?utm_source=musee&v=2&height=abc&widget=news")) == ["Atelier"]
