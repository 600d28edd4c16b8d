"""Composing a territory's newsletter: animators and admins only, bad input answered 422 next to
the field, the picker (htmx fragment or the whole page), preselected items, the preview (the mail
itself), the send button (recipients counted; empty or already sent refused)."""
from sqlalchemy import func, select

from csti.models import NewsletterDelivery, NewsletterIssue, NewsletterItem
from tests.conftest import csrf_headers

from .helpers import article, issue, subscription


def _site(factory, db):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(email="anim@example.org", roles={territory: "animator"})
    member = factory.user(email="membre@example.org", roles={territory: "contributor"})
    other = factory.territory(slug="bretagne", name="Bretagne")
    stranger = factory.user(email="autre@example.org", roles={other: "animator"})
    return territory, animator, member, stranger


def test_only_the_territorys_animators_and_admins_compose(testapp, db, factory, log_in):
    territory, animator, member, stranger = _site(factory, db)
    draft = issue(db, territory, author=animator)
    urls = ["/t/occitanie/newsletters/manage", f"/newsletters/{draft.id}/edit", f"/newsletters/{draft.id}/preview",
            f"/newsletters/{draft.id}/preview/mail", f"/newsletters/{draft.id}/picker"]
    for user in (member, stranger):
        log_in(testapp, user)
        for url in urls:
            assert testapp.get(url, status=403).status_int == 403, url
    log_in(testapp, member)
    assert testapp.get("/newsletters/new?territory=occitanie", status=403)
    page = testapp.get("/t/occitanie/newsletter")  # the public page: any form, then a forged post
    response = testapp.post(f"/newsletters/{draft.id}/send", {"csrf_token": csrf_headers(page)["X-CSRFToken"],
                                                               "confirm": "y"}, status=403)
    assert response.status_int == 403
    assert testapp.get("/t/occitanie/newsletters/manage", status=403)
    admin = factory.user(email="admin@example.org", admin=True)
    log_in(testapp, admin)
    assert testapp.get("/t/occitanie/newsletters/manage").status_int == 200
    log_in(testapp, animator)
    assert testapp.get(f"/newsletters/{draft.id}/edit").status_int == 200
    anonymous = testapp.__class__(testapp.app)
    assert anonymous.get("/t/occitanie/newsletters/manage").status_int == 302  # to the log-in page


def test_compose_with_preselected_items_and_bad_input(testapp_en, db, factory, log_in):
    territory, animator, *_ = _site(factory, db)
    first, second = article(db, territory, "Fête de la science"), article(db, territory, "Compte rendu")
    draft_item = article(db, territory, "Brouillon", status="draft")
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/new?territory=occitanie&item={first.id}&item={second.id}&item={draft_item.id}")
    form = page.forms[[k for k in page.forms if "subject" in page.forms[k].fields][0]]
    assert form["territory"].value == "occitanie"
    assert sorted(int(f.value) for f in form.fields["item"] if f.checked) == sorted([first.id, second.id])
    form["subject"] = "   "
    response = form.submit(status=422)
    assert "Give the newsletter a subject." in response.html.select_one("#subject-error").text
    assert db.session.scalar(select(func.count(NewsletterIssue.id))) == 0
    form = response.forms[[k for k in response.forms if "subject" in response.forms[k].fields][0]]
    form["subject"] = "Novembre"
    form["editorial"] = "Un mot de l'équipe."
    response = form.submit(status=303)
    db.session.rollback()
    created = db.session.scalar(select(NewsletterIssue))
    assert created.territory_id == territory.id and [e.content_id for e in created.items] == [first.id, second.id]
    assert created.editorial_html.startswith("<p>")
    # The edit form with a too long subject: 422 next to the field, nothing saved
    page = testapp_en.get(f"/newsletters/{created.id}/edit")
    form = page.forms[[k for k in page.forms if "subject" in page.forms[k].fields][0]]
    form["subject"] = "x" * 300
    response = form.submit(status=422)
    assert response.html.select_one("#subject-error")
    db.session.rollback()
    assert db.session.get(NewsletterIssue, created.id).subject == "Novembre"


def test_the_picker_adds_moves_and_removes_items(testapp, db, factory, log_in):
    territory, animator, *_ = _site(factory, db)
    items = [article(db, territory, f"Article {n}") for n in range(3)]
    elsewhere = article(db, db.session.merge(factory.territory()), "Ailleurs")
    draft = issue(db, territory, items=[items[0]])
    log_in(testapp, animator)
    page = testapp.get(f"/newsletters/{draft.id}/edit")
    # search: a fragment for htmx, the whole page otherwise
    fragment = testapp.get(f"/newsletters/{draft.id}/picker?q=article 2", headers=csrf_headers(page))
    assert "<html" not in fragment.text and "Article 2" in fragment.text and "Article 1" not in fragment.text
    full = testapp.get(f"/newsletters/{draft.id}/picker?q=article 2")
    assert "<html" in full.text and full.html.select_one("#picker-q")["value"] == "article 2"
    assert "Ailleurs" not in testapp.get(f"/newsletters/{draft.id}/picker?q=ailleurs", headers=csrf_headers(page)).text
    token = {"csrf_token": csrf_headers(page)["X-CSRFToken"]}
    # add with htmx: the compose block comes back
    response = testapp.post(f"/newsletters/{draft.id}/items", {**token, "content_id": items[2].id},
                            headers=csrf_headers(page))
    assert response.html.select_one("#newsletter-compose") and "Article 2" in response.text
    # without JavaScript: a redirect
    assert testapp.post(f"/newsletters/{draft.id}/items", {**token, "content_id": items[1].id}).status_int == 303
    assert testapp.post(f"/newsletters/{draft.id}/items", {**token, "content_id": elsewhere.id}, status=404)
    assert testapp.post(f"/newsletters/{draft.id}/items", {**token, "content_id": "abc"}, status=400)
    testapp.post(f"/newsletters/{draft.id}/items/{items[1].id}/up", token)
    db.session.rollback()
    order = db.session.scalars(select(NewsletterItem.content_id).where(NewsletterItem.issue_id == draft.id)
                               .order_by(NewsletterItem.position)).all()
    assert order == [items[0].id, items[1].id, items[2].id]
    testapp.post(f"/newsletters/{draft.id}/items/{items[0].id}/remove", token)
    db.session.rollback()
    assert db.session.scalars(select(NewsletterItem.content_id).where(NewsletterItem.issue_id == draft.id)
                              .order_by(NewsletterItem.position)).all() == [items[1].id, items[2].id]


