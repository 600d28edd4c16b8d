"""Every kind of page is valid HTML for the W3C Nu checker (vnu.jar, from `make test-assets`).

The pages are rendered with WebTest on a small complete site, written to files and checked in
one run of the checker (it starts a JVM: once is enough). Every listed type's list, page (as
anybody and as its author) and forms are derived from the registry, on the type's sample
(``tests/samples.py``); the other pages are listed here. Every page is rendered in French,
then again in English (each client switched by ``/lang/en``, the account's locale for those
logged in), and both checked in the same run."""
import json
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from webtest import TestApp

from csti.models import Content

from . import samples
from .conftest import isolated, login
from .needs import VNU_JAR, missing, need_java, need_node_package
from .sample_site import build
from .surveys.pages import sample_surveys

# htmx's attributes are not HTML's: the checker's only complaint about them is that it does not
# know them. Anything else about an element carrying them is still reported.
IGNORED = [re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$")]
HTMX_ONLY = r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$"
LANGUAGES = ("fr", "en")
# The header's search button is on every page but the widgets: a translated string, the proof
# that a page is really in its language (its <html lang> alone is not).
SEARCH_BUTTON = {"fr": ">Rechercher</button>", "en": ">Search</button>"}
# Pages in one language whatever the visitor's: a survey only in French is answered in French,
# its interface too (blueprints/surveys/routes.py, _answer_page).
ONE_LANGUAGE = {"survey-answer-fr-only": "fr"}


def _pages(app, site):
    anonymous = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    author = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    admin = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    member = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.4"})
    assert login(author, site["author"]).status_int == 303
    assert login(admin, site["admin"]).status_int == 303
    assert login(member, site["member"]).status_int == 303
    sanctioned = _sanctioned_member(app)
    _partner_guide(app, site["dossier_id"])
    survey, question = _survey(app, site)
    pages = [
        ("home", anonymous, "/", 200),
        ("territory", anonymous, site["territory"], 200),
        ("page", anonymous, site["page"], 200),
        ("page-as-author", author, site["page"], 200),  # with the tag editor
        ("tags", anonymous, "/tags", 200),
        ("api-documentation", anonymous, "/api", 200),  # issue #18: the API's page, its live examples
        ("tag", anonymous, site["tag"], 200),
        ("login", anonymous, "/login", 200),
        ("register", anonymous, "/register", 200),
        ("forgot", anonymous, "/forgot", 200),
        ("not-found", anonymous, "/no-such-page", 404),
        ("account", author, "/account", 200),
        ("api-keys", author, "/account/api-keys", 200),  # a used key and a revoke button (issue #18)
        ("api-keys-empty", member, "/account/api-keys", 200),
        ("admin", admin, "/admin", 200),
        ("moderation", admin, "/moderation", 200),
        ("stats", admin, "/admin/stats", 200),  # SVG charts and their tables
        ("stats-territory", admin, site["territory"] + "/stats", 200),
        ("stats-refused", admin, site["territory"] + "/stats?from=2025-12-31&to=2025-01-01", 422),
        ("roles", admin, site["roles"], 200),
        ("territory-settings", admin, site["territory"] + "/settings", 200),
        ("territory-audit", admin, site["territory"] + "/audit", 200),  # roles and decisions of the site
        ("admin-audit", admin, "/admin/audit", 200),
        ("admin-territory", admin, "/admin/territories/" + site["territory"].rsplit("/", 1)[-1], 200),
        ("actors-filtered", anonymous, "/actors?kind=museum", 200),
        ("museum", anonymous, site["actor"], 200),  # a venue and owner: its events and publications
        ("museum-as-manager", author, site["actor"], 200),
        ("agenda-calendar", anonymous, "/agenda?view=calendar", 200),
        ("agenda-map", anonymous, "/agenda?view=map", 200),
        ("trainings", anonymous, "/trainings", 200),
        ("training", anonymous, site["training"], 200),
        ("formats", anonymous, "/formats", 200),
        ("project-help", admin, site["project"].split("-")[0] + "/help", 200),
        ("dossier-private", author, site["private_dossier"], 200),
        ("my-dossiers", author, "/me/dossiers", 200),
        ("my-content", author, "/me/content", 200),  # every status, edit links
        ("my-feed", member, "/me/feed", 200),  # cards with why they are there
        ("my-feed-empty", admin, "/me/feed", 200),
        ("home-member", member, "/", 200),  # her feed and next registrations first
        ("welcome", admin, "/welcome", 200),  # suggestions with follow buttons
        ("my-follows", member, "/me/follows", 200),  # a row in every section
        ("my-follows-empty", author, "/me/follows", 200),
        ("notifications", member, "/notifications", 200),  # every kind, the header's badge
        ("member-tag", member, site["tag"], 200),  # the Follow button, pressed
        ("dossier-delete", author, f"/dossier/{site['dossier_id']}/delete", 200),
        ("dossier-picker", author, f"/content/{site['article_id']}/dossiers", 200),
        ("take-down", admin, f"/content/{site['article_id']}/take-down", 200),  # the reason required
        ("take-down-own", author, f"/content/{site['article_id']}/take-down", 200),
        ("reports", admin, "/moderation/reports", 200),  # "Hide the item" with its reason
        ("search", anonymous, "/search", 200),
        ("search-results", anonymous, "/search?q=astronomie", 200),  # facets, excerpts
        ("search-filtered", anonymous, "/search?q=etoiles&kind=event&upcoming=1&tag=astronomie", 200),
        ("search-did-you-mean", anonymous, "/search?q=astronomei", 200),
        ("tag-merge", admin, "/tags/merge?source=" + site["tag"].rsplit("/", 1)[1], 200),
        ("actor-merge", admin, "/actors/merge?duplicate=" + site["actor"].split("/")[2].split("-")[0], 200),
        ("museum-as-admin", admin, site["actor"], 200),  # "This is a duplicate of…"
        ("profile-as-admin", admin, f"/members/{sanctioned}", 200),  # "Suspended until…", the link
        ("sanction-form", admin, f"/members/{sanctioned}/sanction", 200),
        ("sanctions", admin, "/sanctions", 200),  # a row with its lift form
        ("resources-filtered", anonymous, "/resources?from=2030-01-01&to=2030-01-05&audience=libraries&free=0", 200),
        ("resources-refused", anonymous, "/resources?from=2030-01-10&to=2030-01-01", 422),  # next to the date
        # loans (tests/resources/test_bookings.py): the author manages the museum, lender and borrower
        ("my-loans", author, "/me/loans", 200),  # answer forms
        ("my-requests", author, "/me/requests", 200),
        ("my-loans-filtered", author, "/me/loans?status=accepted&page=1", 200),  # one template for both lists
        ("my-requests-empty", member, "/me/requests", 200),  # "belong to a structure", the link
        ("booking", author, f"/booking/{site['booking_id']}", 200),
        ("resource-calendar", anonymous, f"/resource/{site['resource_id']}/calendar", 200),  # days lent
        ("partners", anonymous, "/partners", 200),
        ("partners-libraries", anonymous, "/partners/libraries", 200),  # a guide and a resource
        ("partners-filtered", anonymous, "/partners/libraries?territory=occitanie", 200),
        ("partners-empty", anonymous, "/partners/companies", 200),
        ("dossier-as-admin", admin, site["dossier"], 200),  # its guide badges, the partners' form
        # evaluation surveys (issue #17): the organiser's builder
        ("my-surveys", author, "/surveys/", 200),
        ("survey-new", author, f"/surveys/new?content={site['samples']['event'][0]}", 200),  # templates
        ("survey-edit", author, f"/surveys/{survey}", 200),  # settings in two languages, every kind
        ("survey-delete-question", author, f"/surveys/{survey}/questions/{question}/delete", 200),
        ("survey-delete", author, f"/surveys/{survey}/delete", 200),
        ("survey-share", author, f"/surveys/{survey}/share", 200),  # link, QR code
        ("survey-print", author, f"/surveys/{survey}/share?print=1", 200),
        ("event-as-organiser", author, site["event"], 200),  # "Evaluate this action", its surveys
        # survey results (tests/surveys/test_results.py): charts, tables, texts with Hide / Show again
        ("survey-results", author, f"/surveys/{site['survey_id']}/results", 200),
        ("survey-results-texts", author, f"/surveys/{site['survey_id']}/results?question={site['comment_id']}&page=2", 200),
        ("survey-compare", author, "/surveys/compare", 200),
        ("survey-compare-empty", member, "/surveys/compare", 200),
        # surveys (issue #17): the public answer page, its states and the thanks page
        ("survey-answer", anonymous, site["survey"], 200),
        ("survey-answer-fr-only", member, site["survey_fr"], 200),
        ("survey-closed", anonymous, site["survey_closed"], 410),
        ("survey-thanks", anonymous, site["survey"] + "/thanks", 200),
        # embeddable widgets (issue #18): the Embed page, its refusals, the widgets and theirs
        ("embed", anonymous, "/embed", 200),
        ("embed-news", anonymous, "/embed?widget=news&territory=occitanie&tag=astronomie&color=%23ffcc00"
                                  "&theme=dark&lang=en&images=off&height=400", 200),
        ("embed-refused", anonymous, "/embed?territory=nowhere&limit=0&color=red", 400),
        ("widget-agenda", anonymous, "/embed/agenda?color=%23c00", 200),
        ("widget-news", anonymous, "/embed/news?theme=dark&lang=en", 200),
        ("widget-refused", anonymous, "/embed/agenda?limit=0&lang=de", 400),
    ]
    return pages + _type_pages(app, site, anonymous, author)


def _sanctioned_member(app) -> int:
    """A member of no page above, suspended for a week: the id of their profile."""
    from datetime import timedelta

    from csti.extensions import db
    from csti.models import AccountSanction, User
    from csti.models.base import utcnow

    with app.app_context():
        user = User(email="suspendu@example.org", name="Suspendu", password_hash="", email_confirmed_at=utcnow())
        db.session.add(user)
        db.session.flush()
        db.session.add(AccountSanction(user_id=user.id, kind="suspend", reason="Des insultes", starts_at=utcnow(),
                                       ends_at=utcnow() + timedelta(days=7), hidden_content=[], hidden_comments=[],
                                       lift_reason=""))
        db.session.commit()
        return user.id


def _survey(app, site) -> tuple[int, int]:
    """A survey in French and English on the sample event, by its author: (its id, a question's)."""
    from csti.blueprints.surveys.templates import create_survey
    from csti.extensions import db
    from csti.models import Content, User
    from csti.models.surveys import Question

    with app.app_context():
        author = db.session.query(User).filter_by(email=site["author"]).one()
        event = db.session.get(Content, site["samples"]["event"][0])
        survey = create_survey(author, template="complete", content=event, languages="fr,en")
        survey.questions.append(Question(position=9, kind="short", text_fr="Votre ville ?", text_en="Your town?"))
        db.session.commit()
        return survey.id, survey.questions[0].id


def _partner_guide(app, dossier_id) -> None:
    """The sample dossier presented as a guide for libraries and tourism (the partners' pages)."""
    from csti.extensions import db
    from csti.models import DossierPartner

    with app.app_context():
        db.session.add_all([DossierPartner(dossier_id=dossier_id, code=code) for code in ("libraries", "tourism")])
        db.session.commit()


def _type_pages(app, site, anonymous, author):
    """Every listed type's list, its sample's page (as anybody, and as its author: with the
    editing tools) and, where its blueprint has them, its new and edit forms."""
    pages = []
    with app.test_request_context():
        for content_type in samples.listed_types():
            (id, slug), kind = site["samples"][content_type.kind], content_type.kind
            show = url_for(content_type.model.view_endpoint, id=id, slug=slug)
            pages += [(content_type.blueprint, anonymous, url_for(content_type.list_endpoint), 200),
                      (kind, anonymous, show, 200),
                      (f"{kind}-as-author", author, show, 200)]
            if create := samples.endpoint(app, content_type, "create"):
                pages.append((f"{kind}-new", author, url_for(create), 200))
            if edit := samples.endpoint(app, content_type, "edit"):
                pages.append((f"{kind}-edit", author, url_for(edit, id=id), 200))
    return pages


def _follows_and_notifications(db, site):
    """The member follows a person, a structure, a tag and a project, and has a notification of
    every kind (unread: the header shows its badge)."""
    from sqlalchemy import select

    from csti.blueprints.follows.operations import follow
    from csti.models import Actor, Notification, Project, Tag, User

    member, author = (db.session.scalar(select(User).where(User.email == site[k])) for k in ("member", "author"))
    project = db.session.scalar(select(Project))
    for target in (author, db.session.scalar(select(Actor)), db.session.scalar(select(Tag)), project):
        follow(member, target)
    for kind in ("comment", "reply", "help", "approved", "rejected", "new_content", "content_update", "dossier_item",
                 "taken_down", "loan_request", "loan_accepted", "loan_declined", "loan_cancelled"):
        db.session.add(Notification(user_id=member.id, kind=kind, actor_id=author.id, content_id=project.id))
    # A deleted item's take-down: no item, its title and the reason in the note.
    db.session.add(Notification(user_id=member.id, kind="taken_down", actor_id=author.id, note="Un titre\nHors sujet"))
    # An event taken down: its registrants are told, its title in the note (no item).
    db.session.add(Notification(user_id=member.id, kind="registration_withdrawn", actor_id=author.id, note="Un atelier"))
    from csti.models.discussion import Report

    db.session.add(Report(content_id=project.id, reporter_id=member.id, reason="Publicité <b>déguisée</b>"))
    db.session.commit()


def _loans(db, site):
    """The sample resource asked for by the museum that owns it (its manager, the author, sees the
    request on both lists), and a loan accepted this month (days lent on the calendar)."""
    from datetime import timedelta

    from sqlalchemy import select

    from csti.blueprints.resources.bookings import today
    from csti.models import Resource, User

    author = db.session.scalar(select(User).where(User.email == site["author"]))
    resource = db.session.scalar(select(Resource))
    owner = resource.owners[0]
    from csti.models.resources import Booking

    start = today()
    asked = Booking(resource_id=resource.id, borrower_id=owner.id, requested_by_id=author.id,
                    starts_on=start + timedelta(days=40), ends_on=start + timedelta(days=44), message="Pour la rentrée.")
    lent = Booking(resource_id=resource.id, borrower_id=owner.id, requested_by_id=author.id, status="accepted",
                   starts_on=start, ends_on=start + timedelta(days=2), answer="D’accord.")
    db.session.add_all([asked, lent])
    db.session.commit()
    site["booking_id"], site["resource_id"] = asked.id, resource.id


def _survey_with_responses(db, site):
    """A "complete" survey of the author's with known responses (a hidden comment among them)."""
    from sqlalchemy import select

    from csti.blueprints.surveys.templates import create_survey
    from csti.models import User
    from tests.surveys.results_data import ROWS, add_responses

    author = db.session.scalar(select(User).where(User.email == site["author"]))
    survey = create_survey(author, template="complete", languages="fr,en", title_fr="Votre avis")
    survey.published = True
    db.session.commit()
    add_responses(db, survey, ROWS * 5)
    site["survey_id"], site["comment_id"] = survey.id, survey.questions[-1].id


def _api_key(db, site):
    """The author has an API key, used a while ago."""
    from datetime import timedelta

    from sqlalchemy import select

    from csti.apikeys import create_key
    from csti.models import User
    from csti.models.base import utcnow

    row, _key = create_key(db.session.scalar(select(User).where(User.email == site["author"])), "Site du musée")
    row.last_used_at = utcnow() - timedelta(hours=3)
    db.session.commit()


def _create_api_key(app, site):
    """The answer to creating an API key: the key shown once (201)."""
    client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.5"})
    assert login(client, site["author"]).status_int == 303
    form = client.get("/account/api-keys").forms["api-key-form"]
    form["name"] = "Agenda sur notre site"
    return form.submit(status=201)


def _assert_language(name, url, lang, html):
    """The page says it is in ``lang`` and is: the widgets (``/embed/<widget>``) are in the
    language their URL asks for (French by default), whatever the visitor's."""
    if url.startswith("/embed/"):
        asked = parse_qs(urlsplit(url).query).get("lang", [""])[0]
        assert re.search(r'<html lang="([a-z]+)"', html)[1] == (asked if asked in LANGUAGES else "fr"), name
        return
    lang = ONE_LANGUAGE.get(name.rsplit(".", 1)[0], lang)
    assert re.search(r'<html lang="([a-z]+)"', html)[1] == lang, name
    other = next(code for code in LANGUAGES if code != lang)
    assert SEARCH_BUTTON[lang] in html and SEARCH_BUTTON[other] not in html, f"{name} ({url}) is not in {lang}"


def test_only_htmx_attributes_are_ignored():
    """The checker's one known exception stays exactly the htmx attributes: nothing else is
    filtered out, whatever a page needs."""
    assert [p.pattern for p in IGNORED] == [HTMX_ONLY]
    (pattern,) = IGNORED
    assert pattern.match("Attribute “hx-post” not allowed on element “form” at this point.")
    for message in ("Attribute “data-x” not allowed on element “form” at this point.",
                    "Attribute “hx-post” not allowed on element “form” at this point. Also: an error.",
                    "Bad value “x” for attribute “hx-get” on element “a”.",
                    "Element “div” not allowed as child of element “ul” in this context."):
        assert not pattern.match(message), message


def _readable(messages, files):
    lines = []
    for m in messages:
        name = files.get(m.get("url", ""), m.get("url", "?"))
        lines.append(f"{name}:{m.get('lastLine', '?')}: {m.get('message')}\n    {m.get('extract', '').strip()}")
    return "\n".join(lines)


@pytest.mark.slow
def test_pages_are_valid_html(app, factory, tmp_path):
    java = need_java()
    need_node_package("vnu-jar")
    if not VNU_JAR.is_file():
        missing(f"{VNU_JAR} is missing: run `make test-assets`")

    site = build(factory)
    site.update(sample_surveys(factory.db, factory.db.session.get(Content, site["page_id"])))
    _follows_and_notifications(factory.db, site)
    _loans(factory.db, site)
    _survey_with_responses(factory.db, site)
    _api_key(factory.db, site)
    files = {}
    listed, pages = _pages(app, site), []
    for lang in LANGUAGES:
        if lang != "fr":  # French is the default: the other languages are chosen as a visitor does
            for client in {id(c): c for _name, c, _url, _status in listed}.values():
                assert client.get(f"/lang/{lang}").status_int == 303
        pages += [(f"{name}.{lang}", url, lang, client.get(url, status=status))
                  for name, client, url, status in listed]
        # shown once; the author's account is in the language by now (its locale)
        pages.append((f"api-key-created.{lang}", "POST /account/api-keys", lang, _create_api_key(app, site)))
    for name, url, lang, response in pages:
        assert response.content_type == "text/html", url
        _assert_language(name, url, lang, response.text)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.body)
        files[path.as_uri()] = f"{name} ({url})"
        files[f"file:{path}"] = files[path.as_uri()]

    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *sorted(str(p) for p in tmp_path.glob("*.html"))],
        capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [m for m in report["messages"]
              if m.get("type") in ("error", "non-document-error")
              and not any(p.match(m.get("message", "")) for p in IGNORED)]
    assert not errors, f"{len(errors)} HTML errors:\n{_readable(errors, files)}"
