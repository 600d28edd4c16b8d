"""Announcements: publishing with a deadline, expiry out of the lists, filters, permissions,
feeds, the home pages' "open announcements"."""
from datetime import timedelta

from sqlalchemy import func, select

from csti.models import Announcement
from csti.models.announcements import local_today
from tests.conftest import csrf_headers, login


def _form(testapp, **values):
    form = testapp.get("/announcements/new").forms["announcement-form"]
    for key, value in values.items():
        form[key] = value
    return form


def _announcement(db, territory, title, deadline=None, kind="call_partners", status="published", author=None,
                  owners=()):
    item = Announcement(title=title, territory=territory, announcement_kind=kind, deadline=deadline,
                        author=author, summary=f"Résumé de {title}")
    item.owners = list(owners)
    if status == "published":
        item.publish()
    else:
        item.status = status
    db.session.add(item)
    db.session.commit()
    return item


def test_contributor_publishes_an_announcement_with_a_deadline(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    deadline = local_today() + timedelta(days=10)
    response = _form(testapp_en, title="Recherche un fablab partenaire", announcement_kind="call_partners",
                     territory=str(territory.id), deadline=deadline.isoformat(), link="https://example.org/appel",
                     contact_email="contact@example.org", body="Pour un **atelier** en mars.",
                     tags="fabrication, partenariat").submit("action", value="publish")
    assert response.status_int == 303
    db.session.rollback()
    item = db.session.scalar(select(Announcement))
    assert (item.status, item.deadline, item.announcement_kind) == ("published", deadline, "call_partners")
    assert [t.slug for t in item.tags] == ["fabrication", "partenariat"]
    page = response.follow()
    assert "<strong>atelier</strong>" in page.text
    assert page.html.find("a", href="https://example.org/appel") is not None
    listing = testapp_en.get("/announcements")
    assert listing.html.find("a", string="Recherche un fablab partenaire") is not None


def test_member_announcement_waits_for_review(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="m@example.org", roles={territory: "member"})
    login(testapp_en, "m@example.org")
    _form(testapp_en, title="Bénévoles pour la Fête de la science", announcement_kind="volunteering",
          territory=str(territory.id)).submit("action", value="publish")
    db.session.rollback()
    item = db.session.scalar(select(Announcement))
    assert item.status == "pending"
    anonymous_listing = testapp_en.get("/announcements")
    assert "Bénévoles" not in anonymous_listing.text


def test_a_deadline_in_the_past_is_refused_and_nothing_is_saved(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    past = local_today() - timedelta(days=1)
    response = _form(testapp_en, title="Trop tard", territory=str(territory.id), deadline=past.isoformat(),
                     body="Le texte reste là").submit("action", value="publish", expect_errors=True)
    assert response.status_int == 422
    error = response.html.find(id="deadline-error")
    assert error is not None and "already past" in error.text
    assert "Le texte reste là" in response.html.find(id="body").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(Announcement.id))) == 0


