""""I can help" (csti/blueprints/projects/domain.py): each person of the team is mailed in their
own language, and a mail server that fails neither loses the offer nor answers 500."""
import smtplib

from flask_mailman import EmailMessage
from sqlalchemy import select

from csti.models import AuditLog, Notification
from tests.conftest import login
from tests.projects.test_projects import _path, _project


def _offer(testapp, project, message="Je peux aider le samedi."):
    form = testapp.get(f"/project/{project.id}/help").forms["help-form"]
    form["message"] = message
    return form.submit()


def test_each_person_of_the_team_is_mailed_in_their_language(testapp_en, db, factory, mails):
    territory = factory.territory()
    author = factory.user(email="a@example.org", name="Alice", locale="en", roles={territory: "contributor"})
    member = factory.user(email="b@example.org", name="Bastien", locale="fr")
    factory.user(email="helper@example.org", name="Hélène", roles={territory: "member"})
    project = _project(db, territory, title="Fusée à eau", author=author, members=[member])
    login(testapp_en, "helper@example.org")  # the helper reads the site in English
    _offer(testapp_en, project).follow()
    sent = {m.to[0]: m for m in mails}
    assert sent["a@example.org"].subject == "Hélène can help your project “Fusée à eau”"
    assert "Hélène (helper@example.org) can help your project" in sent["a@example.org"].body
    assert sent["b@example.org"].subject == "Hélène peut aider votre projet « Fusée à eau »"
    assert "Hélène (helper@example.org) peut aider votre projet" in sent["b@example.org"].body


def test_a_failing_mail_server_keeps_the_offer_and_says_so(testapp_en, db, factory, mails, monkeypatch, caplog):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    factory.user(email="helper@example.org", name="Hélène", roles={territory: "member"})
    project = _project(db, territory, author=author)

    def down(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", down)
    login(testapp_en, "helper@example.org")
    response = _offer(testapp_en, project)
    assert response.status_int == 303 and response.location.endswith(_path(project))
    page = response.follow()
    assert "the e-mail could not be sent to everyone" in page.html.find(class_="flash-warning").text
    assert "not sent" in caplog.text
    db.session.rollback()
    assert db.session.scalars(select(Notification.user_id).where(Notification.kind == "help")).all() == [author.id]
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "project.help_offered"))


def test_a_failing_mail_to_one_still_reaches_the_others(testapp_en, db, factory, mails, monkeypatch):
    territory = factory.territory()
    author = factory.user(email="a@example.org", roles={territory: "contributor"})
    member = factory.user(email="b@example.org")
    factory.user(email="helper@example.org", roles={territory: "member"})
    project = _project(db, territory, author=author, members=[member])
    send = EmailMessage.send

    def refuse_a(self, *args, **kwargs):
        if self.to == ["a@example.org"]:
            raise OSError("Connection refused")
        return send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_a)
    login(testapp_en, "helper@example.org")
    _offer(testapp_en, project).follow()
    assert [m.to for m in mails] == [["b@example.org"]]
