"""Projects' queries and writes, shared by the views and the tests (docs/architecture.md §1):
the list with its "looking for" filter, the needs, the timeline, the team, and "I can help",
which reaches each person of the team in their own language. The caller commits, but
``offer_help`` which commits before it mails."""
from flask import url_for
from sqlalchemy import func, select

from ...extensions import db
from ...i18n import gettext as _
from ...listing import card_options, published
from ...models import AuditLog, Content, Notification, User
from ...models.base import utcnow
from ...models.projects import Project, ProjectMember, ProjectNeed, ProjectUpdate
from ..follows.operations import notify_update

NEEDS_MAX = 30  # needs listed by one project


class ProjectError(Exception):
    """A change the project's rules refuse; its text says why."""


# --- reading ------------------------------------------------------------------------------
def listing(stmt, need: str | None = None):
    """``stmt`` (published projects, filtered) narrowed to those with an open ``need`` of that
    kind, newest first."""
    if need:
        stmt = stmt.where(Project.id.in_(select(ProjectNeed.project_id).where(
            ProjectNeed.kind == need, ProjectNeed.is_met.is_(False))))
    return stmt.order_by(Project.published_at.desc(), Project.id.desc())


def need_of(project, need_id) -> ProjectNeed | None:
    """The project's need ``need_id``, or None (another project's, or none)."""
    need = db.session.get(ProjectNeed, need_id)
    return need if need is not None and need.project_id == project.id else None


def open_need(project, need_id) -> ProjectNeed | None:
    return next((n for n in project.open_needs if n.id == need_id), None)


# --- the team's tools ---------------------------------------------------------------------
def add_need(project, kind: str, description: str) -> ProjectNeed:
    if len(project.needs) >= NEEDS_MAX:
        raise ProjectError(_("A project lists 30 needs at most."))
    need = ProjectNeed(kind=kind, description=description.strip())
    project.needs.append(need)
    return need


def set_need_met(need, met: bool) -> None:
    need.is_met = met


def delete_need(need) -> None:
    db.session.delete(need)


def add_update(project, author, body: str) -> ProjectUpdate:
    """News in the project's timeline; the project counts as updated."""
    update = ProjectUpdate(project_id=project.id, author=author, body=body.strip())
    db.session.add(update)
    project.updated_at = utcnow()
    notify_update(project, author)  # the project's followers, in-site
    return update


def add_member(project, email: str, by) -> User:
    """The member of the site with this address joins the team (recorded in the audit log)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise ProjectError(_("No member of the site has this address."))
    if project.in_team(user):
        raise ProjectError(_("%(name)s is already in the team.", name=user.name))
    project.members.append(ProjectMember(user=user))
    AuditLog.record(by, "project.member_added", project, project.territory, user_id=user.id)
    return user


def remove_member(project, user_id) -> ProjectMember | None:
    """The membership removed, or None when ``user_id`` is not a member."""
    member = next((m for m in project.members if m.user_id == user_id), None)
    if member is not None:
        project.members.remove(member)
    return member


# --- "I can help" -------------------------------------------------------------------------
def offer_help(project: Project, helper, need: ProjectNeed | None, message: str) -> list:
    """``helper`` offers to help: each person of the team is notified, the offer recorded in the
    audit log and committed; then each who wants such mails at once (``/me/mail``) is mailed in
    their own language (subject and text). A
    mail server that fails does not undo the offer: the failure is logged
    (``csti.mails.notify``). Returns the people the mail did not reach."""
    from ...mails import notify
    from ...models.mailprefs import IMMEDIATE, category_of
    from ..mailprefs.operations import frequency_of

    team = project.team()
    # Mailed here, at once, to those who want comments and offers at once (their notification
    # counts as mailed); the others find the offer, with its message, in their digest or on the site.
    at_once = [p for p in team if frequency_of(p, category_of("help")) == IMMEDIATE]
    for person in team:
        db.session.add(Notification(user_id=person.id, kind="help", actor_id=helper.id, content_id=project.id,
                                    note=message.strip(), mailed_at=utcnow() if person in at_once else None))
    AuditLog.record(helper, "project.help_offered", project, project.territory)
    db.session.commit()
    url = url_for("projects.show", id=project.id, slug=project.slug, _external=True)
    subject = lambda: _("%(name)s can help your project “%(title)s”", name=helper.name,  # noqa: E731
                        title=project.title)
    return [person for person in at_once
            if not notify(person, subject, "mail/project_help.txt", project=project, helper=helper, need=need,
                          message=message.strip(), url=url)]


def active_projects(territory=None, limit=6):
    """Projects not finished, the most recently updated first."""
    stmt = (published(select(Project), Project).where(Project.stage != "finished")
            .options(*card_options(Project)))
    if territory is not None:
        stmt = stmt.where(Project.territory_id == territory.id)
    # content.id, not project.id (the same value): the (kind, status, updated_at) index is then in order.
    return db.session.scalars(stmt.order_by(Project.updated_at.desc(), Content.id.desc()).limit(limit)).all()
