"""Issue 13's "Done when", end to end through the real pages, in both languages: a new person
signs up, confirms the e-mail, lands on /welcome and follows a tag and a structure there (plain
forms, no JavaScript); another member publishes — directly (a contributor) or through an
animator's approval — an article with that tag (and a cover) and an event organised by that
structure, through /articles/new and /events/new. The new member then finds both in "My feed" with
why, a badge with the unread count in the header of any page, notifications naming the author
(not the animator), the badge gone once /notifications is opened, their own draft in "My
content", the tag and structure in "What I follow", and unfollowing works."""
import re

import pytest
from sqlalchemy import select
from webtest import TestApp

from csti.models import Article, Event, Notification, User
from tests.conftest import csrf_headers, isolated, login
from tests.events.helpers import in_days
from tests.images import image_bytes

PASSWORD = "une phrase assez longue"
ARTICLE = "La nuit des étoiles filantes"
EVENT = "Soirée d’observation au Muséum"

TEXT = {
    "en": {"welcome": "Welcome, Léa Nouvelle!", "feed": "My feed", "because": "Because you follow",
           "published": "{who} published “{title}”.", "unread": "{n} unread notifications", "one unread":
           "1 unread notification", "follows": "What I follow", "following": "Following", "draft": "Draft",
           "no longer": "You no longer follow"},
    "fr": {"welcome": "Bienvenue, Léa Nouvelle !", "feed": "Mon fil", "because": "Parce que vous suivez",
           "published": "{who} a publié « {title} ».", "unread": "{n} notifications non lues",
           "one unread": "1 notification non lue", "follows": "Mes abonnements", "following": "Suivi",
           "draft": "Brouillon", "no longer": "Vous ne suivez plus"},
}


def _words(element) -> str:
    return " ".join(element.get_text().split())


@pytest.fixture
def world(db, factory, make_actor):
    """Occitanie: Camille (contributor, publishes directly) and Sam (member, reviewed) both manage
    the Muséum; Ada animates; an earlier article by someone else already uses #astronomie (so
    that /welcome suggests it)."""
    territory = factory.territory(slug="occitanie", name="Occitanie")
    camille = factory.user(email="camille@example.org", name="Camille Martin", roles={territory: "contributor"})
    sam = factory.user(email="sam@example.org", name="Sam Durand", roles={territory: "member"})
    ada = factory.user(email="ada@example.org", name="Ada Animatrice", roles={territory: "animator"})
    museum = make_actor(territory, "Muséum de Toulouse", managers=[camille, sam])
    elder = factory.user(name="Ancien membre", roles={territory: "contributor"})
    earlier = Article(title="Un ancien article", territory=territory, author=elder, summary="Déjà là")
    earlier.add_tag("astronomie")
    earlier.publish()
    db.session.add(earlier)
    db.session.commit()
    return {"territory": territory, "camille": camille, "sam": sam, "ada": ada, "museum": museum}


def sign_up(testapp, db, mails, territory):
    """/register, then the link of the confirmation mail: logged in, on /welcome."""
    form = testapp.get("/register").forms["register-form"]
    form["name"], form["email"] = "Léa Nouvelle", "lea@example.org"
    form["password"] = form["confirm"] = PASSWORD
    form["territory"] = str(territory.id)
    assert form.submit().status_int == 200
    (mail,) = [m for m in mails if m.to == ["lea@example.org"]]
    link = re.search(r"http://localhost(/confirm/\S+)", mail.body).group(1)
    response = testapp.get(link)
    assert response.status_int == 303 and response.location.endswith("/welcome")
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == "lea@example.org")), response.follow()


