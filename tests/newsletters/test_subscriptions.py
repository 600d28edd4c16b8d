"""Subscribing to a territory's newsletter: members in one click with their account's address,
outside addresses by double opt-in (a signed link valid 7 days; forged or expired: a clear 400;
confirmed twice: harmless), never two rows nor two confirmation mails within minutes for one
address; unsubscribing from the page, from a mail's link, and RFC 8058 one-click."""
import re

from sqlalchemy import func, select

from csti.blueprints.newsletters import operations as ops
from csti.models import NewsletterSubscription

from .helpers import subscription


def _subscribe_form(page):
    return page.forms[[k for k in page.forms if "email" in page.forms[k].fields][0]]


def test_a_member_subscribes_and_unsubscribes_in_one_click(testapp_en, db, factory, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    member = factory.user(email="Lea@Example.org".lower())
    log_in(testapp_en, member)
    page = testapp_en.get("/t/occitanie/newsletter")
    form = page.forms[[k for k in page.forms if "member" in page.forms[k].fields][0]]
    page = form.submit("member", value="subscribe").follow()
    assert "You receive this newsletter at lea@example.org" in page.text
    row = db.session.scalar(select(NewsletterSubscription))
    assert (row.status, row.user_id, row.territory_id) == ("confirmed", member.id, territory.id)
    form = page.forms[[k for k in page.forms if "member" in page.forms[k].fields][0]]
    page = form.submit("member", value="unsubscribe").follow()
    db.session.rollback()
    assert db.session.scalar(select(NewsletterSubscription)).status == "unsubscribed"
    assert "Receive it at lea@example.org" in page.text


def test_double_opt_in_of_an_outside_address(testapp_en, db, factory, mails):
    factory.territory(slug="occitanie", name="Occitanie")
    page = testapp_en.get("/t/occitanie/newsletter")
    form = _subscribe_form(page)
    form["email"] = "pas une adresse"
    response = form.submit(status=422)
    assert response.html.select_one("#email-error") and not mails
    form = _subscribe_form(response)
    form["email"] = "  Noe@Example.ORG "
    response = form.submit()
    assert "If noe@example.org is not subscribed to this newsletter yet, we sent it a confirmation link" in response.text
    assert len(mails) == 1 and mails[0].to == ["noe@example.org"]
    assert db.session.scalar(select(NewsletterSubscription.status)) == "pending"
    link = re.search(r"http://localhost(/newsletter/confirm/\S+)", mails[0].body).group(1)
    # the same address again at once: no second row, no second mail
    form = _subscribe_form(testapp_en.get("/t/occitanie/newsletter"))
    form["email"] = "noe@example.org"
    assert "If noe@example.org is not subscribed to this newsletter yet" in form.submit().text  # the same answer
    assert len(mails) == 1 and db.session.scalar(select(func.count(NewsletterSubscription.id))) == 1
    page = testapp_en.get(link)
    assert "Thank you" in page.text
    db.session.rollback()
    assert db.session.scalar(select(NewsletterSubscription.status)) == "confirmed"
    assert "already confirmed" in testapp_en.get(link).text  # twice: harmless
    form = _subscribe_form(testapp_en.get("/t/occitanie/newsletter"))
    form["email"] = "noe@example.org"
    answer = form.submit().text  # subscribed already: the same answer (nobody learns who is), no mail
    assert "If noe@example.org is not subscribed to this newsletter yet" in answer and "already" not in answer
    assert len(mails) == 1 and db.session.scalar(select(func.count(NewsletterSubscription.id))) == 1


def test_forged_and_expired_confirmation_links(testapp_en, db, factory, monkeypatch, app):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    row = subscription(db, territory, "noe@example.org", status="pending")
    with app.test_request_context():
        token = ops.confirm_token(row)
        other = ops.unsubscribe_token(row.id, row.email)
    assert "not made by this site" in testapp_en.get(f"/newsletter/confirm/{token}x", status=400).text
    assert testapp_en.get(f"/newsletter/confirm/{other}", status=400)  # another kind of token
    monkeypatch.setattr(ops, "CONFIRM_MAX_AGE", -1)
    assert "has expired" in testapp_en.get(f"/newsletter/confirm/{token}", status=400).text
    db.session.rollback()
    assert db.session.get(NewsletterSubscription, row.id).status == "pending"


def test_unsubscribe_link_confirm_page_one_click_and_replay(testapp_en, db, factory, app):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    row = subscription(db, territory, "noe@example.org")
    with app.test_request_context():
        token = ops.unsubscribe_token(row.id, row.email)
    url = f"/newsletter/unsubscribe/{token}"
    page = testapp_en.get(url)  # a GET (a link scanner) unsubscribes nobody
    assert page.html.select_one("form button") and db.session.scalar(select(NewsletterSubscription.status)) == "confirmed"
    assert testapp_en.post(url, {"other": "x"}, status=400)  # any other POST needs the CSRF token
    assert db.session.scalar(select(NewsletterSubscription.status)) == "confirmed"
    one_click = testapp_en.post(url, "List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert one_click.status_int == 200 and "Unsubscribed" in one_click.text
    db.session.rollback()
    assert db.session.scalar(select(NewsletterSubscription.status)) == "unsubscribed"
    replay = testapp_en.post(url, "List-Unsubscribe=One-Click", status=410,  # replayed: spent, says so
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "This link was already used" in replay.text and "noe@example.org has unsubscribed" in replay.text
    assert "already used" in testapp_en.get(url, status=410).text
    assert testapp_en.get(f"/newsletter/unsubscribe/{token[:-2]}", status=400)
    # Subscribed again: the old mail's link stays spent (a retry of a mail client unsubscribes nobody)
    db.session.rollback()
    row = db.session.get(NewsletterSubscription, row.id)
    row.status = "confirmed"
    db.session.commit()
    testapp_en.post(url, "List-Unsubscribe=One-Click", status=410,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    db.session.rollback()
    assert db.session.scalar(select(NewsletterSubscription.status)) == "confirmed"
    # the page's own form (with its CSRF token) works on a link mailed since
    with app.test_request_context():
        url = f"/newsletter/unsubscribe/{ops.unsubscribe_token(row.id, row.email)}"
    page = testapp_en.get(url)
    form = next(f for f in page.forms.values() if "/newsletter/unsubscribe/" in (f.action or ""))
    assert form.submit().status_int == 200
    db.session.rollback()
    assert db.session.scalar(select(NewsletterSubscription.status)) == "unsubscribed"
