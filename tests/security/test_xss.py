"""XSS corpus (issue #19's hardening suite): the payloads of ``tests/security/inert.py`` are
written through the real forms — every text field of every registered type's edit form, the
profile, comments — then every page, fragment, feed, map, API answer, widget and e-mail that
shows them is checked inert (no script, handler or dangerous URL made of them, no template
evaluated).

The site is built once for the module (``corpus_site``), the checks only read it: one test per
surface, parametrised by type, so that a failure names the place.
"""
from __future__ import annotations

import json

import pytest
import webtest
from flask import url_for
from webtest import TestApp

from csti import discover_blueprints, registry
from csti.extensions import db as _db

from .. import samples
from ..conftest import _clean, isolated, login
from ..factories import Factory
from ..sample_site import build
from .inert import FULL, MARK, SHORT, TAGS, URL, feed_live_parts, json_live_parts, live_parts

discover_blueprints()  # the registry fills as the blueprints are imported: every type, at collection
TYPES = samples.listed_types()
KINDS = [t.kind for t in TYPES]
PASSWORDLESS = {"csrf_token", "password", "password_confirm", "new_password"}


@pytest.fixture(autouse=True)
def _fresh_database():
    """The module shares one site (``corpus_site`` cleans it at the end)."""
    yield


def _editable(field) -> str | None:
    """Which payload a form field gets: "long", "short", "url", or None (not free text)."""
    if field.name in PASSWORDLESS or field.attrs.get("readonly") is not None:
        return None
    if field.name == "tags":
        return "tags"
    if isinstance(field, webtest.forms.Textarea):
        return "long"
    if isinstance(field, (webtest.forms.Hidden, webtest.forms.Submit, webtest.forms.File,
                          webtest.forms.Checkbox, webtest.forms.Radio, webtest.forms.Select)):
        return None
    kind = (field.attrs.get("type") or "text").lower()
    return {"text": "short", "search": "short", "url": "url", "email": "short", "tel": "short"}.get(kind)


CANDIDATES = {"long": (FULL, SHORT), "short": (SHORT,), "url": (URL,), "tags": (TAGS,)}


def _main_form(page):
    """The page's form with the most fields (the edit form, not the search box or logout)."""
    forms = [f for f in page.forms.values() if (f.method or "").lower() == "post"]
    return max(forms, key=lambda f: len(f.fields))


def _submit(form):
    buttons = {getattr(b, "_value", None) or b.attrs.get("value") for b in form.fields.get("action", [])}
    for value in ("publish", "save", "submit"):
        if value in buttons:
            return form.submit("action", value=value, expect_errors=True)
    return form.submit(expect_errors=True)


def write_corpus(client, url) -> dict:
    """Fill every free-text field of the form at ``url`` with the corpus and submit it; a field
    the form refuses the payload of gets a shorter one, then its value back. Returns the fields
    by what they kept: ``{"kept": [...], "refused": [...]}``."""
    page = client.get(url)
    form = _main_form(page)
    originals, tries = {}, {}
    for name, fields in form.fields.items():
        for index, field in enumerate(fields):
            kind = _editable(field)
            if kind is None:
                continue
            originals[(name, index)] = field.value
            tries[(name, index)] = list(CANDIDATES[kind])
    refused = set()
    for _attempt in range(4):
        current = {}
        for key, values in tries.items():
            value = values[0] if values else originals[key]
            form.set(key[0], value, index=key[1])
            current[key] = value
        response = _submit(form)
        if response.status_int in (302, 303):
            kept = sorted(name for (name, _i), value in current.items() if value != originals[(name, _i)])
            return {"kept": kept, "refused": sorted(refused)}
        assert response.status_int in (200, 400, 422), f"{url}: {response.status}"
        invalid = {el.get("name") for el in response.html.select("[aria-invalid=true]")}
        stepped = False
        for key, values in tries.items():
            if key[0] in invalid and values:
                values.pop(0)
                stepped = True
                if not values:
                    refused.add(key[0])
        assert stepped, f"{url}: the form refused something else than the payloads: {invalid or response.text[:2000]}"
        form = _main_form(response)
    raise AssertionError(f"{url}: still refused after falling back to the original values")


