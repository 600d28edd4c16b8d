"""Control characters never get in: every text field of every form is cleaned on input
(``csti.forms.Form``), and the few inputs read without a form too. Text pasted from Word keeps
its typographic characters (non-breaking spaces, curly quotes, dashes, guillemets)."""
import importlib
import pkgutil

from flask_wtf import FlaskForm
from sqlalchemy import select

import csti.blueprints
from csti.forms import Form
from csti.models import Article, Comment, Event, Project, User
from tests.conftest import csrf_headers, login

TYPOGRAPHIC = "L’atelier « robotique » — été\u00a0: “œuvres” … 3×2"
PASTED = f"Début\x0b{TYPOGRAPHIC}\x0c\x00\x1b[0m\x7f\x85\x9f fin\r\nligne 2\rligne 3\tcolonne"
CLEANED = f"Début{TYPOGRAPHIC}[0m fin\nligne 2\nligne 3\tcolonne"


def test_every_form_cleans_its_text():
    """Every form of the application derives from ``csti.forms.Form``."""
    for module in pkgutil.walk_packages(csti.blueprints.__path__, "csti.blueprints."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("csti.")]
    assert len(forms) > 20
    assert [cls.__qualname__ for cls in forms if not issubclass(cls, Form)] == []


def test_an_article_pasted_from_word(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = testapp_en.get("/articles/new").forms["article-form"]
    form["title"] = f"Titre\x0b{TYPOGRAPHIC}\x00"
    form["summary"] = PASTED
    form["body"] = PASTED
    form["tags"] = "Robotique\x1b, Sciences\x0c"
    form["territory"] = str(territory.id)
    form.submit("action", value="publish", status=303)
    db.session.rollback()
    article = db.session.scalar(select(Article))
    assert article.summary == CLEANED and article.body == CLEANED
    assert "\x1b" not in article.body_html and "L’atelier « robotique » — été&nbsp;: “œuvres”" in article.body_html
    assert article.title.startswith("Titre") and "L’atelier « robotique » — été" in article.title
    assert not any(c in article.title for c in "\x0b\x00")
    assert sorted(tag.name for tag in article.tags) == ["Robotique", "Sciences"]


def test_an_event_pasted_from_word(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = testapp_en.get("/events/new").forms["event-form"]
    for key, value in {"title": "Nuit\x0c des étoiles\x1b", "event_kind": "talk", "territory": str(territory.id),
                       "summary": PASTED, "body": PASTED, "starts_at": "2030-08-12T21:00",
                       "ends_at": "2030-08-12T23:30", "venue_name": f"Parc\x00 {TYPOGRAPHIC}",
                       "address": "Chemin\x0b des Crêtes", "postcode": "31000", "price": "free",
                       "price_text": "5\u00a0€\x1b", "registration_mode": "none"}.items():
        form[key] = value
    form.submit("action", value="publish", status=303)
    db.session.rollback()
    event = db.session.scalar(select(Event))
    assert event.summary == CLEANED and event.body == CLEANED
    assert event.venue_name == f"Parc {TYPOGRAPHIC}" and event.address == "Chemin des Crêtes"
    assert "\x0c" not in event.title and "\x1b" not in event.title


def test_a_comment_pasted_from_word(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="author@example.org")
    factory.user(email="reader@example.org")
    page = factory.page(territory=territory, author=author)
    login(testapp_en, "reader@example.org")
    form = testapp_en.get(f"/page/{page.id}-{page.slug}").forms[f"comment-form-{page.id}"]
    form["body"] = PASTED
    form.submit(status=303)
    # And with htmx.
    shown = testapp_en.get(f"/page/{page.id}-{page.slug}")
    testapp_en.post(f"/content/{page.id}/comments", {"body": "Bravo\x1b\x0b !"}, headers=csrf_headers(shown))
    db.session.rollback()
    assert sorted(c.body for c in db.session.scalars(select(Comment))) == ["Bravo !", CLEANED]


def test_a_name_and_a_rejection_reason(testapp_en, db, factory):
    territory = factory.territory()
    member = factory.user(email="m@example.org", roles={territory: "member"})
    factory.user(email="anim@example.org", roles={territory: "animator"})
    project = Project(title="Projet", territory=territory, author=member, status="pending")
    db.session.add(project)
    db.session.commit()
    login(testapp_en, "anim@example.org")
    page = testapp_en.get("/moderation")
    testapp_en.post(f"/content/{project.id}/reject", {"reason": "Précisez\x00\x0b le « territoire »\x1b."},
                    headers=csrf_headers(page))
    db.session.rollback()
    assert db.session.get(Project, project.id).moderation_note == "Précisez le « territoire »."
    login(testapp_en, "m@example.org")
    form = testapp_en.get("/account").forms["profile-form"]
    form["name"] = "Aude\x1b\u00a0Martin\x0c"
    form.submit()
    db.session.rollback()
    assert db.session.get(User, member.id).name == "Aude\u00a0Martin"
