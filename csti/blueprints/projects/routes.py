"""Projects looking for partners: list, page, writing, needs (open / met), the timeline of
updates, the team, and "I can help" which reaches the team. (CSRFProtect checks every POST.)"""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ...errors import fail
from ...extensions import db
from ...feeds import atom
from ...htmx import is_htmx, render
from ...listing import ContentFilter, card_options, feed_options, first, paginate
from ...models import AuditLog, Notification, Territory, User
from ...models.base import utcnow
from ...models.projects import NEED_KINDS, PROJECT_STAGES, Project, ProjectMember, ProjectNeed, ProjectUpdate
from ...policy import can
from ..content.forms import TagForm
from ..content.helpers import (
    apply_common_fields,
    apply_owners,
    form_page,
    load_content,
    moderated_message,
    save_content,
    set_owner_choices,
    territory_choices,
)
from . import bp
from .forms import HelpForm, NeedForm, ProjectForm, TeamForm, UpdateForm

PER_PAGE = 20


def _listing(filters, need=None):
    stmt = filters.apply(select(Project), Project, Project.stage)
    if need:
        stmt = stmt.where(Project.id.in_(select(ProjectNeed.project_id).where(
            ProjectNeed.kind == need, ProjectNeed.is_met.is_(False))))
    return stmt.order_by(Project.published_at.desc(), Project.id.desc())


@bp.get("/projects")
def index():
    filters = ContentFilter.from_args(request.args, PROJECT_STAGES)
    need = request.args.get("need") if request.args.get("need") in NEED_KINDS else None
    page = paginate(_listing(filters, need).options(*card_options(Project)), Project.id,
                    min(max(request.args.get("page", 1, type=int), 1), 10_000), PER_PAGE)
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    args = filters.to_args(need=need)
    return render("projects/index.html", block="results", filters=filters, need=need, page=page,
                  territories=territories, stages=PROJECT_STAGES, need_kinds=NEED_KINDS,
                  page_url=lambda n: url_for("projects.index", page=n, **args))


@bp.get("/projects.atom")
def feed():
    filters = ContentFilter.from_args(request.args, PROJECT_STAGES)
    items = first(_listing(filters).options(*feed_options(Project)), Project.id, 50)
    return atom(_("Projects"), items, url_for("projects.feed", _external=True, **filters.to_args()),
                page_url=url_for("projects.index", _external=True, **filters.to_args()))


def _page(project, status=200, **forms):
    context = dict(item=project, tag_form=TagForm(formdata=None),
                   need_form=forms.get("need_form") or NeedForm(formdata=None),
                   update_form=forms.get("update_form") or UpdateForm(formdata=None),
                   team_form=forms.get("team_form") or TeamForm(formdata=None),
                   help_form=forms.get("help_form") or _help_form(project, formdata=None))
    return render("projects/show.html", status=status, **context)


@bp.get("/project/<int:id>-<slug>")
@bp.get("/project/<int:id>")
def show(id, slug=""):
    project, redirect_to = load_content(Project, id, slug)
    if redirect_to:
        return redirect_to
    return _page(project)


# --- writing ------------------------------------------------------------------------------
def _form(project=None):
    form = ProjectForm()
    form.territory.choices = territory_choices(current_user)
    if not form.territory.choices:
        fail(403, _("Confirm your e-mail address before presenting a project."))
    set_owner_choices(form, project)
    return form


def _save(project, form, creating: bool):
    apply_common_fields(project, form)
    project.stage = form.stage.data
    project.website = (form.website.data or "").strip()
    apply_owners(project, form)
    return save_content(project, creating=creating, audit_action="project.updated", message=moderated_message(
        _("Thank you! The animators will review the project."), _("The project is published.")))


def _fill(form, project) -> None:
    form.stage.data = project.stage
    form.website.data = project.website
    form.owners.data = [a.id for a in project.owners]


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def create():
    form = _form()
    return form_page("projects/form.html", form, None, lambda: _save(Project(author=current_user), form, creating=True))