def _newsletter_with_corpus(app, site, shows) -> dict:
    """A newsletter of the territory written by its animator through the compose form (subject,
    editorial) with the corpus-holding article and event; queued and sent to one subscriber."""
    animator = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.7"})
    assert login(animator, site["animator"]).status_int == 303
    items = "".join(f"&item={shows[k][0]}" for k in ("article", "event") if k in shows)
    written = write_corpus(animator, f"/newsletters/new?territory=occitanie{items}")
    with app.app_context():
        from csti.blueprints.newsletters import operations as ops
        from csti.models import NewsletterIssue, NewsletterSubscription, Territory

        territory = _db.session.query(Territory).filter_by(slug="occitanie").one()
        _db.session.add(NewsletterSubscription(territory=territory, email="lectrice@example.org", status="confirmed",
                                               confirmed_at=territory.created_at))
        issue = _db.session.query(NewsletterIssue).order_by(NewsletterIssue.id.desc()).first()
        _db.session.commit()
        with app.test_request_context():
            queued = ops.queue(issue)
        _db.session.commit()
        ops.send_pending()
        return {"written": written, "queued": queued, "items": len(issue.items)}


def _survey_with_corpus(app, author, shows) -> dict:
    """A survey on the sample event through the builder's forms: its settings and a question of
    each kind with text written with the corpus; published. Its builder's, public and results URLs."""
    form = author.get(f"/surveys/new?content={shows['event'][0]}").forms["new-survey"]
    form["template"], form["languages"] = "complete", "fr,en"
    builder = form.submit(status=303).location
    survey_id = int(builder.rstrip("/").rsplit("/", 1)[1])
    written = write_corpus(author, builder)
    for kind in ("single", "short"):
        form = author.get(builder).forms["add-question"]
        form["new-kind"] = kind
        form["new-text_fr"], form["new-text_en"] = SHORT, SHORT
        for name in ("new-options_fr", "new-options_en", "new-help_fr", "new-help_en"):
            if name in form.fields:
                form[name] = FULL
        assert form.submit(expect_errors=True).status_int == 303, kind
    with app.app_context():
        from csti.models.surveys import Survey

        survey = _db.session.get(Survey, survey_id)
        survey.published = True
        _db.session.commit()
        token = survey.token
    return {"builder": builder, "public": f"/s/{token}", "results": f"/surveys/{survey_id}/results",
            "written": written}


@pytest.fixture(scope="module")
def corpus_site(app):
    """The sample site (``tests/sample_site.py``) with the corpus written through the forms:
    every listed type's sample edited by its author, the author's profile, a comment on each
    item by a member; the mails this sends kept."""
    mail = app.extensions["mailman"]
    mail.outbox = []
    with app.app_context():
        site = build(Factory(_db))
    author = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.1"})
    member = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.2"})
    assert login(author, site["author"]).status_int == 303
    assert login(member, site["member"]).status_int == 303
    written, shows = {}, {}
    with app.test_request_context():
        for content_type in TYPES:
            id, slug = site["samples"][content_type.kind]
            edit = samples.endpoint(app, content_type, "edit")
            if edit:
                written[content_type.kind] = write_corpus(author, url_for(edit, id=id))
            shows[content_type.kind] = (id, url_for(content_type.model.view_endpoint, id=id, slug=slug))
    with app.app_context():
        from csti.models import Content, User

        for _kind, (id, _url) in shows.items():  # edits a moderator would approve: published
            item = _db.session.get(Content, id)
            if item.status != "published":
                item.publish()
        _db.session.commit()
        with app.test_request_context():  # the title changed: so did the slug
            for kind, (id, _url) in list(shows.items()):
                item = _db.session.get(Content, id)
                shows[kind] = (id, url_for(item.view_endpoint, id=id, slug=item.slug))
        author_id = _db.session.query(User.id).filter_by(email=site["author"]).scalar()
        from csti.models import Tag

        tag_slug = _db.session.query(Tag.slug).filter(Tag.name.startswith(MARK)).scalar()
    written["profile"] = write_corpus(author, "/account")
    comments = {}
    for kind, (id, url) in shows.items():
        page = member.get(url)
        form = page.forms.get(f"comment-form-{id}")
        if form is not None:
            form["body"] = FULL
            comments[kind] = form.submit(expect_errors=True).status_int
    survey = _survey_with_corpus(app, author, shows)
    newsletter = _newsletter_with_corpus(app, site, shows)
    with app.app_context():
        from csti.blueprints.mailprefs.operations import send_digests, send_immediate

        send_immediate()
        send_digests("daily")
        send_digests("weekly")
    urls = {kind: url for kind, (_id, url) in shows.items()}
    data = {"site": site, "written": written, "urls": urls, "ids": {k: i for k, (i, _u) in shows.items()},
            "comments": comments, "survey": survey, "newsletter": newsletter, "author_id": author_id, "tag": tag_slug, "mails": list(mail.outbox)}
    yield data
    mail.outbox = []
    _clean(app)
    app.extensions.pop("csti_throttle", None)


