"""Mail notifications (csti/blueprints/mailprefs): each member's choices per category, one mail
at once after the save, daily and weekly digests from the command line, in the member's
language, text and HTML, with RFC 8058's one-click unsubscribe — through a real SMTP server."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csti.blueprints.mailprefs.operations import preferences, unsubscribe_token
from csti.models import MailPreference, Notification
from csti.models.base import utcnow
from csti.models.mailprefs import category_of
from tests.conftest import login
from tests.mailserver import free_port, point_at, running_inbox
from tests.test_hosts import SITE, _outbox, make_app  # noqa: F401 — the fixture


@pytest.fixture
def smtp(app, monkeypatch):
    with running_inbox(app, monkeypatch) as inbox:
        yield inbox


@pytest.fixture
def site(factory):
    territory = factory.territory()
    author_fr = factory.user(email="autrice@example.org", name="Autrice", locale="fr")
    author_en = factory.user(email="author@example.org", name="Author", locale="en")
    reader = factory.user(email="reader@example.org", name="Lecteur <b>Malin</b>")
    page_fr = factory.page(territory=territory, author=author_fr, title="Une page à discuter")
    page_en = factory.page(territory=territory, author=author_en, title="A page & more")
    return {"territory": territory, "author_fr": author_fr, "author_en": author_en, "reader": reader,
            "page_fr": page_fr, "page_en": page_en}


def _comment(testapp, page, body):
    form = testapp.get(f"/page/{page.id}-{page.slug}").forms[f"comment-form-{page.id}"]
    form["body"] = body
    return form.submit()


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def _choose(db, user, **choices):
    for category, frequency in choices.items():
        db.session.add(MailPreference(user_id=user.id, category=category, frequency=frequency))
    db.session.commit()


def _notify(db, user, actor, content, kind="new_content", age=timedelta(0)):
    db.session.add(Notification(user_id=user.id, kind=kind, actor_id=actor.id, content_id=content.id,
                                created_at=utcnow() - age))
    db.session.commit()


# --- categories and the settings page --------------------------------------------------------------
def test_kinds_have_one_category():
    assert category_of("new_content") == category_of("dossier_item") == "follows"
    assert category_of("comment") == category_of("reply") == category_of("help") == "comments"
    assert category_of("group_invited") == "groups" and category_of("approved") == "moderation"
    assert category_of("something_else") is None


def test_the_settings_page_shows_the_defaults_and_saves(testapp_en, db, site):
    login(testapp_en, "reader@example.org")
    page = testapp_en.get("/me/mail")
    form = page.forms["mail-preferences-form"]
    assert form["follows"].value == "weekly" and form["comments"].value == "immediate"
    assert form["groups"].value == "immediate" and form["registrations"].value == "daily"
    assert [legend.text for legend in page.html.select("fieldset legend")] == [
        "What I follow", "Comments, replies and offers of help", "Registrations", "My groups",
        "Loans of resources"]
    form["follows"], form["comments"] = "daily", "none"
    response = form.submit()
    assert response.status_int == 303
    assert "Your mail settings are saved." in response.follow().text
    db.session.rollback()
    chosen = dict(db.session.execute(select(MailPreference.category, MailPreference.frequency)).all())
    assert chosen == {"follows": "daily", "comments": "none"}  # the defaults kept need no row
    assert preferences(site["reader"]) == {"follows": "daily", "comments": "none", "registrations": "daily",
                                           "groups": "immediate", "loans": "immediate"}
    again = testapp_en.get("/me/mail").forms["mail-preferences-form"]
    assert again["follows"].value == "daily" and again["comments"].value == "none"


def test_a_bad_value_is_refused_next_to_its_field_and_nothing_saved(testapp_en, db, site):
    login(testapp_en, "reader@example.org")
    page = testapp_en.get("/me/mail")
    token = page.forms["mail-preferences-form"]["csrf_token"].value
    response = testapp_en.post("/me/mail", {"csrf_token": token, "follows": "hourly", "comments": "none",
                                            "registrations": "none", "groups": "none",
                                            "loans": "none"}, status=422)
    fieldset = response.html.select_one("fieldset.field-error")
    assert fieldset.legend.text == "What I follow" and fieldset.select_one(".error").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(MailPreference.id))) == 0


def test_the_pages_link_the_settings(testapp_en, db, site):
    login(testapp_en, "reader@example.org")
    for path in ("/account", "/notifications"):
        assert testapp_en.get(path).html.find("a", href="/me/mail") is not None, path


def test_the_settings_are_for_members(testapp_en, db):
    assert testapp_en.get("/me/mail").status_int == 302


def test_the_settings_page_in_french(testapp, db, site):
    login(testapp, "reader@example.org")
    assert "Notifications par e-mail" in testapp.get("/me/mail").text


# --- at once -------------------------------------------------------------------------------------
def test_a_comment_is_mailed_at_once_in_the_authors_language_text_and_html(testapp_en, db, site, smtp):
    login(testapp_en, "reader@example.org")
    assert _comment(testapp_en, site["page_fr"], "Bravo <script>alert(1)</script> & merci").status_int == 303
    assert _comment(testapp_en, site["page_en"], "Great <img src=x onerror=alert(1)>").status_int == 303
    [french] = smtp.to("autrice@example.org")
    [english] = smtp.to("author@example.org")
    assert french["Subject"].strip() == "Lecteur <b>Malin</b> a commenté « Une page à discuter »."
    text, html = _parts(french)
    assert "Bonjour Autrice" in text and "a commenté" in text
    assert "Bravo <script>alert(1)</script> & merci" in text  # the text part as written
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; merci" in html
    assert "Lecteur &lt;b&gt;Malin&lt;/b&gt;" in html and "<b>Malin" not in html
    assert re.search(r'href="http://localhost/page/\d+-[\w-]+#comment-\d+"', html)
    assert 'lang="fr"' in html and "Modifier mes réglages d’e-mails" in html
    text, html = _parts(english)
    assert "Hello Author" in text and "commented on “A page &amp; more”" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    for message in (french, english):
        assert re.fullmatch(r"<http://localhost/mail/unsubscribe/[\w.-]+>", message["List-Unsubscribe"].strip())
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.mailed_at.is_(None))) == 0


def test_no_mail_at_once_for_a_member_who_chose_a_digest_or_none(testapp_en, db, site, smtp):
    _choose(db, site["author_fr"], comments="weekly")
    _choose(db, site["author_en"], comments="none")
    login(testapp_en, "reader@example.org")
    _comment(testapp_en, site["page_fr"], "Un")
    _comment(testapp_en, site["page_en"], "Deux")
    assert smtp.received == []


def test_an_unconfirmed_address_is_not_mailed(testapp_en, db, factory, site, smtp):
    quiet = factory.user(email="quiet@example.org", confirmed=False)
    page = factory.page(territory=site["territory"], author=quiet, title="Page")
    login(testapp_en, "reader@example.org")
    _comment(testapp_en, page, "Hello")
    assert smtp.to("quiet@example.org") == []


def test_a_mail_server_that_is_down_keeps_the_comment_and_the_mail_for_later(testapp_en, app, db, site, runner,
                                                                             monkeypatch):
    point_at(app, monkeypatch, free_port())  # nobody listens there
    login(testapp_en, "reader@example.org")
    assert _comment(testapp_en, site["page_fr"], "Toujours là").status_int == 303
    db.session.rollback()
    notification = db.session.scalar(select(Notification))
    assert notification.mailed_at is None  # given back for the next run
    with running_inbox(app, monkeypatch) as inbox:
        result = runner.invoke(args=["csti", "send-digests", "--period", "immediate"])
        assert result.exit_code == 0 and "1 mails sent" in result.output
        assert len(inbox.to("autrice@example.org")) == 1
        result = runner.invoke(args=["csti", "send-digests", "--period", "immediate"])
        assert "0 mails sent" in result.output and len(inbox.received) == 1


def test_the_immediate_catch_up_mails_what_was_written_outside_requests_once(db, site, runner, smtp):
    _notify(db, site["author_en"], site["reader"], site["page_fr"], kind="comment")
    _notify(db, site["author_en"], site["reader"], site["page_fr"], kind="new_content")  # weekly: not now
    _notify(db, site["author_en"], site["reader"], site["page_fr"], kind="comment", age=timedelta(days=5))  # old
    assert "1 mails sent" in runner.invoke(args=["csti", "send-digests", "--period", "immediate"]).output
    assert "0 mails sent" in runner.invoke(args=["csti", "send-digests", "--period", "immediate"]).output
    assert len(smtp.received) == 1


def test_help_offers_follow_the_comments_choice(app, db, factory, site, mails):
    from csti.blueprints.projects.domain import offer_help
    from csti.models import Project

    project = Project(title="Un projet", body="x", territory=site["territory"], author=site["author_fr"])
    project.publish()
    db.session.add(project)
    db.session.commit()
    _choose(db, site["author_fr"], comments="weekly")
    with app.test_request_context():
        offer_help(project, site["reader"], None, "Je peux aider le samedi.")
    assert mails == []
    notification = db.session.scalar(select(Notification).where(Notification.kind == "help"))
    assert notification.mailed_at is None and notification.note == "Je peux aider le samedi."


# --- digests ---------------------------------------------------------------------------------------
def test_the_weekly_digest_in_each_language_with_its_items_and_never_twice(db, factory, site, runner, smtp):
    other = factory.page(territory=site["territory"], author=site["reader"], title="Les étoiles <em>ce soir</em>")
    _choose(db, site["author_en"], comments="weekly")
    for user in (site["author_fr"], site["author_en"]):
        _notify(db, user, site["reader"], other, kind="new_content")
    _notify(db, site["author_en"], site["reader"], site["page_en"], kind="comment")
    _notify(db, site["author_fr"], site["reader"], other, kind="content_update", age=timedelta(days=40))  # too old
    result = runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert result.exit_code == 0 and "weekly: 2 digests sent (3 notifications)" in result.output
    [french] = smtp.to("autrice@example.org")
    [english] = smtp.to("author@example.org")
    assert french["Subject"].strip() == "Votre résumé de la semaine : 1 notification"
    assert english["Subject"].strip() == "Your weekly digest: 2 notifications"
    text, html = _parts(french)
    assert "Lecteur <b>Malin</b> a publié « Les étoiles <em>ce soir</em> »." in text
    assert "Les étoiles &lt;em&gt;ce soir&lt;/em&gt;" in html and "<em>" not in html
    assert "Ce qui s’est passé cette semaine" in html
    assert re.search(rf'href="http://localhost/page/{other.id}-[\w-]+"', html)
    text, html = _parts(english)
    assert text.index("What I follow") < text.index("Comments, replies and offers of help")
    assert "published “Les étoiles <em>ce soir</em>”" in text and "commented on “A page & more”" in text
    for message in (french, english):
        assert message["List-Unsubscribe"].strip().startswith("<http://localhost/mail/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    again = runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert "weekly: 0 digests sent (0 notifications)" in again.output and len(smtp.received) == 2


def test_the_daily_run_leaves_the_weekly_members_alone(db, factory, site, runner, smtp):
    _choose(db, site["author_en"], follows="daily")
    for user in (site["author_fr"], site["author_en"]):
        _notify(db, user, site["reader"], site["page_fr"])
    result = runner.invoke(args=["csti", "send-digests", "--period", "daily"])
    assert "daily: 1 digests sent (1 notifications)" in result.output
    assert [m["To"] for _s, _r, m in smtp.received] == ["author@example.org"]
    assert smtp.received[0][2]["Subject"].strip() == "Your daily digest: 1 notification"
    assert "weekly: 1 digests sent" in runner.invoke(args=["csti", "send-digests", "--period", "weekly"]).output


def test_a_member_with_nothing_gets_nothing(db, site, runner, smtp):
    result = runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert "0 digests sent" in result.output and smtp.received == []


# --- unsubscribing ---------------------------------------------------------------------------------
def test_one_click_unsubscribe_needs_no_csrf_token_and_a_replay_is_gone(testapp_en, app, db, site):
    with app.test_request_context():
        token = unsubscribe_token(site["author_en"], ["comments", "follows"])
    url = f"/mail/unsubscribe/{token}"
    response = testapp_en.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_int == 200 and "You are unsubscribed" in response.text
    again = testapp_en.post(url, {"List-Unsubscribe": "One-Click"}, status=410)  # replayed: spent
    assert "This link was already used" in again.text and "You no longer receive these mails" in again.text
    assert "already used" in testapp_en.get(url, status=410).text
    db.session.rollback()
    chosen = dict(db.session.execute(select(MailPreference.category, MailPreference.frequency)
                                     .where(MailPreference.user_id == site["author_en"].id)).all())
    assert chosen == {"comments": "none", "follows": "none"}


def test_the_link_shows_a_button_that_posts_with_its_csrf_token(testapp_en, app, db, site):
    with app.test_request_context():
        token = unsubscribe_token(site["author_en"], ["comments"])
    page = testapp_en.get(f"/mail/unsubscribe/{token}")
    assert "Comments, replies and offers of help" in page.text
    form = page.forms["unsubscribe-form"]
    assert form.submit().status_int == 200
    db.session.rollback()
    assert db.session.scalar(select(MailPreference.frequency)) == "none"
    assert "You no longer receive these mails" in testapp_en.get(f"/mail/unsubscribe/{token}", status=410).text
    # Without the one-click body, a post needs the page's token.
    with app.test_request_context():
        token = unsubscribe_token(site["author_en"], ["follows"])
    refused = testapp_en.post(f"/mail/unsubscribe/{token}", {"x": "y"}, status=400)
    assert "expired" in refused.text


def test_a_link_mailed_before_the_member_chose_again_is_spent(testapp_en, app, db, site, log_in):
    """Unsubscribed by the link, then weekly again on the settings page: the old mail's link
    (replayed, or by a mail client retrying) changes nothing and says why (410)."""
    member = site["author_en"]
    log_in(testapp_en, member)
    with app.test_request_context():
        token = unsubscribe_token(member, ["follows"])
    testapp_en.post(f"/mail/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})
    form = testapp_en.get("/me/mail").forms["mail-preferences-form"]
    form["follows"] = "weekly"
    form.submit().follow()
    db.session.rollback()
    assert db.session.scalar(select(MailPreference.frequency).where(MailPreference.category == "follows")) == "weekly"
    spent = testapp_en.post(f"/mail/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"}, status=410)
    assert "changed after this link was mailed" in spent.text
    db.session.rollback()
    assert db.session.scalar(select(MailPreference.frequency).where(MailPreference.category == "follows")) == "weekly"
    # Saving the settings page unchanged spends nothing: a link mailed now still works.
    with app.test_request_context():
        fresh = unsubscribe_token(member, ["follows"])
    testapp_en.get("/me/mail").forms["mail-preferences-form"].submit().follow()
    testapp_en.post(f"/mail/unsubscribe/{fresh}", {"List-Unsubscribe": "One-Click"}, status=200)
    db.session.rollback()
    assert db.session.scalar(select(MailPreference.frequency).where(MailPreference.category == "follows")) == "none"


def test_a_forged_or_altered_token_changes_nothing(testapp_en, app, db, factory, site):
    with app.test_request_context():
        token = unsubscribe_token(site["author_en"], ["comments"])
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("not the key", salt="csti-mail-unsubscribe").dumps(
        [site["author_en"].id, ["comments"], "0" * 16, 0])
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nothing"):
        response = testapp_en.post(f"/mail/unsubscribe/{bad}", {"List-Unsubscribe": "One-Click"}, status=400)
        assert "This link is not valid" in response.text
        assert testapp_en.get(f"/mail/unsubscribe/{bad}", status=400)
    db.session.rollback()
    assert db.session.scalar(select(func.count(MailPreference.id))) == 0


def test_a_token_is_bound_to_its_account(testapp_en, app, db, site):
    with app.test_request_context():
        token = unsubscribe_token(site["author_en"], ["comments"])
    site["author_en"].email = "someone.else@example.org"  # not the account the mail went to
    db.session.commit()
    testapp_en.post(f"/mail/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"}, status=400)


def test_digest_links_come_from_the_server_name(db, site, make_app):  # noqa: F811
    other = make_app(SERVER_NAME=SITE, PREFERRED_URL_SCHEME="https")
    _notify(db, site["author_en"], site["reader"], site["page_fr"])
    outbox = _outbox(other)
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert "weekly: 1 digests sent" in result.output, result.output
    [message] = outbox
    assert f"https://{SITE}/page/{site['page_fr'].id}-" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<https://{SITE}/mail/unsubscribe/")
    assert f"https://{SITE}/me/mail" in message.body


def test_a_digest_does_not_quote_a_comment_hidden_by_a_sanction(db, site, runner, smtp):
    from csti.models import Comment
    from csti.models.discussion import HIDDEN

    _choose(db, site["author_en"], comments="weekly")
    shown = Comment(content_id=site["page_en"].id, author=site["reader"], body="A kind word for you")
    hidden = Comment(content_id=site["page_en"].id, author=site["reader"], body="Buy cheap pills here")
    db.session.add_all([shown, hidden])
    db.session.flush()
    hidden.status = HIDDEN  # as csti/sanctions.py hides a sanctioned member's comments
    for comment in (shown, hidden):
        db.session.add(Notification(user_id=site["author_en"].id, kind="comment", actor_id=site["reader"].id,
                                    content_id=site["page_en"].id, comment_id=comment.id))
    db.session.commit()
    result = runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    assert result.exit_code == 0 and "weekly: 1 digests sent (2 notifications)" in result.output
    [mail] = smtp.to("author@example.org")
    for part in _parts(mail):
        assert "A kind word for you" in part
        assert "cheap pills" not in part
