"""Projects: writing, stages and needs, the team, the timeline, "I can help", permissions,
filters and feeds."""
import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from csti.models import Notification, Project, ProjectMember, ProjectNeed, ProjectUpdate
from tests.conftest import csrf_headers, login


def _project(db, territory, title="Robot pour la biodiversité", author=None, stage="in_progress", needs=(),
             status="published", members=(), owners=()):
    project = Project(title=title, territory=territory, author=author, stage=stage, summary=f"À propos : {title}")
    for kind, description, met in needs:
        project.needs.append(ProjectNeed(kind=kind, description=description, is_met=met))
    for user in members:
        project.members.append(ProjectMember(user=user))
    project.owners = list(owners)
    if status == "published":
        project.publish()
    else:
        project.status = status
    db.session.add(project)
    db.session.commit()
    return project


def _path(project):
    return f"/project/{project.id}-{project.slug}"


def test_contributor_presents_a_project(testapp_en, db, factory, make_actor):
    territory = factory.territory()
    author = factory.user(email="c@example.org", roles={territory: "contributor"})
    fablab = make_actor(territory, "Fablab du Lez", managers=[author])
    login(testapp_en, "c@example.org")
    form = testapp_en.get("/projects/new").forms["project-form"]
    form["title"] = "Capteurs citoyens de qualité de l'air"
    form["stage"] = "idea"
    form["territory"] = str(territory.id)
    form["body"] = "Des **capteurs** fabriqués avec les habitants."
    form["website"] = "https://example.org/air"
    form["owners"] = [str(fablab.id)]
    page = form.submit("action", value="publish").follow()
    db.session.rollback()
    project = db.session.scalar(select(Project))
    assert (project.status, project.stage, [a.id for a in project.owners]) == ("published", "idea", [fablab.id])
    assert "<strong>capteurs</strong>" in page.text
    assert page.html.find(id="need-form") is not None  # the author manages the needs