@pytest.fixture(scope="module")
def anonymous(app, corpus_site):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.3"})


@pytest.fixture(scope="module")
def site_scripts(app):
    return tuple(u for u in (app.config.get(k) for k in ("HTMX_URL", "LEAFLET_JS_URL", "MARKERCLUSTER_JS_URL")) if u)


def _inert_html(response, site_scripts, where):
    assert response.status_int == 200, where
    assert MARK in response.text, f"{where}: the payload is not on the page — nothing checked"
    found = live_parts(response.body, site_scripts)
    assert not found, f"{where}: live payload:\n" + "\n".join(found)


# --- the forms took the payloads ----------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_the_edit_form_takes_the_corpus(corpus_site, kind):
    written = corpus_site["written"].get(kind)
    if written is None:
        pytest.skip(f"{kind}: no edit form")
    assert "title" in written["kept"] or "name" in written["kept"], written
    assert "tags" not in written["refused"], written
    assert any(k in written["kept"] for k in ("body", "summary", "description", "bio")), written


def _form_class(app, content_type):
    """The WTForms class of the type's edit view: the views' ``form_class``, or for a view of
    its own (structures) the ``<Model>Form`` of its module."""
    import inspect
    import sys

    from flask_wtf import FlaskForm

    view = inspect.unwrap(app.view_functions[samples.endpoint(app, content_type, "edit")])
    owner = getattr(view, "__self__", None)
    if owner is not None:
        return owner.form_class
    module = vars(sys.modules[view.__module__])
    return next(v for v in module.values() if isinstance(v, type) and issubclass(v, FlaskForm)
                and v.__name__ == f"{content_type.model.__name__}Form")


@pytest.mark.parametrize("kind", KINDS)
def test_every_text_field_of_the_form_class_got_the_corpus(app, corpus_site, kind):
    """Each ``StringField``/``TextAreaField`` (URL, e-mail… are ones) of the type's form class was
    found in the page and given a payload — kept or refused by its validators."""
    from wtforms import StringField
    from wtforms.fields.core import UnboundField

    written = corpus_site["written"].get(kind)
    if written is None:
        pytest.skip(f"{kind}: no edit form")
    form_class = _form_class(app, registry.get(kind))
    text_fields = {name for name in dir(form_class)
                   if isinstance(getattr(form_class, name), UnboundField)
                   and issubclass(getattr(form_class, name).field_class, StringField)
                   and name not in PASSWORDLESS}
    assert text_fields, form_class
    missed = text_fields - set(written["kept"]) - set(written["refused"])
    assert not missed, f"{kind}: text fields of {form_class.__name__} the corpus never reached: {sorted(missed)}"


def test_the_profile_form_takes_the_corpus(corpus_site):
    written = corpus_site["written"]["profile"]
    assert {"name", "bio"} <= set(written["kept"]), written
    assert "website" in written["refused"], "a javascript: website was accepted"


# --- pages, fragments -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_item_page_is_inert(corpus_site, anonymous, site_scripts, kind):
    _inert_html(anonymous.get(corpus_site["urls"][kind]), site_scripts, corpus_site["urls"][kind])


@pytest.mark.parametrize("kind", KINDS)
def test_item_page_as_its_author_is_inert(app, corpus_site, site_scripts, kind):
    author = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.4"})
    login(author, corpus_site["site"]["author"])
    url = corpus_site["urls"][kind]
    _inert_html(author.get(url), site_scripts, f"{url} (as its author)")


@pytest.mark.parametrize("kind", KINDS)
def test_list_and_its_fragment_are_inert(app, corpus_site, anonymous, site_scripts, kind):
    with app.test_request_context():
        url = url_for(registry.get(kind).list_endpoint)
    _inert_html(anonymous.get(url), site_scripts, url)
    fragment = anonymous.get(url, headers={"HX-Request": "true"})
    _inert_html(fragment, site_scripts, f"{url} (htmx)")


@pytest.mark.parametrize("url", ["/", "/t/occitanie", "/search?q=zorglub", "/tags",
                                 "/embed/agenda", "/embed/news", "/agenda?view=calendar", "/actors?view=list"])
def test_shared_page_is_inert(corpus_site, anonymous, site_scripts, url):
    _inert_html(anonymous.get(url), site_scripts, url)


