"""The newsletter pages — and the mail itself — are valid HTML for the W3C Nu checker."""
import json
import subprocess

import pytest
from sqlalchemy import select

from csti.blueprints.newsletters import operations as ops
from csti.models import NewsletterSubscription
from tests.needs import VNU_JAR, missing, need_java, need_node_package
from tests.test_html_validity import IGNORED, _readable

from .helpers import article, issue, subscription


@pytest.mark.slow
def test_newsletter_pages_are_valid_html(testapp_en, db, factory, log_in, app, tmp_path):
    java = need_java()
    need_node_package("vnu-jar")
    if not VNU_JAR.is_file():
        missing(f"{VNU_JAR} is missing: run `make test-assets`")
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(email="anim@example.org", roles={territory: "animator"})
    items = [article(db, territory, f"Article {n}") for n in range(3)]
    draft = issue(db, territory, items=items[:2])
    sent = issue(db, territory, subject="Octobre", items=items[1:])
    row = subscription(db, territory, "a@example.org")
    pending = subscription(db, territory, "b@example.org", status="pending")
    gone = subscription(db, territory, "c@example.org", status="unsubscribed")
    with app.test_request_context():
        ops.queue(sent)
        db.session.commit()
        unsubscribe = ops.unsubscribe_token(row.id, row.email)
        confirm = ops.confirm_token(pending)
        spent = ops.unsubscribe_token(gone.id, gone.email)
    ops.finish_issues()  # no SMTP needed: mark it sent by hand
    from csti.models import NewsletterDelivery

    for delivery in db.session.scalars(select(NewsletterDelivery)).all():
        delivery.status = "sent"
    db.session.commit()
    ops.finish_issues()
    anonymous = testapp_en.__class__(testapp_en.app)
    pages = [("subscribe", anonymous, "/t/occitanie/newsletter", 200),
             ("archive", anonymous, "/t/occitanie/newsletters", 200),
             ("issue", anonymous, f"/t/occitanie/newsletters/{sent.id}", 200),
             ("unsubscribe", anonymous, f"/newsletter/unsubscribe/{unsubscribe}", 200),
             ("confirm", anonymous, f"/newsletter/confirm/{confirm}", 200),
             ("bad-token", anonymous, "/newsletter/confirm/nope", 400),
             ("spent-token", anonymous, f"/newsletter/unsubscribe/{spent}", 410)]
    log_in(testapp_en, animator)
    pages += [("manage", testapp_en, "/t/occitanie/newsletters/manage", 200),
              ("new", testapp_en, f"/newsletters/new?territory=occitanie&item={items[0].id}", 200),
              ("edit", testapp_en, f"/newsletters/{draft.id}/edit", 200),
              ("preview", testapp_en, f"/newsletters/{draft.id}/preview", 200),
              ("mail", testapp_en, f"/newsletters/{draft.id}/preview/mail", 200),
              ("subscribe-member", testapp_en, "/t/occitanie/newsletter", 200)]
    files = {}
    for name, client, url, status in pages:
        response = client.get(url, status=status)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.body)
        files[path.as_uri()] = files[f"file:{path}"] = f"{name} ({url})"
    assert db.session.scalar(select(NewsletterSubscription.status).where(NewsletterSubscription.id == pending.id))
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                             *sorted(str(p) for p in tmp_path.glob("*.html"))], capture_output=True, text=True,
                            timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")
              and not any(p.match(m.get("message", "")) for p in IGNORED)]
    assert not errors, f"{len(errors)} HTML errors:\n{_readable(errors, files)}"