def publish(app, db, world, publisher):
    """The article (tag #astronomie, a cover) and the event (organised by the Muséum), through
    their forms, by Camille (published at once) or by Sam (approved by Ada)."""
    author = world["camille"] if publisher == "contributor" else world["sam"]
    browser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2", "HTTP_ACCEPT_LANGUAGE": "en"})
    assert login(browser, author.email).status_int == 303
    form = browser.get("/articles/new").forms["article-form"]
    assert form.enctype == "multipart/form-data"
    form["title"], form["body"] = ARTICLE, "Observer les **Perséides**."
    form["territory"], form["tags"] = str(world["territory"].id), "astronomie"
    form["cover"] = ("ciel.png", image_bytes((800, 450)), "image/png")
    form["cover_alt"] = "Un ciel étoilé au-dessus des Pyrénées"
    assert form.submit("action", value="publish").status_int == 303

    form = browser.get("/events/new").forms["event-form"]
    start = in_days(12, 21)
    values = {"title": EVENT, "event_kind": "talk", "territory": str(world["territory"].id),
              "summary": "Télescopes et médiateurs.", "body": "Venez nombreux.", "tags": "ciel",
              "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": start.replace(hour=23).strftime("%Y-%m-%dT%H:%M"),
              "venue": str(world["museum"].id), "venue_name": "", "address": "", "postcode": "",
              "price": "free", "registration_mode": "none"}
    for key, value in values.items():
        form[key] = value
    form["organisers"] = [str(world["museum"].id)]
    response = form.submit()
    assert response.status_int == 303, response.text[:800]

    db.session.rollback()
    article = db.session.scalar(select(Article).where(Article.title == ARTICLE))
    event = db.session.scalar(select(Event).where(Event.title == EVENT))
    assert [t.slug for t in article.tags] == ["astronomie"] and article.cover_image
    assert [o.id for o in event.owners] == [world["museum"].id] and event.venue_id == world["museum"].id
    if publisher == "contributor":
        assert article.status == event.status == "published"
        return author, article, event
    assert article.status == event.status == "pending"
    assert db.session.scalar(select(Notification).where(Notification.kind == "new_content")) is None
    browser.reset()
    assert login(browser, world["ada"].email).status_int == 303
    page = browser.get("/moderation")
    for item in (article, event):
        browser.post(f"/content/{item.id}/approve", headers=csrf_headers(page))
    db.session.rollback()
    assert db.session.get(Article, article.id).status == db.session.get(Event, event.id).status == "published"
    return author, article, event


def _badge(page):
    link = page.html.select_one(".nav-notifications a")
    badge = link.select_one(".badge")
    return (badge.get_text(strip=True) if badge else None), _words(link.select_one(".visually-hidden") or link)