def test_tag_page_and_feed_are_inert(corpus_site, anonymous, site_scripts):
    url = f"/tags/{corpus_site['tag']}"
    _inert_html(anonymous.get(url), site_scripts, url)
    feed = anonymous.get(url + ".atom")
    assert feed.status_int == 200 and MARK.encode() in feed.body, url + ".atom"
    found = feed_live_parts(feed.body)
    assert not found, f"{url}.atom: live payload:\n" + "\n".join(found)


@pytest.mark.parametrize("url", ["/search?q=zorglub", "/search/suggest?q=zorglub"])
def test_search_fragment_is_inert(corpus_site, anonymous, site_scripts, url):
    _inert_html(anonymous.get(url, headers={"HX-Request": "true"}), site_scripts, f"{url} (htmx)")


def test_profile_is_inert(corpus_site, anonymous, site_scripts):
    url = f"/members/{corpus_site['author_id']}"
    response = anonymous.get(url)
    _inert_html(response, site_scripts, url)
    assert "javascript:" not in response.text.lower(), "the refused website still shows"


def test_survey_pages_are_inert(app, corpus_site, anonymous, site_scripts):
    survey = corpus_site["survey"]
    assert survey["written"]["kept"], survey["written"]
    _inert_html(anonymous.get(survey["public"]), site_scripts, survey["public"])
    author = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.6"})
    login(author, corpus_site["site"]["author"])
    for url in (survey["builder"], survey["results"]):
        _inert_html(author.get(url), site_scripts, url)


@pytest.mark.parametrize("who, urls", [
    ("author", ("/me/content", "/account", "/notifications")),  # their writing, the comments on it
    ("member", ("/", "/me/feed", "/me/follows", "/notifications", "/me/dossiers")),  # what they follow
    ("admin", ("/moderation", "/moderation/reports", "/admin/audit", "/t/occitanie/audit", "/admin/stats")),
])
def test_member_pages_are_inert(app, corpus_site, site_scripts, who, urls):
    client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.1.5"})
    assert login(client, corpus_site["site"][who]).status_int == 303
    shown = 0
    for url in urls:
        response = client.get(url)
        assert response.status_int == 200, url
        shown += MARK in response.text
        found = live_parts(response.body, site_scripts)
        assert not found, f"{url} (as {who}): live payload:\n" + "\n".join(found)
    assert shown, f"none of {urls} shows the payload to the {who}"


# --- feeds, maps, API ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", [t.kind for t in TYPES if t.feed_endpoint])
def test_feed_is_inert(app, corpus_site, anonymous, kind):
    with app.test_request_context():
        url = url_for(registry.get(kind).feed_endpoint)
    response = anonymous.get(url)
    assert response.status_int == 200, url
    if "calendar" in response.content_type:
        import icalendar

        text = response.text
        assert MARK in text and "XSS49XSS" not in text, url
        calendar = icalendar.Calendar.from_ical(response.body)
        events = [c for c in calendar.walk("VEVENT")]
        held = [e for e in events if MARK in str(e.get("SUMMARY", ""))]
        assert len(held) == 1, f"{url}: the event holding the corpus is not one VEVENT"
        # Its line breaks and colons stayed inside its texts: no property of their making.
        assert MARK in str(held[0]["DESCRIPTION"]) and SHORT == str(held[0]["SUMMARY"]), url
        assert not any(name.startswith(("X-ALT-DESC", "ATTACH", "URL")) and "__xss" in str(value)
                       for event in events for name, value in event.property_items()), url
        return
    assert MARK.encode() in response.body, f"{url}: the payload is not in the feed"
    found = feed_live_parts(response.body)
    assert not found, f"{url}: live payload:\n" + "\n".join(found)


@pytest.mark.parametrize("url", ["/actors.geojson", "/agenda.geojson"])
def test_map_data_is_inert(corpus_site, anonymous, url):
    response = anonymous.get(url)
    assert response.status_int == 200, url
    data = json.loads(response.body)
    assert data["type"] == "FeatureCollection", url
    assert MARK in response.text, f"{url}: the payload is not on the map"
    found = json_live_parts(response.body)
    assert not found, f"{url}: live payload:\n" + "\n".join(found)
    assert response.headers["X-Content-Type-Options"] == "nosniff", url  # never read as HTML


def _api_name(content_type):
    from csti.blueprints.api.collections import COLLECTIONS

    return next((name for name, c in COLLECTIONS.items() if c.model is content_type.model), None)


