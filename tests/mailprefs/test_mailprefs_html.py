"""The mail settings, the unsubscribe pages and the HTML mails are valid HTML (the Nu checker,
as tests/test_html_validity.py runs it)."""
import json
import subprocess

import pytest

from csti.blueprints.mailprefs.operations import unsubscribe_token
from tests.conftest import login
from tests.mailprefs.test_mailprefs import _comment, _notify, site, smtp  # noqa: F401 — fixtures
from tests.needs import VNU_JAR, missing, need_java, need_node_package


@pytest.mark.slow
def test_pages_and_mails_are_valid_html(testapp_en, app, db, site, smtp, runner, tmp_path):  # noqa: F811
    java = need_java()
    need_node_package("vnu-jar")
    if not VNU_JAR.is_file():
        missing(f"{VNU_JAR} is missing: run `make test-assets`")
    with app.test_request_context():
        token = unsubscribe_token(site["author_en"], ["comments", "follows"])
    login(testapp_en, "reader@example.org")
    pages = {"settings": testapp_en.get("/me/mail")}
    csrf = pages["settings"].forms["mail-preferences-form"]["csrf_token"].value
    pages["settings-422"] = testapp_en.post("/me/mail", {"csrf_token": csrf, "follows": "x"}, status=422)
    pages["unsubscribe"] = testapp_en.get(f"/mail/unsubscribe/{token}")
    pages["invalid"] = testapp_en.get("/mail/unsubscribe/nothing", status=400)
    pages["unsubscribed"] = testapp_en.post(f"/mail/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})
    pages["spent"] = testapp_en.get(f"/mail/unsubscribe/{token}", status=410)
    _comment(testapp_en, site["page_fr"], "Bravo <b>!</b>")
    db.session.rollback()  # a read transaction older than the request's write cannot write
    _notify(db, site["author_fr"], site["reader"], site["page_en"])
    runner.invoke(args=["csti", "send-digests", "--period", "weekly"])
    mails = [m.get_body(preferencelist=("html",)).get_content() for _s, _r, m in smtp.received]
    assert len(mails) == 2
    for name, response in pages.items():
        (tmp_path / f"{name}.html").write_bytes(response.body)
    for n, html in enumerate(mails):
        (tmp_path / f"mail-{n}.html").write_text(html, encoding="utf-8")
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                             *sorted(str(p) for p in tmp_path.glob("*.html"))],
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")
              and not m.get("message", "").startswith("Attribute “hx-")]
    assert not errors, "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors)
