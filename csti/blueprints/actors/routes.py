"""The directory and map of actors, structure pages, proposals, claims and moderation."""
import json

from flask import Response, flash, redirect, request, stream_with_context, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import back, is_htmx, render
from ...i18n import gettext as _
from ...listing import card_loader, paginate
from ...models import PENDING, AuditLog, Territory
from ...models.actors import ACTOR_KINDS, Actor, ClaimRequest
from ...moderation import review_if_spammy
from ...policy import can
from ...urls import item_urls
from ..content.forms import TagForm
from ..content.helpers import (
    apply_common_fields,
    fill_common_fields,
    home_territory_id,
    load_content,
    review_if_moved,
    territory_choices,
)
from ..content.images import ImageChanges, fill_cover, save_with_images
from . import bp
from .directory import ActorFilter
from .forms import ActorForm, ClaimForm, DecisionForm
from .geocoding import enabled as geocoding_enabled
from .operations import (
    APPROXIMATE,
    APPROXIMATE_NOTE,
    FEATURE_COLUMNS,
    apply_form,
    csv_rows,
    decide_claim,
    feature,
    fill_form,
    managed_actor_ids,
    may_decide,
    notify_claim,
    notify_claim_decision,
    notify_proposer,
    pending_claim,
    propose,
    review_queue,
    similar_actors,
    updated,
)
from .operations import claim as claim_actor
from .operations import moderate as moderate_actor

PER_PAGE = 24
MAX_PAGE = 10_000  # beyond, an offset only costs the database
GEOJSON_LIMIT = 25_000


# --- directory ----------------------------------------------------------------------------
@bp.get("/actors")
def index():
    filters = ActorFilter.from_args(request.args)
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = paginate(filters.select(), Actor.id, number, PER_PAGE, loader=card_loader(Actor), kept_cards=True,
                    kept_keys=True)
    territories = Territory.by_name()
    focus = None
    if len(filters.territories) == 1:
        focus = next((t for t in territories if t.slug == filters.territories[0]), None)
    return render("actors/index.html", block="directory", filters=filters, page=page,
                  facets=filters.facets(), territories=territories, focus=focus, tools=_tools(territories),
                  page_url=lambda n: url_for("actors.index", page=n, **filters.to_args()))


def _tools(territories) -> dict:
    """Links to the review and import pages, for those they serve."""
    if not current_user.is_authenticated:
        return {}
    animates = any(can(current_user, "moderate", t) for t in territories)
    return {"review": animates or bool(managed_actor_ids(current_user)),
            "import": any(can(current_user, "import_actors", t) for t in territories)}


@bp.get("/actors.geojson")
def geojson():
    filters = ActorFilter.from_args(request.args)
    # Columns, not structures: a territory's map has thousands of points.
    stmt = filters.select(*FEATURE_COLUMNS).where(Actor.latitude.is_not(None), Actor.longitude.is_not(None))
    labels = {kind: str(label) for kind, label in ACTOR_KINDS.items()}
    labels[APPROXIMATE] = str(APPROXIMATE_NOTE)
    url = item_urls("actors.show")  # url_for per point was half the map's time
    features = [feature(row, url(row.id, row.slug), labels)
                for row in db.session.execute(stmt.limit(GEOJSON_LIMIT))]
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    response = Response(body, mimetype="application/geo+json")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = 'attachment; filename="structures.geojson"'
    return response