def test_preview_is_the_mail_and_send_counts_recipients(testapp_en, db, factory, log_in, mails):
    territory, animator, *_ = _site(factory, db)
    item = article(db, territory, "Fête de la science")
    draft = issue(db, territory, items=[item])
    subscription(db, territory, "a@example.org")
    subscription(db, territory, "b@example.org")
    subscription(db, territory, "c@example.org", status="pending")
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/{draft.id}/preview")
    assert page.html.select_one("iframe")["src"] == f"/newsletters/{draft.id}/preview/mail"
    assert "Send to 2 recipients" in page.text
    mail = testapp_en.get(f"/newsletters/{draft.id}/preview/mail")
    assert "Fête de la science" in mail.text and "http://localhost/article/" in mail.text
    assert "unsafe-inline" in mail.headers["Content-Security-Policy"] and "script" not in mail.text
    assert mail.headers["X-Frame-Options"] == "SAMEORIGIN"
    form = page.forms[[k for k in page.forms if "confirm" in page.forms[k].fields][0]]
    response = form.submit(status=422)  # not confirmed
    assert response.html.select_one("#confirm-error")
    form = response.forms[[k for k in response.forms if "confirm" in response.forms[k].fields][0]]
    form["confirm"] = True
    assert form.submit().status_int == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count(NewsletterDelivery.id))) == 2
    # a list this small is sent by the view itself, once the answer is given (else: cron)
    assert db.session.get(NewsletterIssue, draft.id).status == "sent"
    assert sorted(m.to[0] for m in mails) == ["a@example.org", "b@example.org"]
    again = page.forms[[k for k in page.forms if "confirm" in page.forms[k].fields][0]]
    again["confirm"] = True
    response = again.submit(status=409)
    assert "already been sent" in response.text
    assert db.session.scalar(select(func.count(NewsletterDelivery.id))) == 2


def test_an_empty_newsletter_is_not_sent(testapp_en, db, factory, log_in):
    territory, animator, *_ = _site(factory, db)
    draft = issue(db, territory, editorial="")
    subscription(db, territory, "a@example.org")
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/{draft.id}/preview")
    form = page.forms[[k for k in page.forms if "confirm" in page.forms[k].fields][0]]
    form["confirm"] = True
    response = form.submit(status=422)
    assert "The newsletter is empty" in response.html.select_one("[role=alert]").text
    db.session.rollback()
    assert db.session.get(NewsletterIssue, draft.id).status == "draft"
    assert db.session.scalar(select(func.count(NewsletterDelivery.id))) == 0


def test_bad_item_numbers_are_ignored_or_refused(testapp_en, db, factory, log_in):
    territory, animator, *_ = _site(factory, db)
    log_in(testapp_en, animator)
    page = testapp_en.get("/newsletters/new?territory=occitanie&item=²&item=99999999999999999999&item=abc")
    assert page.status_int == 200 and not page.html.select("input[name=item]")
    token = csrf_headers(page)["X-CSRFToken"]
    response = testapp_en.post("/newsletters/new", {"csrf_token": token, "territory": "occitanie",
                                                    "subject": "Novembre", "item": "abc"}, status=422)
    assert response.html.select_one("#item-error")
    response = testapp_en.post("/newsletters/new", {"csrf_token": token, "territory": "bretagne",
                                                    "subject": "Novembre"}, status=422)
    assert response.html.select_one("#territory-error")
    assert db.session.scalar(select(func.count(NewsletterIssue.id))) == 0


def test_a_draft_is_deleted_a_sent_issue_is_not(testapp_en, db, factory, log_in, app):
    from csti.blueprints.newsletters import operations as ops

    territory, animator, member, _stranger = _site(factory, db)
    draft, sent = issue(db, territory), issue(db, territory, subject="Envoyée")
    subscription(db, territory, "lecteur@example.org")
    with app.test_request_context():
        ops.queue(sent)
        db.session.commit()
    log_in(testapp_en, member)
    page = testapp_en.get("/t/occitanie/newsletter")
    token = {"csrf_token": csrf_headers(page)["X-CSRFToken"]}
    testapp_en.post(f"/newsletters/{draft.id}/delete", token, status=403)
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/{draft.id}/edit")
    form = next(f for f in page.forms.values() if f.action.endswith("/delete"))
    assert form.submit().status_int == 303
    testapp_en.post(f"/newsletters/{sent.id}/delete", token, status=409)
    db.session.rollback()
    assert db.session.scalars(select(NewsletterIssue.subject)).all() == ["Envoyée"]