@bp.route("/project/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    project, _redirect = load_content(Project, id, action="edit")
    form = _form(project)
    return form_page("projects/form.html", form, project, lambda: _save(project, form, creating=False), fill=_fill)


# --- needs, updates, team: the team's tools ------------------------------------------------
def _team_project(id) -> Project:
    project, _redirect = load_content(Project, id)
    if not can(current_user, "manage_team", project):
        fail(403, _("Only the project's team manages its needs, news and members."))
    return project


def _back(project, anchor):
    return redirect(f"{url_for('projects.show', id=project.id, slug=project.slug)}#{anchor}", code=303)


@bp.post("/project/<int:id>/needs")
@login_required
def add_need(id):
    project = _team_project(id)
    form = NeedForm()
    if not form.validate_on_submit():
        return _page(project, status=422, need_form=form)
    if len(project.needs) >= 30:
        form.description.errors.append(_("A project lists 30 needs at most."))
        return _page(project, status=422, need_form=form)
    project.needs.append(ProjectNeed(kind=form.kind.data, description=form.description.data.strip()))
    db.session.commit()
    flash(_("The need is added."), "success")
    return _back(project, "needs")


def _need(project, need_id) -> ProjectNeed:
    need = db.session.get(ProjectNeed, need_id)
    if need is None or need.project_id != project.id:
        fail(404)
    return need


@bp.post("/project/<int:id>/needs/<int:need_id>/<any(met, open):state>")
@login_required
def set_need(id, need_id, state):
    project = _team_project(id)
    need = _need(project, need_id)
    need.is_met = state == "met"
    db.session.commit()
    if is_htmx():
        return render("projects/_need.html", item=project, need=need)
    return _back(project, f"need-{need.id}")


@bp.post("/project/<int:id>/needs/<int:need_id>/delete")
@login_required
def delete_need(id, need_id):
    project = _team_project(id)
    db.session.delete(_need(project, need_id))
    db.session.commit()
    if is_htmx():
        return ""
    return _back(project, "needs")


@bp.post("/project/<int:id>/updates")
@login_required
def add_update(id):
    project = _team_project(id)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _page(project, status=422, update_form=form)
    db.session.add(ProjectUpdate(project_id=project.id, author=current_user, body=form.body.data.strip()))
    project.updated_at = utcnow()
    db.session.commit()
    flash(_("The news is published in the timeline."), "success")
    return _back(project, "timeline")


@bp.post("/project/<int:id>/team")
@login_required
def add_member(id):
    project = _team_project(id)
    form = TeamForm()
    if not form.validate_on_submit():
        return _page(project, status=422, team_form=form)
    user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
    if user is None:
        form.email.errors.append(_("No member of the site has this address."))
        return _page(project, status=422, team_form=form)
    if project.in_team(user):
        form.email.errors.append(_("%(name)s is already in the team.", name=user.name))
        return _page(project, status=422, team_form=form)
    project.members.append(ProjectMember(user=user))
    AuditLog.record(current_user, "project.member_added", project, project.territory, user_id=user.id)
    db.session.commit()
    flash(_("%(name)s joins the team.", name=user.name), "success")
    return _back(project, "team")


@bp.post("/project/<int:id>/team/<int:user_id>/remove")
@login_required
def remove_member(id, user_id):
    project = _team_project(id)
    member = next((m for m in project.members if m.user_id == user_id), None)
    if member is None:
        fail(404)
    project.members.remove(member)
    db.session.commit()
    flash(_("%(name)s has left the team.", name=member.user.name), "success")
    return _back(project, "team")


# --- "I can help" -------------------------------------------------------------------------
def _help_form(project, formdata=...):
    form = HelpForm() if formdata is ... else HelpForm(formdata=formdata)
    form.need.choices = [(0, _("Any of them / something else"))] + [
        (n.id, f"{n.kind_label} — {n.description[:80]}") for n in project.open_needs]
    return form


@bp.route("/project/<int:id>/help", methods=["GET", "POST"])
@login_required
def offer_help(id):
    from ...mails import send_mail

    project, _redirect = load_content(Project, id)
    if project.in_team(current_user):
        fail(409, _("You are in the team of this project."))
    if not can(current_user, "offer_help", project):
        fail(403, _("Confirm your e-mail address to write to the team."))
    form = _help_form(project)
    if not form.validate_on_submit():
        return render("projects/help.html", item=project, form=form, status=422 if form.errors else 200)
    need = next((n for n in project.open_needs if n.id == form.need.data), None)
    team = project.team()
    for person in team:
        db.session.add(Notification(user_id=person.id, kind="help", actor_id=current_user.id, content_id=project.id))
    AuditLog.record(current_user, "project.help_offered", project, project.territory)
    db.session.commit()
    for person in team:
        send_mail(person.email, _("%(name)s can help your project “%(title)s”", name=current_user.name,
                                  title=project.title),
                  "mail/project_help.txt", person.locale, project=project, helper=current_user, need=need,
                  message=form.message.data.strip(),
                  url=url_for("projects.show", id=project.id, slug=project.slug, _external=True))
    flash(_("Your message was sent to the team. They will answer you by e-mail."), "success")
    return redirect(project.url, code=303)

