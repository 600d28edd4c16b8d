"""CSRF on every unsafe route of the URL map (issue #19, docs/architecture.md §24).

Routes are discovered from ``app.url_map``, never listed by hand: every rule accepting POST, PUT,
PATCH or DELETE is filled with the rows of the suite's site (tests/security/world.py) and sent
by a logged-in admin — the most powerful role — without a CSRF token (a plain form, an htmx
request), then with a token of another session. Each must be refused (400) and leave the
database as it was. A new route whose arguments the suite cannot fill fails
``test_every_rule_can_be_filled`` with its name.

``EXEMPT`` is the complete list of views exempt from Flask-WTF's CSRFProtect, each with why; they
too are sent here, and must refuse the tokenless request in their own way (and change nothing).
"""
from __future__ import annotations

import json
import re

from webtest import TestApp

from csti.extensions import csrf
from tests.conftest import isolated

from . import world as w

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

EXEMPT = {
    # RFC 8058 one-click unsubscribe: the mail client posts "List-Unsubscribe=One-Click" without
    # a token; the page's own form is checked by csrf.protect() in the view.
    "csti.blueprints.newsletters.routes.unsubscribe",
    # The same for the notification mails; the page's own button is checked by EmptyForm.
    "csti.blueprints.mailprefs.routes.unsubscribe_post",
    # The public survey answer page works without cookies: a signed one-time nonce stands in for
    # the session's token (csti/blueprints/surveys/routes.py ``answer``).
    "csti.blueprints.surveys.routes.answer",
}


def unsafe_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if (r.methods or set()) & UNSAFE), key=lambda r: r.rule)


def test_every_rule_can_be_filled(app):
    """Every rule of the URL map (unsafe or not) has its arguments in world.ARGUMENTS: a new
    route is covered by this suite, or fails here with its name."""
    unfilled = {f"{r.endpoint} {r.rule}": w.missing_arguments(r) for r in app.url_map.iter_rules()}
    assert {k: v for k, v in unfilled.items() if v} == {}


def test_the_exempt_views_are_exactly_the_known_ones(app):
    assert set(csrf._exempt_views) == EXEMPT
    assert not csrf._exempt_blueprints, "a whole blueprint exempt from CSRF"
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)


def test_api_is_read_only(app):
    writable = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and r.methods & UNSAFE]
    assert writable == []


def _token(client) -> str:
    page = client.get("/", status="*")
    return json.loads(re.search(r"hx-headers='([^']+)'", page.text).group(1))["X-CSRFToken"]


def test_unsafe_routes_refuse_requests_without_a_valid_token(app, db, factory, log_in):
    site = w.build(factory)
    from csti.models import User

    admin = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    log_in(admin, db.session.get(User, site.users["admin"]))
    _token(admin)  # the admin's session has a token of its own
    stranger = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    foreign = _token(stranger)  # a valid token — of another session
    before = w.snapshot(db)
    failures = []
    rules = unsafe_rules(app)
    assert len(rules) > 100  # the discovery found the site's forms
    for rule in rules:
        url = w.fill(rule, site)
        for method in sorted(rule.methods & UNSAFE):
            send = getattr(admin, method.lower())
            variants = {
                "form without token": dict(params={"title": "CSRF", "reason": "CSRF"}),
                "htmx without token": dict(params={"title": "CSRF"}, headers={"HX-Request": "true"}),
                "token of another session": dict(params={"title": "CSRF", "csrf_token": foreign},
                                                 headers={"X-CSRFToken": foreign}),
            }
            for name, kwargs in variants.items():
                response = send(url, expect_errors=True, **kwargs)
                if rule.endpoint in {"newsletters.unsubscribe", "mailprefs.unsubscribe_post", "surveys.answer"}:
                    ok = 400 <= response.status_int < 500
                else:
                    ok = response.status_int == 400
                if not ok:
                    failures.append(f"{method} {url} ({rule.endpoint}, {name}): {response.status}")
        after = w.snapshot(db)
        changed = w.changes(before, after)
        if changed:
            failures.append(f"{rule.endpoint} {url}: changed {changed}")
            before = after
    assert failures == []
    assert admin.get("/admin").status_int == 200  # still logged in: the tokenless logout did nothing
    # The control: the same admin WITH the session's token gets through (the 400s above were the
    # token's doing, not a missing field's).
    done = admin.post("/notifications/read", headers={"X-CSRFToken": _token(admin)}, expect_errors=True)
    assert done.status_int in (200, 204, 302, 303), done.status
    out = admin.post("/logout", {"csrf_token": _token(admin)}, expect_errors=True)
    assert out.status_int in (302, 303) and admin.get("/admin", expect_errors=True).status_int != 200
