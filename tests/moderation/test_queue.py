"""The moderation queue, written once for every content type: what members proposed waits for
the animators of its territory, who publish it or reject it with a reason the author receives."""
from sqlalchemy import select

from csti.models import Announcement, Article, AuditLog, Notification, Project
from tests.conftest import csrf_headers, login


def _pending(db, model, territory, author, title, **fields):
    item = model(title=title, territory=territory, author=author, status="pending", **fields)
    db.session.add(item)
    db.session.commit()
    return item


def _setup(db, factory):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    author = factory.user(email="author@example.org", name="Aude", roles={occitanie: "member"}, locale="en")
    factory.user(email="anim@example.org", roles={occitanie: "animator"})
    article = _pending(db, Article, occitanie, author, "Un article proposé")
    project = _pending(db, Project, occitanie, author, "Un projet proposé")
    breton = _pending(db, Announcement, bretagne, author, "Une annonce bretonne")
    return occitanie, article, project, breton


def test_animators_see_what_waits_in_their_territories(testapp_en, db, factory):
    _occitanie, article, project, breton = _setup(db, factory)
    login(testapp_en, "anim@example.org")
    home = testapp_en.get("/")
    link = home.html.find("a", href="/moderation")
    assert link is not None and "2" in link.text  # the count of what waits
    page = testapp_en.get("/moderation")
    rows = [th.a.text for th in page.html.select("table.moderation tbody th")]
    assert rows == ["Un article proposé", "Un projet proposé"]  # oldest first, not Bretagne's
    only_projects = testapp_en.get("/moderation?kind=project", headers={"HX-Request": "true"})
    assert "<html" not in only_projects.text
    assert "Un projet proposé" in only_projects.text and "Un article proposé" not in only_projects.text


def test_publishing_in_place_tells_the_author(testapp_en, db, factory, mails):
    _occitanie, article, _project, _breton = _setup(db, factory)
    login(testapp_en, "anim@example.org")
    page = testapp_en.get("/moderation")
    row = testapp_en.post(f"/content/{article.id}/approve", headers=csrf_headers(page))
    assert row.text.strip().startswith(f'<tr id="pending-{article.id}"') and "Published" in row.text
    db.session.rollback()
    assert db.session.get(Article, article.id).status == "published"
    assert mails[-1].to == ["author@example.org"] and "now published" in mails[-1].body
    assert db.session.scalar(select(Notification.kind).where(Notification.content_id == article.id)) == "approved"
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "article.approved")) is not None
    # A second click (or another animator) changes nothing.
    again = testapp_en.post(f"/content/{article.id}/approve", headers=csrf_headers(page))
    assert "Published" in again.text and len(mails) == 1


def test_rejecting_needs_a_reason_and_sends_it(testapp_en, db, factory, mails):
    _occitanie, _article, project, _breton = _setup(db, factory)
    login(testapp_en, "anim@example.org")
    form = next(f for f in testapp_en.get("/moderation").forms.values()
                if f.action.endswith(f"/content/{project.id}/reject"))
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert response.html.find(id=f"reason-{project.id}-error") is not None
    db.session.rollback()
    assert db.session.get(Project, project.id).status == "pending" and mails == []
    form = next(f for f in response.forms.values() if f.action.endswith(f"/content/{project.id}/reject"))
    form["reason"] = "Merci de préciser le territoire du projet."
    assert form.submit().status_int == 303
    db.session.rollback()
    item = db.session.get(Project, project.id)
    assert (item.status, item.moderation_note) == ("rejected", "Merci de préciser le territoire du projet.")
    assert "Merci de préciser le territoire du projet." in mails[-1].body


def test_others_cannot_moderate(testapp_en, db, factory):
    occitanie, article, _project, breton = _setup(db, factory)
    factory.user(email="member@example.org", roles={occitanie: "member"})
    login(testapp_en, "member@example.org")
    assert testapp_en.get("/moderation", expect_errors=True).status_int == 403
    page = testapp_en.get("/")
    assert page.html.find("a", href="/moderation") is None
    assert testapp_en.post(f"/content/{article.id}/approve", headers=csrf_headers(page),
                           expect_errors=True).status_int == 403
    testapp_en.reset()
    login(testapp_en, "anim@example.org")  # animates Occitanie, not Bretagne
    page = testapp_en.get("/moderation")
    assert testapp_en.post(f"/content/{breton.id}/approve", headers=csrf_headers(page),
                           expect_errors=True).status_int == 403
    db.session.rollback()
    assert db.session.get(Article, article.id).status == "pending"
    assert db.session.get(Announcement, breton.id).status == "pending"


def test_the_mail_is_signed_with_french_elision(testapp_en, db, factory, mails):
    """Issue #13: "l’équipe d’animation d’Occitanie", not "de Occitanie"; "de Bretagne" stays;
    English is untouched."""
    _occitanie, article, _project, breton = _setup(db, factory)
    aude = db.session.scalar(select(Article).where(Article.id == article.id)).author
    aude.locale = "fr"
    db.session.commit()
    factory.user(email="anim-bzh@example.org", roles={breton.territory: "animator"})
    login(testapp_en, "anim@example.org")
    testapp_en.post(f"/content/{article.id}/approve", headers=csrf_headers(testapp_en.get("/moderation")))
    assert "animation d’Occitanie" in mails[-1].body and "de Occitanie" not in mails[-1].body
    login(testapp_en, "anim-bzh@example.org")
    testapp_en.post(f"/content/{breton.id}/approve", headers=csrf_headers(testapp_en.get("/moderation")))
    assert "animation de Bretagne" in mails[-1].body
    db.session.rollback()
    db.session.get(type(aude), aude.id).locale = "en"
    db.session.commit()
    login(testapp_en, "anim@example.org")
    testapp_en.post(f"/content/{_project.id}/approve", headers=csrf_headers(testapp_en.get("/moderation")))
    assert "— The animators of Occitanie" in mails[-1].body


def test_elide_only_before_a_vowel():
    from csti.text import elide

    assert elide("L’équipe de Occitanie et de Bretagne", "Occitanie", "Bretagne") \
        == "L’équipe d’Occitanie et de Bretagne"
    assert elide("Le Hérault, la Isère, que Anne, De Ariège", "Hérault", "Isère", "Anne", "Ariège") \
        == "Le Hérault, l’Isère, qu’Anne, D’Ariège"
    assert elide("Message de Haute-Garonne", "Haute-Garonne") == "Message de Haute-Garonne"
    assert elide("Rôle de Éloïse; Monde Éloïse", "Éloïse") == "Rôle d’Éloïse; Monde Éloïse"
