"""Projects looking for partners: list, page, writing, needs (open / met), the timeline of
updates, the team, and "I can help" which reaches the team. (CSRFProtect checks every POST.)
Queries and writes are in ``domain``."""
from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models.projects import NEED_KINDS, PROJECT_STAGES, Project
from ...policy import can
from ..content.helpers import load_content
from ..content.views import ContentViews
from . import bp, domain
from .forms import HelpForm, NeedForm, ProjectForm, TeamForm, UpdateForm


class ProjectViews(ContentViews):
    model, kind, form_class = Project, "project", ProjectForm
    kinds, kind_column = PROJECT_STAGES, "stage"
    fields = ("stage", "website")
    feed_title = _l("Projects")
    owners = True
    no_territory_message = _l("Confirm your e-mail address before presenting a project.")
    pending_message = _l("Thank you! The animators will review the project.")
    published_message = _l("The project is published.")

    def list_params(self, args) -> dict:
        return {"need": args.get("need") if args.get("need") in NEED_KINDS else None}

    def listing(self, filters, need=None):
        return domain.listing(self.published(filters), need)

    def index_context(self, need=None) -> dict:
        return {"need": need, "stages": PROJECT_STAGES, "need_kinds": NEED_KINDS}

    def show_context(self, project) -> dict:
        """The team's forms and "I can help" (a form with its errors replaces its blank one)."""
        return {"need_form": NeedForm(formdata=None), "update_form": UpdateForm(formdata=None),
                "team_form": TeamForm(formdata=None), "help_form": _help_form(project, formdata=None)}


views = ProjectViews(bp)


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
        return views.render_show(project, status=422, need_form=form)
    try:
        domain.add_need(project, form.kind.data, form.description.data)
    except domain.ProjectError as error:
        form.description.errors.append(str(error))
        return views.render_show(project, status=422, need_form=form)
    db.session.commit()
    flash(_("The need is added."), "success")
    return _back(project, "needs")


def _need(project, need_id):
    need = domain.need_of(project, need_id)
    if need is None:
        fail(404)
    return need


@bp.post("/project/<int:id>/needs/<int:need_id>/<any(met, open):state>")
@login_required
def set_need(id, need_id, state):
    project = _team_project(id)
    need = _need(project, need_id)
    domain.set_need_met(need, state == "met")
    db.session.commit()
    if is_htmx():
        return render("projects/_need.html", item=project, need=need)
    return _back(project, f"need-{need.id}")


@bp.post("/project/<int:id>/needs/<int:need_id>/delete")
@login_required
def delete_need(id, need_id):
    project = _team_project(id)
    domain.delete_need(_need(project, need_id))
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
        return views.render_show(project, status=422, update_form=form)
    domain.add_update(project, current_user, form.body.data)
    db.session.commit()
    flash(_("The news is published in the timeline."), "success")
    return _back(project, "timeline")


@bp.post("/project/<int:id>/team")
@login_required
def add_member(id):
    project = _team_project(id)
    form = TeamForm()
    if not form.validate_on_submit():
        return views.render_show(project, status=422, team_form=form)
    try:
        user = domain.add_member(project, form.email.data, by=current_user)
    except domain.ProjectError as error:
        form.email.errors.append(str(error))
        return views.render_show(project, status=422, team_form=form)
    db.session.commit()
    flash(_("%(name)s joins the team.", name=user.name), "success")
    return _back(project, "team")


@bp.post("/project/<int:id>/team/<int:user_id>/remove")
@login_required
def remove_member(id, user_id):
    project = _team_project(id)
    member = domain.remove_member(project, user_id)
    if member is None:
        fail(404)
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
    project, _redirect = load_content(Project, id)
    if project.in_team(current_user):
        fail(409, _("You are in the team of this project."))
    if not can(current_user, "offer_help", project):
        fail(403, _("Confirm your e-mail address to write to the team."))
    form = _help_form(project)
    if not form.validate_on_submit():
        return render("projects/help.html", item=project, form=form, status=422 if form.errors else 200)
    missed = domain.offer_help(project, current_user, domain.open_need(project, form.need.data), form.message.data)
    if missed:
        flash(_("Your offer is recorded and the team sees it in their notifications, but the e-mail could not "
                "be sent to everyone."), "warning")
    else:
        flash(_("Your message was sent to the team. They will answer you by e-mail."), "success")
    return redirect(project.url, code=303)