def test_bad_link_and_email_get_messages(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    response = _form(testapp_en, title="Lien douteux", territory=str(territory.id), link="javascript:alert(1)",
                     contact_email="pas-une-adresse").submit("action", value="publish", expect_errors=True)
    assert response.status_int == 422
    assert response.html.find(id="link-error") is not None
    assert response.html.find(id="contact_email-error") is not None
    db.session.rollback()
    assert db.session.scalar(select(func.count(Announcement.id))) == 0


def test_expired_announcements_leave_the_lists_but_keep_their_page(testapp_en, db, factory):
    territory = factory.territory()
    today = local_today()
    _announcement(db, territory, "Appel encore ouvert", deadline=today)
    _announcement(db, territory, "Sans date limite")
    expired = _announcement(db, territory, "Appel expiré", deadline=today - timedelta(days=3))
    listing = testapp_en.get("/announcements")
    titles = [a.text for a in listing.html.select("#results h3 a")]
    assert titles == ["Appel encore ouvert", "Sans date limite"]  # closest deadline first
    archive = testapp_en.get("/announcements?expired=1")
    assert [a.text for a in archive.html.select("#results h3 a")] == ["Appel expiré"]
    page = testapp_en.get(f"/announcement/{expired.id}", status="*").maybe_follow()
    assert "has expired" in page.text
    home = testapp_en.get(f"/t/{territory.slug}")
    section = home.html.find(id="announcements-title").parent
    assert "Appel encore ouvert" in section.text and "Appel expiré" not in section.text
    feed = testapp_en.get("/announcements.atom")
    assert "Appel encore ouvert" in feed.text and "Appel expiré" not in feed.text


def test_filters_by_kind_territory_and_text_with_htmx_fragment(testapp_en, db, factory):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    _announcement(db, occitanie, "Stage en médiation", kind="job")
    _announcement(db, bretagne, "Stage au planétarium", kind="job")
    _announcement(db, occitanie, "Prêt d'une exposition", kind="lending")
    page = testapp_en.get("/announcements?kind=job&territory=occitanie")
    assert [a.text for a in page.html.select("#results h3 a")] == ["Stage en médiation"]
    fragment = testapp_en.get("/announcements", {"q": "planétarium"}, headers={"HX-Request": "true"})
    assert fragment.headers["Vary"].find("HX-Request") >= 0
    assert "<html" not in fragment.text and "Stage au planétarium" in fragment.text
    assert "Stage en médiation" not in fragment.text
    # A bad value is ignored, not an error.
    assert testapp_en.get("/announcements?kind=nope&page=-4").status_int == 200


def test_only_author_structure_managers_and_animators_edit(testapp_en, db, factory, make_actor):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    manager = factory.user(email="manager@example.org")
    other_manager = factory.user(email="other@example.org")
    factory.user(email="anim@example.org", roles={territory: "animator"})
    structure = make_actor(territory, "Fablab du Lez", managers=[manager])
    make_actor(territory, "Autre structure", managers=[other_manager])
    item = _announcement(db, territory, "Appel à projets", author=author, owners=[structure])
    item_id = item.id
    for email, status in (("other@example.org", 403), ("manager@example.org", 200), ("anim@example.org", 200),
                          ("a@example.org", 200)):
        testapp_en.reset()
        login(testapp_en, email)
        assert testapp_en.get(f"/announcement/{item_id}/edit", expect_errors=True).status_int == status, email
    testapp_en.reset()
    login(testapp_en, "other@example.org")
    page = testapp_en.get(f"/announcement/{item_id}").maybe_follow()
    response = testapp_en.post(f"/announcement/{item_id}/edit", {"title": "Piraté", "territory": territory.id},
                               headers=csrf_headers(page), expect_errors=True)
    assert response.status_int == 403
    db.session.rollback()
    assert db.session.get(Announcement, item_id).title == "Appel à projets"


def test_an_expired_announcement_can_still_be_edited_without_moving_its_deadline(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    old = local_today() - timedelta(days=30)
    item = _announcement(db, territory, "Ancien appel", deadline=old, author=author)
    login(testapp_en, "a@example.org")
    form = testapp_en.get(f"/announcement/{item.id}/edit").forms["announcement-form"]
    assert form["deadline"].value == old.isoformat()
    form["summary"] = "Résultats publiés."
    assert form.submit("action", value="publish").status_int == 303
    db.session.rollback()
    assert db.session.get(Announcement, item.id).summary == "Résultats publiés."


def test_xss_in_announcement_fields_is_inert(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = _form(testapp_en, title=payload, summary=payload, body=payload,
                     territory=str(territory.id)).submit("action", value="publish")
    page = response.follow()
    assert "<script>alert(1)</script>" not in page.text
    assert 'onerror="alert(2)"' not in page.text
    assert page.html.find("h1", id="item-title").text == payload  # shown as text


def test_unconfirmed_member_cannot_publish(testapp_en, db, factory):
    factory.territory()
    factory.user(email="new@example.org", confirmed=False)
    login(testapp_en, "new@example.org")
    assert testapp_en.get("/announcements/new", expect_errors=True).status_int == 403


def test_members_comment_on_an_announcement(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="m@example.org", name="Camille", roles={territory: "member"})
    item = _announcement(db, territory, "Appel à bénévoles")
    login(testapp_en, "m@example.org")
    form = testapp_en.get(f"/announcement/{item.id}").maybe_follow().forms[f"comment-form-{item.id}"]
    form["body"] = "Je suis disponible le samedi."
    page = form.submit().maybe_follow()
    assert "Je suis disponible le samedi." in page.text