@pytest.mark.parametrize("kind", KINDS)
def test_api_answers_are_inert(corpus_site, anonymous, kind):
    name = _api_name(registry.get(kind))
    if name is None:
        pytest.skip(f"{kind}: not in the API")
    for url in (f"/api/v1/{name}/{corpus_site['ids'][kind]}", f"/api/v1/{name}", "/api/v1/search?q=zorglub"):
        response = anonymous.get(url)
        assert response.status_int == 200 and response.content_type == "application/json", url
        assert MARK in response.text, f"{url}: the payload is not in the answer"
        found = json_live_parts(response.body)
        assert not found, f"{url}: live payload:\n" + "\n".join(found)


# --- e-mails ----------------------------------------------------------------------------------------
def test_the_newsletter_took_the_corpus(corpus_site):
    newsletter = corpus_site["newsletter"]
    assert {"subject", "editorial"} & set(newsletter["written"]["kept"]), newsletter
    assert newsletter["queued"] == 1 and newsletter["items"] == 2, newsletter
    assert any(m.to == ["lectrice@example.org"] for m in corpus_site["mails"]), "the newsletter was not sent"


def test_mails_are_inert(corpus_site):
    mails = corpus_site["mails"]
    with_payload = [m for m in mails if MARK in m.body or any(MARK in a[0] for a in getattr(m, "alternatives", []))]
    assert with_payload, f"no mail shows the payloads ({len(mails)} sent: {[m.subject for m in mails]})"
    html_parts = [c for m in with_payload for c, t in getattr(m, "alternatives", []) if t == "text/html"]
    assert html_parts, "no HTML mail shows the payloads — nothing checked"
    for message in with_payload:
        assert "XSS49XSS" not in message.body, message.subject
        assert "\n" not in message.subject and "\r" not in message.subject, message.subject
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                found = live_parts(content)
                assert not found, f"mail {message.subject!r}: live payload:\n" + "\n".join(found)


# --- the checks themselves can fail -------------------------------------------------------------
@pytest.mark.parametrize("markup", [
    "<p>ok</p><script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<a href=" JavaScript:window.__xss=1">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<svg onload="window.__xss=1"></svg>',
    '<iframe src="/"></iframe>',
    '<script type="application/ld+json">{"name": "</script><script>window.__xss=1</script>',
    "<p>XSS49XSS</p>",
    '<p style="width:expression(window.__xss=1)">css</p>',
    '<div hx-on:click="window.__xss=1">htmx</div>',
    '<div hx-get="/logout" hx-trigger="load">htmx</div>',
])
def test_the_checker_finds_what_a_payload_made_live(markup):
    assert live_parts(f"<!doctype html><html><body>{markup}</body></html>")
    assert live_parts(markup)


def test_the_checker_lets_the_same_payloads_through_as_text():
    from markupsafe import escape

    from csti.markdown import render_markdown

    assert not live_parts(f"<p>{escape(FULL)}</p>")
    assert not live_parts(render_markdown(FULL))
    assert not feed_live_parts(f'<feed xmlns="http://www.w3.org/2005/Atom"><content type="html">'
                               f'{escape(render_markdown(FULL))}</content></feed>'.encode())


# --- reflected: the corpus in the address -------------------------------------------------------
REFLECTED = ["/search?q={p}", "/search/suggest?q={p}", "/search?q={p}&kind={p}&tag={p}", "/actors?tag={p}&kind={p}&department={p}",
             "/agenda?view={p}&from={p}&tag={p}", "/articles?kind={p}&page={p}", "/resources?audience={p}&from={p}",
             "/embed?widget=news&territory={p}&tag={p}&color={p}&theme={p}&lang={p}", "/embed/news?color={p}&tag={p}",
             "/tags/{p}", "/no-such-page/{p}", "/login?next={p}"]


@pytest.mark.parametrize("template", REFLECTED)
def test_reflected_query_is_inert(corpus_site, anonymous, site_scripts, template):
    from urllib.parse import quote

    for payload in (SHORT, '"><svg onload=window.__xss=1>', "javascript:window.__xss=1", "{{7*7}}XSS{{7*7}}"):
        url = template.format(p=quote(payload, safe=""))
        for headers in ({}, {"HX-Request": "true"}):  # the page, and its htmx fragment
            response = anonymous.get(url, headers=headers, expect_errors=True)
            assert response.status_int < 500, (url, headers)
            if response.content_type == "text/html":
                found = live_parts(response.body, site_scripts)
                assert not found, f"{url} {headers}: live payload:\n" + "\n".join(found)
                assert "XSS49XSS" not in response.text and "49XSS49" not in response.text, url
