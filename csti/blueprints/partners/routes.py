"""/partners (the partner audiences), /partners/<code> (a partner's guides and resources, a
territory filter swapped by htmx) and the animators' flag of a dossier for partners."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...listing import printable
from ...models import AuditLog, Territory
from ...models.audiences import PARTNERS
from ...models.dossiers import Dossier
from ...policy import can
from . import bp
from . import operations as ops
from .forms import PartnersForm
from .texts import TEXTS

MAX_PAGE = 10_000


@bp.get("/partners")
def index():
    return render("partners/index.html", partners=[TEXTS[code] for code in PARTNERS], counts=ops.counts())


@bp.get("/partners/<code>")
def show(code):
    partner = TEXTS.get(code)
    if partner is None:
        fail(404, _("There is no such partner page."))
    territories = Territory.by_name()
    slug = printable(request.args.get("territory") or "").strip()[:60]
    territory = next((t for t in territories if t.slug == slug), None)
    territory_id = territory.id if territory else None
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = ops.resources_page(code, number, territory_id)
    filter_args = {"territory": territory.slug} if territory else {}
    return render("partners/show.html", block="results", partner=partner, territories=territories,
                  territory=territory, guides=ops.guides(code, territory_id), page=page,
                  page_url=lambda n: url_for("partners.show", code=code, page=n, **filter_args),
                  resources_url=url_for("resources.index", audience=code, **filter_args))


# --- animators flag a dossier as a partner's guide -----------------------------------------------
def _answer(dossier, form, status=200, message=None):
    """The flag's section (htmx) or the dossier’s page with the form's errors."""
    if is_htmx():
        return render("partners/_flag.html", status=status, item=dossier, partner_form=form, partner_message=message)
    from ..dossiers.routes import views

    return views.render_show(dossier, status, partner_form=form)


@bp.post("/dossier/<int:id>/partners")
@login_required
def flag(id):
    dossier = db.session.get(Dossier, id)
    if dossier is None or not can(current_user, "view", dossier):
        fail(404, _("This dossier does not exist, or it is private."))
    if not can(current_user, "flag_partners", dossier):
        fail(403, _("Only the animators of the dossier’s territory present it on the partners’ pages."))
    form = PartnersForm()
    if not form.validate_on_submit():
        return _answer(dossier, form, 422)
    try:
        before, after = ops.set_partners(dossier, form.partners.data or [], current_user)
    except ops.NotFlaggable:
        db.session.rollback()
        form.partners.errors = [_("Only a public, published dossier can be presented on the partners’ pages.")]
        return _answer(dossier, form, 422)
    if before != after:
        AuditLog.record(current_user, "dossier.partners_changed", dossier, dossier.territory,
                        before={"partners": before}, after={"partners": after})
    db.session.commit()
    message = (_("The dossier is presented as a guide for: %(partners)s.",
                 partners=", ".join(str(PARTNERS[c]).lower() for c in after)) if after
               else _("The dossier is presented on no partner page."))
    if is_htmx():
        return _answer(dossier, PartnersForm(formdata=None), message=message)
    flash(message, "success")
    return redirect(f"{dossier.url}#partner-guides", code=303)


@bp.app_template_global()
def partner_choices() -> list:
    """(code, label) of every partner audience: the flag form's check boxes."""
    return list(PARTNERS.items())


@bp.app_template_global()
def partner_flaggable(dossier) -> bool:
    """Whether the dossier may be presented on partners' pages (public and published)."""
    return ops.flaggable(dossier)


@bp.app_template_global()
def partner_guides(dossier) -> list:
    """The badges of a public dossier presented on partners’ pages ("Guide for libraries")."""
    from .texts import guide_labels

    return guide_labels(ops.partner_codes(dossier)) if ops.flaggable(dossier) else []
