"""Issue 14's "Done when", end to end through the real pages and a real SMTP server (aiosmtpd):
an animator runs a working group, holds a meeting, publishes its minutes and diffuses them in a
newsletter that its subscribers — a member and an outside address confirmed by double opt-in —
receive once each; and members get the weekly digest of what they follow, each in their language."""
import re

import pytest
from sqlalchemy import select
from webtest import TestApp

from csti.models import Article, Event, NewsletterIssue, User, WorkingGroup
from tests.conftest import isolated, login
from tests.events.helpers import in_days
from tests.mailserver import running_inbox


@pytest.fixture
def inbox(app, monkeypatch):
    with running_inbox(app, monkeypatch) as received:
        yield received


def _browser(app, language="en"):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": language})


def _form_with(page, field):
    """The page's form that has ``field``."""
    return page.forms[[k for k in page.forms if field in page.forms[k].fields][0]]


def _button_form(page, label):
    """The form of the button labelled ``label``."""
    for form in page.forms.values():
        if form.html.find("button", string=re.compile(re.escape(label))) is not None:
            return form
    raise AssertionError(f"no button {label!r}")


def _body(message, kind="plain"):
    return message.get_body(preferencelist=(kind,)).get_content()


def test_a_group_a_meeting_its_minutes_and_the_newsletter(app, db, factory, inbox, testapp_en):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    factory.user(email="ada@example.org", name="Ada Animatrice", roles={territory: "animator"})
    maxime = factory.user(email="maxime@example.org", name="Maxime Membre", roles={territory: "member"})
    maxime.locale = "en"
    db.session.commit()
    ada = testapp_en
    login(ada, "ada@example.org")

    # 1. Ada creates an open working group.
    form = ada.get("/groups/new").forms["group-form"]
    form["title"], form["summary"], form["access"] = "Médiation numérique", "Outils et pratiques.", "open"
    form["territory"] = str(territory.id)
    assert form.submit("action", value="publish").status_int == 303
    db.session.rollback()
    group = db.session.scalar(select(WorkingGroup))

    # 2. Maxime joins it from its page.
    member = _browser(app)
    login(member, "maxime@example.org")
    page = member.get(f"/group/{group.id}").maybe_follow()
    assert _button_form(page, "Join").submit().status_int == 303
    db.session.rollback()
    assert db.session.get(WorkingGroup, group.id).is_member(maxime)

    # 3. Ada holds a meeting of the group (an event of the group, from the event form).
    form = ada.get(f"/events/new?group={group.id}").forms["event-form"]
    assert form["working_group"].value == str(group.id)
    start = in_days(-1, 18)
    values = {"title": "Réunion de lancement", "event_kind": "meeting", "territory": str(territory.id),
              "summary": "Première réunion du groupe.", "body": "Ordre du jour.",
              "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": start.replace(hour=20).strftime("%Y-%m-%dT%H:%M"),
              "venue": "0", "venue_name": "Salle du réseau", "address": "1 rue des Arts", "postcode": "31000",
              "price": "free", "registration_mode": "none"}
    for key, value in values.items():
        form[key] = value
    response = form.submit()
    assert response.status_int == 303, response.text[:1500]
    db.session.rollback()
    meeting = db.session.scalar(select(Event).where(Event.title == "Réunion de lancement"))
    assert meeting.group_id == group.id and meeting.is_published
    assert "Réunion de lancement" in member.get(f"/group/{group.id}").maybe_follow().text

    # 4. Ada writes the minutes from the meeting's page and publishes them: Maxime is told, by mail at once.
    page = ada.get(f"/event/{meeting.id}").maybe_follow()
    form = ada.get(page.html.find("a", string="Write the minutes")["href"]).forms["article-form"]
    form["title"], form["summary"] = "Compte rendu de la réunion de lancement", "Ce que nous avons décidé."
    form["body"] = "Nous avons décidé de **trois** ateliers."
    page = form.submit("action", value="publish").follow()
    db.session.rollback()
    minutes = db.session.scalar(select(Article).where(Article.article_kind == "minutes"))
    assert minutes.meeting_id == meeting.id and minutes.group_id == group.id and minutes.is_published
    told = inbox.to("maxime@example.org")
    assert [m["Subject"].strip() for m in told if "Compte rendu" in m["Subject"]] == [
        "Ada Animatrice published the minutes of a meeting of your working group: “Compte rendu de la réunion de lancement”."]

    # 5. Subscribers: Maxime with his account, Noé outside the site by double opt-in.
    page = member.get("/t/occitanie/newsletter")
    _form_with(page, "member").submit("member", value="subscribe")
    visitor = _browser(app)
    form = _form_with(visitor.get("/t/occitanie/newsletter"), "email")
    form["email"] = "noe@example.org"
    form.submit()
    confirmation = inbox.to("noe@example.org")
    assert len(confirmation) == 1
    link = re.search(r"http://localhost(/newsletter/confirm/\S+)", _body(confirmation[0])).group(1)
    assert visitor.get(link).status_int == 200

    # 6. Ada diffuses the minutes: the compose page has them picked; preview; send.
    diffuse = ada.get(f"/article/{minutes.id}").maybe_follow()
    link = diffuse.html.find("a", string="Diffuse to the territory in a newsletter")["href"]
    form = _form_with(ada.get(link), "subject")
    assert [int(f.value) for f in form.fields["item"] if f.checked] == [minutes.id]
    form["subject"], form["editorial"] = "Les nouvelles du réseau", "Le groupe **médiation** a commencé."
    form.submit()
    db.session.rollback()
    issue = db.session.scalar(select(NewsletterIssue))
    page = ada.get(f"/newsletters/{issue.id}/preview")
    assert "Compte rendu de la réunion de lancement" in ada.get(f"/newsletters/{issue.id}/preview/mail").text
    form = _form_with(page, "confirm")
    form["confirm"] = True
    assert form.submit().status_int == 303
    letters = {to: [m for m in inbox.to(to) if m["Subject"] == "Les nouvelles du réseau"]
               for to in ("maxime@example.org", "noe@example.org")}
    assert {to: len(found) for to, found in letters.items()} == {"maxime@example.org": 1, "noe@example.org": 1}
    for found in letters.values():
        html = _body(found[0], "html")
        assert "Compte rendu de la réunion de lancement" in html and "<strong>médiation</strong>" in html
        assert found[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Sending again is refused: nobody receives it twice.
    assert ada.post(f"/newsletters/{issue.id}/send", {"csrf_token": form["csrf_token"].value, "confirm": "y"},
                    expect_errors=True).status_int == 409
    assert sum(m["Subject"] == "Les nouvelles du réseau" for _s, _r, m in inbox.received) == 2
    # The public archive has it.
    assert "Les nouvelles du réseau" in visitor.get("/t/occitanie/newsletters").text


@pytest.mark.parametrize("language,subject_word,sentence", [
    ("fr", "Votre", "a publié « Fusées à eau au collège »"),
    ("en", "Your", "published “Fusées à eau au collège”"),
])
def test_the_weekly_digest_of_what_a_member_follows_in_their_language(app, db, factory, inbox, runner,
                                                                      language, subject_word, sentence):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(email="camille@example.org", name="Camille Martin", roles={territory: "contributor"})
    reader = factory.user(email="lea@example.org", name="Léa", roles={territory: "member"})
    reader.locale = language
    earlier = Article(title="Un ancien atelier", territory=territory, author=author, summary="Déjà là")
    earlier.add_tag("fusees")
    earlier.publish()
    db.session.add(earlier)
    db.session.commit()
    browser = _browser(app, language)
    login(browser, "lea@example.org")
    # Léa follows #fusees (and keeps the default: what she follows, weekly).
    page = browser.get("/tags/fusees")
    follow = [f for f in page.forms.values() if "/follow" in (f.action or "")]
    assert follow, "no follow form on the tag's page"
    follow[0].submit()
    writer = _browser(app)
    login(writer, "camille@example.org")
    form = writer.get("/articles/new").forms["article-form"]
    form["title"], form["body"], form["territory"], form["tags"] = \
        "Fusées à eau au collège", "Un atelier.", str(territory.id), "fusees"
    assert form.submit("action", value="publish").status_int == 303
    assert not inbox.to("lea@example.org")  # weekly: nothing at once
    db.session.rollback()  # the command runs in the test's app context: no stale transaction
    result = runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert result.exit_code == 0, result.output
    mails = inbox.to("lea@example.org")
    db.session.rollback()
    assert len(mails) == 1
    assert subject_word in mails[0]["Subject"]
    assert sentence in _body(mails[0])
    assert "Fusées à eau au collège" in _body(mails[0], "html")
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Run again: nothing new, nothing sent twice.
    runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert len(inbox.to("lea@example.org")) == 1
    assert db.session.scalar(select(User.id).where(User.email == "lea@example.org"))