def test_a_bad_website_and_an_empty_title_keep_the_text(testapp_en, db, factory):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    login(testapp_en, "c@example.org")
    form = testapp_en.get("/projects/new").forms["project-form"]
    form["title"] = ""
    form["territory"] = str(territory.id)
    form["website"] = "ftp://example.org"
    form["body"] = "Un texte à ne pas perdre"
    response = form.submit("action", value="publish", expect_errors=True)
    assert response.status_int == 422
    assert response.html.find(id="title-error") and response.html.find(id="website-error")
    assert "Un texte à ne pas perdre" in response.html.find(id="body").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_team_lists_needs_and_marks_them_met_in_place(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    project = _project(db, territory, author=author)
    login(testapp_en, "a@example.org")
    form = testapp_en.get(_path(project)).forms["need-form"]
    form["kind"] = "funding"
    form["description"] = "5 000 € pour le matériel"
    page = form.submit().follow()
    assert "5 000 € pour le matériel" in page.html.find(id="needs").text
    db.session.rollback()
    need = db.session.scalar(select(ProjectNeed))
    assert (need.kind, need.is_met) == ("funding", False)
    fragment = testapp_en.post(f"/project/{project.id}/needs/{need.id}/met", headers=csrf_headers(page))
    assert fragment.text.strip().startswith(f'<li id="need-{need.id}"') and "met" in fragment.text
    db.session.rollback()
    assert db.session.get(ProjectNeed, need.id).is_met is True
    # Without JavaScript: the same POST redirects back to the need.
    page = testapp_en.get(_path(project))
    reopen = next(f for f in page.forms.values() if f.action.endswith(f"/needs/{need.id}/open"))
    response = reopen.submit()
    assert response.status_int == 303 and response.location.endswith(f"#need-{need.id}")
    db.session.rollback()
    assert db.session.get(ProjectNeed, need.id).is_met is False


def test_an_empty_need_is_refused_with_a_message(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    project = _project(db, territory, author=author)
    login(testapp_en, "a@example.org")
    form = testapp_en.get(_path(project)).forms["need-form"]
    form["description"] = "   "
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert response.html.find(id="description-error") is not None
    db.session.rollback()
    assert db.session.scalar(select(func.count(ProjectNeed.id))) == 0


def test_outsiders_cannot_touch_needs_team_or_timeline(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    factory.user(email="x@example.org", roles={territory: "member"})
    project = _project(db, territory, author=author, needs=[("venue", "Une salle", False)])
    need_id = project.needs[0].id
    login(testapp_en, "x@example.org")
    page = testapp_en.get(_path(project))
    assert page.html.find(id="need-form") is None and page.html.find(id="update-form") is None
    headers = csrf_headers(page)
    for url, data in ((f"/project/{project.id}/needs/{need_id}/met", {}),
                      (f"/project/{project.id}/needs/{need_id}/delete", {}),
                      (f"/project/{project.id}/needs", {"kind": "funding", "description": "x"}),
                      (f"/project/{project.id}/updates", {"body": "piraté"}),
                      (f"/project/{project.id}/team", {"email": "x@example.org"})):
        assert testapp_en.post(url, data, headers=headers, expect_errors=True).status_int == 403, url
    db.session.rollback()
    assert db.session.get(ProjectNeed, need_id).is_met is False
    assert db.session.scalar(select(func.count(ProjectNeed.id))) == 1
    assert db.session.scalar(select(func.count(ProjectUpdate.id))) == 0
    assert db.session.scalar(select(func.count(ProjectMember.id))) == 0


def test_team_grows_and_members_post_news(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    factory.user(email="b@example.org", name="Bastien")
    project = _project(db, territory, author=author)
    login(testapp_en, "a@example.org")
    form = testapp_en.get(_path(project)).forms["team-form"]
    form["email"] = "nobody@example.org"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and "No member of the site has this address" in response.text
    form = response.forms["team-form"]
    form["email"] = "B@example.org"
    form.submit().follow()
    again = testapp_en.get(_path(project)).forms["team-form"]
    again["email"] = "b@example.org"
    assert "already in the team" in again.submit(expect_errors=True).text
    # The new member posts news in the timeline.
    testapp_en.reset()
    login(testapp_en, "b@example.org")
    form = testapp_en.get(_path(project)).forms["update-form"]
    form["body"] = "Premier **prototype** testé !"
    page = form.submit().follow()
    assert "<strong>prototype</strong>" in page.html.find(id="timeline").decode_contents()
    assert page.html.find("a", href=f"/project/{project.id}/edit") is not None  # members edit the project


def test_i_can_help_reaches_the_team(testapp_en, db, factory, mails):
    territory = factory.territory()
    author = factory.user(email="a@example.org", name="Alice", roles={territory: "contributor"})
    member = factory.user(email="b@example.org", name="Bastien")
    factory.user(email="helper@example.org", name="Hélène", roles={territory: "member"})
    project = _project(db, territory, author=author, members=[member],
                       needs=[("volunteers", "Trois bénévoles le samedi", False), ("venue", "Une salle", True)])
    login(testapp_en, "helper@example.org")
    page = testapp_en.get(_path(project))
    form = page.click(href=f"/project/{project.id}/help").forms["help-form"]
    needs = [label for _value, _selected, label in form["need"].options]
    assert any("Trois bénévoles" in n for n in needs) and not any("Une salle" in n for n in needs)
    form["message"] = ""
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and mails == []
    form = response.forms["help-form"]
    form["need"] = str(project.needs[0].id)
    form["message"] = "Je suis disponible avec deux amis."
    form.submit().follow()
    assert sorted(m.to[0] for m in mails) == ["a@example.org", "b@example.org"]
    assert "helper@example.org" in mails[0].body and "Trois bénévoles" in mails[0].body
    assert "Je suis disponible avec deux amis." in mails[0].body
    db.session.rollback()
    notified = db.session.scalars(select(Notification.user_id).where(Notification.kind == "help")).all()
    assert sorted(notified) == sorted([author.id, member.id])
    testapp_en.reset()
    login(testapp_en, "a@example.org")
    assert "offers to help your project" in testapp_en.get("/notifications").text


def test_the_team_does_not_offer_help_to_itself(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    project = _project(db, territory, author=author)
    login(testapp_en, "a@example.org")
    assert testapp_en.get(f"/project/{project.id}/help", expect_errors=True).status_int == 409


def test_list_filters_by_open_need_and_stage_with_htmx(testapp_en, db, factory):
    territory = factory.territory(slug="bretagne", name="Bretagne")
    _project(db, territory, "Jardin partagé", stage="idea", needs=[("funding", "Subvention", False)])
    _project(db, territory, "Fusée à eau", stage="in_progress", needs=[("funding", "Matériel", True)])
    _project(db, territory, "Inventaire des algues", stage="finished")
    _project(db, territory, "Projet caché", status="pending", needs=[("funding", "x", False)])
    page = testapp_en.get("/projects?need=funding")
    assert [a.text for a in page.html.select("#results h3 a")] == ["Jardin partagé"]
    fragment = testapp_en.get("/projects", {"kind": "finished"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Inventaire des algues" in fragment.text
    assert "Fusée à eau" not in fragment.text
    assert testapp_en.get("/projects?need=<script>&kind=zzz&page=abc").status_int == 200
    feed = ET.fromstring(testapp_en.get("/projects.atom").body)
    titles = sorted(e.find("{http://www.w3.org/2005/Atom}title").text
                    for e in feed.iter("{http://www.w3.org/2005/Atom}entry"))
    assert titles == ["Fusée à eau", "Inventaire des algues", "Jardin partagé"]


def test_xss_in_needs_and_news_is_inert(testapp_en, db, factory):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    project = _project(db, territory, author=author)
    login(testapp_en, "a@example.org")
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    form = testapp_en.get(_path(project)).forms["need-form"]
    form["description"] = payload
    form.submit()
    form = testapp_en.get(_path(project)).forms["update-form"]
    form["body"] = payload
    page = form.submit().follow()
    assert "<script>alert(1)</script>" not in page.text and 'onerror="alert(2)"' not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # the need, shown as text