@bp.get("/actors.csv")
def export_csv():
    """?format=excel: semicolons and a byte-order mark, for French spreadsheets."""
    filters = ActorFilter.from_args(request.args)
    actors = db.session.scalars(filters.select()).all()
    excel = request.args.get("format") == "excel"
    rows = csv_rows(actors, lambda a: url_for("actors.show", id=a.id, slug=a.slug, _external=True), excel=excel)
    name = "structures-excel.csv" if excel else "structures.csv"
    return Response(stream_with_context(rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- one structure ------------------------------------------------------------------------
@bp.get("/actor/<int:id>-<slug>")
@bp.get("/actor/<int:id>")
def show(id, slug=""):
    actor, redirect_to = load_content(Actor, id, slug)
    if redirect_to:
        return redirect_to
    claim = pending_claim(actor, current_user) if current_user.is_authenticated else None
    from .operations import activity

    return render("actors/show.html", item=actor, claim=claim, tag_form=TagForm(formdata=None),
                  **activity(actor))


def _form(actor=None):
    form = ActorForm()
    form.territory.choices = territory_choices(current_user)
    if not form.territory.choices:
        fail(403, _("Confirm your e-mail address before proposing a structure."))
    if actor is None and not form.is_submitted():
        form.territory.data = home_territory_id(current_user, form.territory.choices)
    return form


def _geocode_into(form) -> None:
    """The "find on the map" button: fill the coordinates from the address, save nothing."""
    from .geocoding import GeocodingError, geocode

    try:
        found = geocode(form.address.data or "", form.postcode.data or "", form.commune.data or "")
    except GeocodingError:
        flash(_("The address could not be located right now: click on the map instead."), "warning")
        return
    if found is None:
        flash(_("This address was not found: click on the map instead."), "warning")
    else:
        for field, value in ((form.latitude, found[0]), (form.longitude, found[1])):
            field.data = round(value, 6)
            field.raw_data = [str(field.data)]  # what the input shows (else the empty value sent)
        flash(_("Location found: check the point on the map, then save."), "success")


@bp.route("/actors/new", methods=["GET", "POST"])
@login_required
def create():
    form = _form()
    if form.is_submitted() and request.form.get("action") == "geocode" and geocoding_enabled():
        _geocode_into(form)
        return render("actors/form.html", form=form, item=None, duplicates=[])
    duplicates = []
    if form.validate_on_submit():
        duplicates = similar_actors(form.title.data, form.postcode.data, form.commune.data)
        if not duplicates or request.form.get("confirm_duplicate") == "1":
            actor = Actor(author=current_user)
            apply_common_fields(actor, form)
            apply_form(actor, form)
            changes = ImageChanges()

            def save():
                changes.apply_logo(actor, form)
                changes.apply_cover(actor, form)
                propose(actor, current_user, manage=request.form.get("i_manage") == "1")
                db.session.commit()
                return True

            save_with_images(changes, save)
            if actor.is_published:
                flash(_("The structure is published."), "success")
            else:
                flash(_("Thank you! The animators of %(t)s will review the structure.",
                        t=actor.territory.name), "success")
            return redirect(actor.url, code=303)
    status = 422 if form.errors or duplicates else 200
    return render("actors/form.html", form=form, item=None, duplicates=duplicates, status=status)


@bp.route("/actor/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    actor, _redirect = load_content(Actor, id, action="edit")
    form = _form(actor)
    if form.is_submitted() and request.form.get("action") == "geocode" and geocoding_enabled():
        _geocode_into(form)
        return render("actors/form.html", form=form, item=actor, duplicates=[])
    form.current_cover = actor.cover_image
    if form.validate_on_submit():
        apply_common_fields(actor, form)
        apply_form(actor, form)
        changes = ImageChanges()

        def save():
            changes.apply_logo(actor, form)
            changes.apply_cover(actor, form)
            review_if_moved(actor, current_user) or review_if_spammy(actor, current_user)
            updated(actor, current_user)
            db.session.commit()
            return True

        save_with_images(changes, save)
        flash(_("Saved."), "success")
        return redirect(actor.url, code=303)
    if not form.is_submitted():
        fill_common_fields(form, actor)
        fill_cover(form, actor)
        fill_form(form, actor)
    return render("actors/form.html", form=form, item=actor, duplicates=[],
                  status=422 if form.errors else 200)


# --- claims -------------------------------------------------------------------------------
@bp.route("/actor/<int:id>/claim", methods=["GET", "POST"])
@login_required
def claim(id):
    actor, _redirect = load_content(Actor, id)
    if not actor.is_published:
        fail(404)
    if not can(current_user, "join", actor):
        fail(403, _("Confirm your e-mail address before joining a structure."))
    if actor.role_of(current_user):
        flash(_("You already belong to this structure."), "info")
        return redirect(actor.url, code=303)
    if pending_claim(actor, current_user) is not None:
        flash(_("Your request is waiting for an answer."), "info")
        return redirect(actor.url, code=303)
    form = ClaimForm()
    if form.validate_on_submit():
        request_ = claim_actor(actor, current_user, form.role.data, form.message.data)
        db.session.commit()
        notify_claim(request_, url_for("actors.moderation", _external=True))
        flash(_("Your request was sent to the structure's managers and the animators."), "success")
        return redirect(actor.url, code=303)
    return render("actors/claim.html", item=actor, form=form, status=422 if form.errors else 200)


@bp.post("/claims/<int:claim_id>/<any(accept, refuse):decision>")
@login_required
def decide(claim_id, decision):
    claim = db.session.get(ClaimRequest, claim_id)
    if claim is None:
        fail(404)
    if not may_decide(current_user, claim):
        fail(403, _("Only the structure's managers and the animators decide on requests."))
    form = DecisionForm()
    if not form.validate_on_submit():
        fail(400)
    decided = decide_claim(claim, current_user, decision == "accept", (form.reason.data or "").strip())
    db.session.commit()
    if decided:
        notify_claim_decision(claim, url_for("actors.show", id=claim.actor.id, slug=claim.actor.slug, _external=True))
    if is_htmx():
        return render("actors/_claim_row.html", claim=claim)
    if not decided:
        flash(_("This request was already answered."), "info")
    else:
        flash(_("Request accepted.") if decision == "accept" else _("Request refused."), "success")
    return back("actors.moderation")


# --- moderation ---------------------------------------------------------------------------
def _moderation_lists():
    """(pending structures, pending claims) the current user decides on; 403 for others."""
    queue = review_queue(current_user)
    if queue is None:
        fail(403, _("This page is for animators and structure managers."))
    return queue


@bp.get("/actors/moderation")
@login_required
def moderation():
    pending, claims = _moderation_lists()
    return render("actors/moderation.html", pending=pending, claims=claims, errors={})


@bp.post("/actor/<int:id>/<any(approve, reject):decision>")
@login_required
def moderate(id, decision):
    actor = db.session.get(Actor, id)
    if actor is None:
        fail(404)
    if not can(current_user, "moderate", actor):
        fail(403, _("Only the animators of this territory moderate its structures."))
    form = DecisionForm()
    if not form.validate_on_submit():
        fail(400)
    if actor.status != PENDING:  # already decided (another animator, a second click)
        if is_htmx():
            return render("actors/_pending_row.html", actor=actor)
        flash(_("This structure was already reviewed."), "info")
        return redirect(url_for("actors.moderation"), code=303)
    reason = (form.reason.data or "").strip()
    if decision == "reject" and not reason:
        error = _("Give a reason: it is sent to the person who proposed the structure.")
        if is_htmx():
            return render("actors/_pending_row.html", actor=actor, error=error, status=422)
        pending, claims = _moderation_lists()
        return render("actors/moderation.html", pending=pending, claims=claims, errors={actor.id: error},
                      status=422)
    moderate_actor(actor, current_user, decision == "approve", reason)
    db.session.commit()
    notify_proposer(actor, decision == "approve", reason,
                    url_for("actors.show", id=actor.id, slug=actor.slug, _external=True))
    if is_htmx():
        return render("actors/_pending_row.html", actor=actor)
    flash(_("Structure published.") if decision == "approve" else _("Structure rejected."), "success")
    return redirect(url_for("actors.moderation"), code=303)


# --- census import ------------------------------------------------------------------------
def _import_form():
    from .forms import ImportForm

    form = ImportForm()
    territories = Territory.by_name()
    form.territory.choices = [(t.id, t.name) for t in territories if can(current_user, "import_actors", t)]
    if not form.territory.choices:
        fail(403, _("Only animators import the census of their territory."))
    return form


@bp.route("/actors/import", methods=["GET", "POST"])
@login_required
def import_census():
    from .census import COLUMNS, ImportFileError, preview, store_pending

    form = _import_form()
    result = token = territory = None
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors.append(_("Choose a CSV file."))
        else:
            data = upload.read()
            territory = db.session.get(Territory, form.territory.data)
            try:
                result = preview(data, territory)
            except ImportFileError as error:
                form.file.errors.append(str(error))
            else:
                token = store_pending(data, territory.id, current_user.id)
    status = 422 if form.errors else 200
    return render("actors/import.html", form=form, result=result, token=token, columns=COLUMNS,
                  territory=territory if result else None, status=status)


@bp.post("/actors/import/<token>")
@login_required
def import_confirm(token):
    from .census import COLUMNS, ImportFileError, apply, drop_pending, load_pending, preview

    pending = load_pending(token)
    if pending is None:
        fail(404, _("This import is no longer available: upload the file again."))
    data, meta = pending
    territory = db.session.get(Territory, meta["territory"])
    if territory is None or meta["user"] != current_user.id or not can(current_user, "import_actors", territory):
        fail(403)
    from flask_wtf import FlaskForm

    if not FlaskForm().validate_on_submit():
        fail(400)
    try:
        result = preview(data, territory)
    except ImportFileError as error:
        fail(422, str(error))
    if result.error_rows and request.form.get("skip_errors") != "1":
        return render("actors/import.html", form=None, result=result, token=token, columns=COLUMNS,
                      territory=territory, status=422,
                      confirm_error=_("Some rows have errors: tick “Skip the rows with errors” or fix the file."))
    counts = apply(result, territory, current_user)
    AuditLog.record(current_user, "actors.imported", None, territory, **counts)
    db.session.commit()
    drop_pending(token)
    flash(_("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.", **counts), "success")
    if result.error_rows:
        flash(ngettext("%(num)d row with errors was not imported.", "%(num)d rows with errors were not imported.",
                       len(result.error_rows)), "warning")
    return redirect(url_for("actors.index", territory=territory.slug), code=303)


from . import merge  # noqa: E402,F401 — the merge views (/actors/merge) on the same blueprint
