"""A member publishes without review only in a territory where they have that right (contributor
or animator of THAT territory, a member of a territory that trusts its members, or an admin);
anything else waits for the animators of the territory it is in — moving a published item to
another territory included."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from csti.blueprints.events.schedule import schedule
from csti.models import Announcement, Article, Dossier, Event, Project
from csti.models.base import utcnow
from tests.conftest import login


@pytest.fixture
def two_territories(factory):
    t1 = factory.territory(slug="t1", name="Territoire Un")
    # T2 even trusts its members: being a contributor of T1 does not make one a member of T2.
    t2 = factory.territory(slug="t2", name="Territoire Deux", publish_policy="everyone")
    return t1, t2


NEW_FORMS = {
    Article: ("/articles/new", "article-form"),
    Announcement: ("/announcements/new", "announcement-form"),
    Project: ("/projects/new", "project-form"),
    Dossier: ("/dossiers/new", "dossier-form"),
}


@pytest.mark.parametrize("model", list(NEW_FORMS))
def test_contributor_of_one_territory_creating_in_another_waits_for_review(testapp_en, db, factory,
                                                                           two_territories, model):
    t1, t2 = two_territories
    factory.user(email="c@example.org", roles={t1: "contributor"})
    login(testapp_en, "c@example.org")
    url, form_id = NEW_FORMS[model]
    form = testapp_en.get(url).forms[form_id]
    form["title"] = "Publié ailleurs"
    form["territory"] = str(t2.id)
    if "body" in form.fields:
        form["body"] = "Du texte"
    if model is Announcement:
        form["announcement_kind"] = form["announcement_kind"].options[1][0]
    response = form.submit("action", value="publish") if "action" in form.fields else form.submit()
    assert response.status_int == 303, response.text
    db.session.rollback()
    item = db.session.scalar(select(model))
    assert (item.territory_id, item.status) == (t2.id, "pending")
    # …while in their own territory it is published at once.
    form = testapp_en.get(url).forms[form_id]
    form["title"] = "Publié chez moi"
    form["territory"] = str(t1.id)
    if model is Announcement:
        form["announcement_kind"] = form["announcement_kind"].options[1][0]
    (form.submit("action", value="publish") if "action" in form.fields else form.submit()).maybe_follow()
    db.session.rollback()
    assert db.session.scalar(select(model.status).where(model.title == "Publié chez moi")) == "published"


def test_a_member_of_a_trusting_territory_still_publishes_there(testapp_en, db, factory, two_territories):
    _t1, t2 = two_territories
    factory.user(email="m@example.org", roles={t2: "member"})
    login(testapp_en, "m@example.org")
    form = testapp_en.get("/articles/new").forms["article-form"]
    form["title"], form["body"], form["territory"] = "Confiance", "x", str(t2.id)
    form.submit("action", value="publish")
    db.session.rollback()
    assert db.session.scalar(select(Article.status)) == "published"


def _published(db, model, territory, author, **fields):
    item = model(title="Déjà publié", body="x", territory=territory, author=author, **fields)
    item.publish()
    db.session.add(item)
    db.session.commit()
    return item


@pytest.mark.parametrize("model", [Article, Project, Dossier])
def test_moving_a_published_item_to_another_territory_sends_it_back_to_review(testapp_en, db, factory,
                                                                              two_territories, model):
    t1, t2 = two_territories
    author = factory.user(email="c@example.org", roles={t1: "contributor"})
    item = _published(db, model, t1, author)
    login(testapp_en, "c@example.org")
    form = testapp_en.get(f"/{model.__mapper_args__['polymorphic_identity']}/{item.id}/edit").forms[
        f"{model.__mapper_args__['polymorphic_identity']}-form"]
    form["territory"] = str(t2.id)
    response = form.submit("action", value="publish") if "action" in form.fields else form.submit()
    assert response.status_int == 303
    db.session.rollback()
    item = db.session.get(model, item.id)
    assert (item.territory_id, item.status) == (t2.id, "pending")
    testapp_en.reset()
    assert "Déjà publié" not in testapp_en.get(f"/t/{t2.slug}").text


def test_moving_within_ones_own_territories_keeps_it_published(testapp_en, db, factory, two_territories):
    t1, t2 = two_territories
    author = factory.user(email="c@example.org", roles={t1: "contributor", t2: "contributor"})
    item = _published(db, Article, t1, author)
    login(testapp_en, "c@example.org")
    form = testapp_en.get(f"/article/{item.id}/edit").forms["article-form"]
    form["territory"] = str(t2.id)
    form.submit("action", value="publish")
    db.session.rollback()
    assert db.session.get(Article, item.id).status == "published"


def test_moving_a_published_event_sends_it_back_to_review(testapp_en, db, factory, two_territories):
    t1, t2 = two_territories
    author = factory.user(email="c@example.org", roles={t1: "contributor"})
    event = Event(title="Nuit des étoiles", event_kind="talk", territory=t1, author=author)
    start = (utcnow() + timedelta(days=10)).replace(tzinfo=None, microsecond=0)
    schedule(event, start, start + timedelta(hours=2), False, "none", None, [], [])
    event.publish()
    db.session.add(event)
    db.session.commit()
    login(testapp_en, "c@example.org")
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["territory"] = str(t2.id)
    page = form.submit().follow()
    assert "The animators will review the event" in page.text
    db.session.rollback()
    event = db.session.get(Event, event.id)
    assert (event.territory_id, event.status) == (t2.id, "pending")