@pytest.mark.parametrize("publisher", ["contributor", "moderated"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_new_member_journey(app, db, mails, world, publisher, lang, request):
    testapp = request.getfixturevalue("testapp_en" if lang == "en" else "testapp")
    text = TEXT[lang]
    museum = world["museum"]

    # 1. Sign up, confirm, welcome: follow the tag and the structure with the plain forms.
    lea, page = sign_up(testapp, db, mails, world["territory"])
    assert page.html.find("h1").get_text(strip=True) == text["welcome"]
    form = page.forms[f"follow-content-{museum.id}"]
    assert form.method.lower() == "post" and "csrf_token" in form.fields
    response = form.submit()
    assert response.status_int == 303 and response.location.endswith("/welcome")
    page = response.follow()
    # Without JavaScript the followed structure leaves the suggestions: a message says it is followed.
    assert f"follow-content-{museum.id}" not in page.forms
    followed = {"en": "You now follow Muséum de Toulouse.", "fr": "Vous suivez désormais Muséum de Toulouse."}
    assert followed[lang] in _words(page.html.select_one("#live-messages"))
    response = page.forms["follow-tag-astronomie"].submit()
    assert response.status_int == 303 and response.location.endswith("/welcome")
    assert "follow-tag-astronomie" not in response.follow().forms

    # 2. Somebody else publishes.
    author, article, event = publish(app, db, world, publisher)

    # 3. My feed: both, with why.
    feed = testapp.get("/me/feed")
    assert feed.html.find("h1").get_text(strip=True) == text["feed"]
    cards = {card.select_one("h3 a").get_text(strip=True): card for card in feed.html.select("#results .card")}
    assert {ARTICLE, EVENT} <= set(cards), list(cards)
    assert "Un ancien article" in cards  # the tag's earlier items too
    article_reason = _words(cards[ARTICLE].select_one(".feed-reason"))
    event_reason = _words(cards[EVENT].select_one(".feed-reason"))
    assert article_reason.startswith(text["because"]) and "#astronomie" in article_reason
    assert "Muséum" not in article_reason
    assert event_reason.startswith(text["because"]) and "Muséum de Toulouse" in event_reason
    assert "#astronomie" not in event_reason
    cover = cards[ARTICLE].select_one("img")
    assert cover is not None and cover["alt"] == "" and "card-image" in cover["class"]  # the title says it
    assert "covers/" in cover["src"] and cover["src"].endswith(".webp")

    # 4. The badge, on any page: two unread, said to screen readers.
    for path in ("/", "/me/feed", "/agenda", "/tags/astronomie", "/no-such-page"):
        badge, spoken = _badge(testapp.get(path, expect_errors=True))
        assert badge == "2", path
        assert text["unread"].format(n=2) in spoken, (path, spoken)

    # 5. The notifications name the author, never the animator; opening them clears the badge.
    page = testapp.get("/notifications")
    sentences = [_words(li) for li in page.html.select(".notifications li")]
    assert len(sentences) == 2
    assert _badge(page)[0] is None  # read as the page opens: its own header shows none already
    assert all(s.endswith("new" if lang == "en" else "non lu") for s in sentences)  # …but says which were new
    for title in (ARTICLE, EVENT):
        expected = text["published"].format(who=author.name, title=title)
        assert any(s.startswith(expected) for s in sentences), (expected, sentences)
    assert "Ada" not in " ".join(sentences)
    links = {a["href"] for a in page.html.select(".notifications li a")}
    assert links == {f"/article/{article.id}-{article.slug}", f"/event/{event.id}-{event.slug}"}
    badge, spoken = _badge(testapp.get("/me/feed"))
    assert badge is None and "unread" not in spoken and "non lue" not in spoken
    assert _badge(testapp.get("/notifications"))[0] is None

    # 6. Their own draft in "My content".
    form = testapp.get("/articles/new").forms["article-form"]
    form["title"], form["body"] = "Mes premières observations", "Jupiter et ses lunes."
    form["territory"] = str(world["territory"].id)
    assert form.submit("action", value="draft").status_int == 303
    mine = testapp.get("/me/content")
    rows = [_words(card) for card in mine.html.select("#results .card")]
    assert len(rows) == 1 and "Mes premières observations" in rows[0] and text["draft"] in rows[0]
    assert "Mes premières observations" not in testapp.get("/me/feed").text  # one's own items are not news

    # 7. What I follow: the tag and the structure; unfollowing (plain form) works.
    follows = testapp.get("/me/follows")
    assert follows.html.find("h1").get_text(strip=True) == text["follows"]
    structures = follows.html.select_one("#follows-structures").find_parent("section")
    tags = follows.html.select_one("#follows-tags").find_parent("section")
    assert [a.get_text(strip=True) for a in structures.select(".follows-list li > a")] == ["Muséum de Toulouse"]
    assert [a.get_text(strip=True) for a in tags.select(".follows-list li > a")] == ["#astronomie"]
    form = next(f for f in follows.forms.values() if f.action == "/follow/tag/astronomie")
    response = form.submit()
    assert response.status_int == 303 and response.location.endswith("/me/follows")
    follows = response.follow()
    assert f"{text['no longer']} #astronomie." in _words(follows.html.select_one("#live-messages"))
    assert follows.html.select_one("#follows-tags").find_parent("section").select(".follows-list li") == []
    assert len(follows.html.select_one("#follows-structures").find_parent("section").select(".follows-list li")) == 1
    titles = [a.get_text(strip=True) for a in testapp.get("/me/feed").html.select("#results .card h3 a")]
    assert titles == [EVENT]
    form = next(f for f in follows.forms.values() if f.action == f"/follow/content/{museum.id}")
    form.submit().follow()
    assert testapp.get("/me/feed").html.select("#results .card") == []
    db.session.rollback()
    from csti.models import Follow

    assert db.session.scalar(select(Follow).where(Follow.follower_id == lea.id)) is None


def test_one_unread_notification_is_said_in_the_singular(app, db, mails, world, testapp):
    lea, page = sign_up(testapp, db, mails, world["territory"])
    page.forms["follow-tag-astronomie"].submit()
    browser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    login(browser, world["camille"].email)
    form = browser.get("/articles/new").forms["article-form"]
    form["title"], form["body"], form["territory"] = ARTICLE, "x", str(world["territory"].id)
    form["tags"] = "astronomie"
    form.submit("action", value="publish")
    badge, spoken = _badge(testapp.get("/"))
    assert badge == "1" and TEXT["fr"]["one unread"] in spoken


def test_a_notification_arriving_while_the_page_is_made_stays_new(db, factory, log_in, testapp_en, monkeypatch):
    """Opening /notifications reads what it shows, not one that came between its query and
    the marking: that one is still counted on the next page."""
    from sqlalchemy.orm import Session

    from csti.blueprints.discussion import routes
    from csti.database import write_intent

    lea, camille = factory.user(name="Léa"), factory.user(name="Camille Martin")
    db.session.add(Notification(user_id=lea.id, actor_id=camille.id, kind="new_content"))
    db.session.commit()
    shown, lea_id, camille_id = routes.recent_notifications, lea.id, camille.id

    def then_another(user, *args, **kwargs):
        rows = shown(user, *args, **kwargs)
        with Session(db.engine) as session, write_intent():
            session.add(Notification(user_id=lea_id, actor_id=camille_id, kind="new_content"))
            session.commit()
        return rows

    monkeypatch.setattr(routes, "recent_notifications", then_another)
    log_in(testapp_en, lea)
    page = testapp_en.get("/notifications")
    assert len(page.html.select(".notifications li")) == 1
    monkeypatch.undo()
    badge, spoken = _badge(testapp_en.get("/"))
    assert badge == "1" and "1 unread notification" in spoken
