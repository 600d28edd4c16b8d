"""What a review found: a subject is one line and one bad message never stops a sending run;
replayed confirmation links subscribe nobody again; the subscription form tells nobody who is
subscribed; an issue holds its territory's publications only; the mail's links and images are
absolute (remote images dropped); SMTP has a time-out; nobody to send to is said next to the box."""
from datetime import timedelta

from flask_mailman.message import BadHeaderError
from sqlalchemy import func, select

from csti.blueprints.newsletters import operations as ops
from csti.models import NewsletterDelivery, NewsletterIssue, NewsletterItem, NewsletterSubscription
from csti.models.base import utcnow
from tests.conftest import csrf_headers

from .helpers import article, issue, subscription


def _animator(factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    other = factory.territory(slug="bretagne", name="Bretagne")
    animator = factory.user(email="anim@example.org", roles={territory: "animator"})
    return territory, other, animator


def _form(page, field):
    return page.forms[[k for k in page.forms if field in page.forms[k].fields][0]]


# --- 1. subject on one line; one bad delivery does not stop the run --------------------------------
def test_a_subject_with_line_breaks_is_saved_on_one_line(testapp_en, db, factory, log_in):
    territory, _other, animator = _animator(factory)
    draft = issue(db, territory)
    log_in(testapp_en, animator)
    form = _form(testapp_en.get(f"/newsletters/{draft.id}/edit"), "subject")
    form["subject"] = "Novembre\r\nBcc: tous@example.org\t\x00 !"
    assert form.submit().status_int == 303
    db.session.rollback()
    assert db.session.get(NewsletterIssue, draft.id).subject == "Novembre Bcc: tous@example.org !"


def test_a_delivery_that_raises_is_failed_and_the_run_goes_on(db, factory, app, mails, monkeypatch,
                                                                testapp_en, log_in):
    territory, other, animator = _animator(factory)
    subscription(db, territory, "bad@example.org")
    subscription(db, territory, "good@example.org")
    subscription(db, other, "breton@example.org")
    first, second = issue(db, territory), issue(db, other, subject="Nouvelles de Bretagne")
    with app.test_request_context():
        ops.queue(first)
        ops.queue(second)
        db.session.commit()
    real = ops._message

    def message(issue, delivery, connection):
        if delivery.email == "bad@example.org":
            raise BadHeaderError("Header values can't contain newlines")
        return real(issue, delivery, connection)

    monkeypatch.setattr(ops, "_message", message)
    report = ops.send_pending()  # does not raise
    assert (report.sent, report.failed, report.stopped) == (2, 1, "")
    assert sorted(m.to[0] for m in mails) == ["breton@example.org", "good@example.org"]
    db.session.rollback()
    bad = db.session.scalar(select(NewsletterDelivery).where(NewsletterDelivery.email == "bad@example.org"))
    assert (bad.status, bad.attempts) == ("failed", ops.MAX_ATTEMPTS) and "BadHeaderError" in bad.error
    done = db.session.get(NewsletterIssue, first.id)
    assert (done.status, done.sent_count, done.failed_count) == ("sent", 1, 1)
    assert db.session.get(NewsletterIssue, second.id).status == "sent"
    log_in(testapp_en, animator)
    assert "1 failure" in testapp_en.get("/t/occitanie/newsletters/manage").text
    assert ops.send_pending().sent == 0  # nothing left, the failed one is not tried again


# --- 2. a replayed confirmation link ----------------------------------------------------------------
def test_a_replayed_confirmation_link_does_not_subscribe_again(testapp_en, db, factory, app):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    row = subscription(db, territory, "noe@example.org", status="pending")
    with app.test_request_context():
        token = ops.confirm_token(row)
    assert "Thank you" in testapp_en.get(f"/newsletter/confirm/{token}").text
    assert "already confirmed" in testapp_en.get(f"/newsletter/confirm/{token}").text  # 200, harmless
    db.session.rollback()
    ops.unsubscribe(db.session.get(NewsletterSubscription, row.id))
    db.session.commit()
    page = testapp_en.get(f"/newsletter/confirm/{token}", status=410)
    assert "already used" in page.text
    db.session.rollback()
    assert db.session.get(NewsletterSubscription, row.id).status == "unsubscribed"
    # subscribed again (pending): the old link, older than the unsubscription, still does not work
    row = db.session.get(NewsletterSubscription, row.id)
    row.status, row.unsubscribed_at = "pending", utcnow() + timedelta(seconds=2)
    db.session.commit()
    testapp_en.get(f"/newsletter/confirm/{token}", status=410)
    db.session.rollback()
    assert db.session.get(NewsletterSubscription, row.id).status == "pending"
    # a link issued after the unsubscription works
    row = db.session.get(NewsletterSubscription, row.id)
    row.unsubscribed_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    with app.test_request_context():
        fresh = ops.confirm_token(row)
    assert "Thank you" in testapp_en.get(f"/newsletter/confirm/{fresh}").text
    db.session.rollback()
    assert db.session.get(NewsletterSubscription, row.id).status == "confirmed"


# --- 3. the form tells nobody who is subscribed ------------------------------------------------------
def test_the_subscription_form_answers_the_same_for_a_subscribed_address(testapp_en, db, factory, mails):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    subscription(db, territory, "abonne@example.org")
    answers = []
    for email in ("abonne@example.org", "nouveau@example.org"):
        form = _form(testapp_en.get("/t/occitanie/newsletter"), "email")
        form["email"] = email
        page = form.submit()
        answers.append(page.html.select_one("main").text.replace(email, "ADDRESS"))
    assert answers[0] == answers[1] and "already" not in answers[0]
    assert [m.to for m in mails] == [["nouveau@example.org"]]  # the subscribed address gets nothing
    assert db.session.scalar(select(func.count(NewsletterSubscription.id))) == 2


def test_a_member_action_other_than_subscribe_or_unsubscribe_is_refused(testapp_en, db, factory, log_in):
    factory.territory(slug="occitanie", name="Occitanie")
    member = factory.user(email="lea@example.org")
    log_in(testapp_en, member)
    page = testapp_en.get("/t/occitanie/newsletter")
    testapp_en.post("/t/occitanie/newsletter", {"csrf_token": csrf_headers(page)["X-CSRFToken"], "member": "zzz"},
                    status=400)
    assert db.session.scalar(select(func.count(NewsletterSubscription.id))) == 0


# --- 4. another territory's publications --------------------------------------------------------------
def test_another_territorys_publications_cannot_be_put_in_an_issue(testapp_en, db, factory, log_in):
    territory, other, animator = _animator(factory)
    ours, theirs = article(db, territory, "Fête de la science"), article(db, other, "Festival breton")
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/new?territory=occitanie&item={ours.id}&item={theirs.id}")
    form = _form(page, "subject")
    assert [int(f.value) for f in form.fields["item"] if f.checked] == [ours.id]
    assert "Festival breton" not in page.text
    token = csrf_headers(page)["X-CSRFToken"]
    response = testapp_en.post("/newsletters/new", {"csrf_token": token, "territory": "occitanie",
                                                    "subject": "Novembre", "item": [ours.id, theirs.id]}, status=422)
    assert response.html.select_one("#item-error")
    assert db.session.scalar(select(func.count(NewsletterIssue.id))) == 0
    draft = issue(db, territory)
    testapp_en.post(f"/newsletters/{draft.id}/items", {"csrf_token": token, "content_id": theirs.id}, status=404)
    assert db.session.scalar(select(func.count(NewsletterItem.id))) == 0


# --- 5. links and images of the editorial in the mail ------------------------------------------------
def test_the_mails_links_and_images_are_absolute_remote_images_dropped(db, factory, app):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    draft = issue(db, territory, editorial="Voir [le programme](/t/occitanie) et ![le logo](/static/logo.png) "
                                           "![](https://pixel.example.com/p.gif) ![Pixel](https://pixel.example.com/q.gif)")
    with app.test_request_context():
        html, _text = ops.render_mail(draft, "http://localhost/newsletter/unsubscribe/x")
    assert 'href="http://localhost/t/occitanie"' in html
    assert 'src="http://localhost/static/logo.png"' in html
    assert "pixel.example.com" not in html and "Pixel" in html  # a remote image: its text only


def test_the_mail_shows_each_title_once(db, factory, app):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    draft = issue(db, territory, items=[article(db, territory, "Fête de la science")])
    with app.test_request_context():
        html, _text = ops.render_mail(draft, "http://localhost/newsletter/unsubscribe/x")
    assert html.count(">Fête de la science<") == 1 and "position:absolute" not in html


# --- 6. SMTP time-out ------------------------------------------------------------------------------------
def test_smtp_has_a_timeout_far_below_the_senders_lease(app):
    assert app.config["MAIL_TIMEOUT"] == 30
    assert app.extensions["mailman"].timeout == 30
    assert ops.STALE_AFTER >= ops.LEASE_TIMEOUTS * app.config["MAIL_TIMEOUT"]


# --- 12. focus after a move to the first or last place --------------------------------------------------
def test_moving_an_item_to_the_top_focuses_its_other_button(testapp_en, db, factory, log_in):
    territory, _other, animator = _animator(factory)
    items = [article(db, territory, "Premier"), article(db, territory, "Second")]
    draft = issue(db, territory, items=items)
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/{draft.id}/edit")
    response = testapp_en.post(f"/newsletters/{draft.id}/items/{items[1].id}/up",
                               {"csrf_token": csrf_headers(page)["X-CSRFToken"]}, headers={"HX-Request": "true"})
    focused = response.html.select("[data-autofocus]")
    assert len(focused) == 1 and not focused[0].has_attr("disabled")
    assert f"/items/{items[1].id}/down" in focused[0].find_parent("form")["action"]


# --- 13. nobody to send to -----------------------------------------------------------------------------------
def test_sending_to_nobody_is_refused_next_to_the_box(testapp_en, db, factory, log_in):
    territory, _other, animator = _animator(factory)
    subscription(db, territory, "attente@example.org", status="pending")
    draft = issue(db, territory)
    log_in(testapp_en, animator)
    form = _form(testapp_en.get(f"/newsletters/{draft.id}/preview"), "confirm")
    form["confirm"] = True
    response = form.submit(status=422)
    assert "Nobody receives this newsletter yet" in response.html.select_one("#confirm-error").text
    db.session.rollback()
    assert db.session.get(NewsletterIssue, draft.id).status == "draft"
    assert db.session.scalar(select(func.count(NewsletterDelivery.id))) == 0


def test_members_only_items_of_a_working_group_never_go_in_a_newsletter(testapp_en, db, factory, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(email="anim@example.org", roles={territory: "animator"})
    public = article(db, territory, "Compte rendu public")
    secret = article(db, territory, "Compte rendu zorglub")
    secret.members_only = True
    db.session.commit()
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/new?territory=occitanie&item={public.id}&item={secret.id}")
    assert "Compte rendu public" in page.text and "zorglub" not in page.text
    draft = issue(db, territory, items=[public])
    picker = testapp_en.get(f"/newsletters/{draft.id}/picker?q=Compte")
    assert "zorglub" not in picker.text
    token = {"csrf_token": csrf_headers(testapp_en.get(f"/newsletters/{draft.id}/edit"))["X-CSRFToken"]}
    testapp_en.post(f"/newsletters/{draft.id}/items", {**token, "content_id": secret.id}, status=404)
    db.session.rollback()
    assert [entry.content_id for entry in db.session.get(NewsletterIssue, draft.id).items] == [public.id]
