"""Resources: list, page, writing (``ContentViews``, docs/architecture.md §4); the list's
filters (``filters.py``), the photos (``photos.py``), the video (``csti/videos.py``)."""
from flask import redirect, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...listing import published
from ...models import Actor, content_owner
from ...models.audiences import AUDIENCES, PARTNERS, SCHOOL_LEVELS
from ...models.resources import PHOTOS_MAX, RESOURCE_KINDS, Resource, ResourcePhoto
from ...videos import SERVICE_NAMES
from ...videos import parse as parse_video
from ..content.helpers import load_content
from ..content.views import ContentViews
from . import bookings, bp, photos
from .filters import AUDIENCE_GROUPS, ResourceFilter
from .forms import PhotoForm, ResourceForm

OWNER_CHOICES_MAX = 300  # the owner filter's select; beyond, a structure's page links to its list


class ResourceViews(ContentViews):
    model, kind, form_class = Resource, "resource", ResourceForm
    kinds, kind_column = RESOURCE_KINDS, "resource_kind"
    fields = ("resource_kind", "lendable", "is_free", "price", "deposit", "insurance", "conditions",
              "dimensions", "weight_kg", "panels", "transport", "setup_minutes", "video_url")
    feed_title = _l("Resources")
    owners = True
    no_territory_message = _l("Confirm your e-mail address before presenting a resource.")
    pending_message = _l("Thank you! The animators will review the resource.")
    published_message = _l("The resource is published.")

    def filters(self) -> ResourceFilter:
        return ResourceFilter.from_args(request.args, self.kinds)

    def listing(self, filters):
        return self.published(filters).order_by(Resource.sort_key, Resource.id)

    def index_context(self) -> dict:
        """The audience groups and the owning structures (one query) of the filter form."""
        owning = select(content_owner.c.actor_id).where(
            content_owner.c.content_id.in_(published(select(Resource.id), Resource)))
        owners = db.session.execute(select(Actor.id, Actor.title).where(Actor.id.in_(owning))
                                    .order_by(Actor.title, Actor.id).limit(OWNER_CHOICES_MAX)).all()
        return {"audience_groups": AUDIENCE_GROUPS, "owner_choices": owners}

    def list_page(self, endpoint, filters, stmt, params=None, **context):
        response = super().list_page(endpoint, filters, stmt, params, **context)
        if getattr(filters, "errors", None):
            response.status_code = 422  # the wrong date next to its field, the list as if none was given
        return response

    def show_context(self, item) -> dict:
        video = parse_video(item.video_url) if item.video_url else None
        return {**bookings.show_context(item), "photo_form": PhotoForm(formdata=None, prefix="photo"), "photos_max": PHOTOS_MAX,
                "video": video, "video_service": SERVICE_NAMES.get(video.service) if video else None,
                "audience_groups": _audience_groups(item),
                "weight": format_decimal(item.weight_kg) if item.weight_kg is not None else ""}

    def fill(self, form, item) -> None:
        """The three audience lists from the item's codes."""
        form.audiences.data = [c for c in item.audiences if c in AUDIENCES]
        form.school_levels.data = [c for c in item.audiences if c in SCHOOL_LEVELS]
        form.partners.data = [c for c in item.audiences if c in PARTNERS]

    def apply(self, item, form):
        item.audiences = (form.audiences.data or []) + (form.school_levels.data or []) + (form.partners.data or [])
        item.video_url = (form.video_url.data or "").strip()


views = ResourceViews(bp)


def _audience_groups(item) -> list[tuple[str, list[str]]]:
    """(group label, [audience labels]) of the item's audiences, group by group."""
    codes = set(item.audiences)
    groups = []
    for _code, label, audiences in AUDIENCE_GROUPS:
        labels = [str(name) for code, name in audiences.items() if code in codes]
        if labels:
            groups.append((str(label), labels))
    return groups


# --- photos: the resource's editors add and remove them --------------------------------------
def _editable(id) -> Resource:
    resource, _redirect = load_content(Resource, id, action="edit")
    return resource


def _photos_answer(resource, form=None, status=200, message=None):
    """The photos section (htmx), else the page: with the form's errors (422) or back to it."""
    form = form or PhotoForm(formdata=None, prefix="photo")
    if is_htmx():
        return render("resources/_photos.html", item=resource, photo_form=form, photos_max=PHOTOS_MAX,
                      photos_message=message, status=status)
    if status >= 400:
        return views.render_show(resource, status=status, photo_form=form)
    return redirect(f"{url_for('resources.show', id=resource.id, slug=resource.slug)}#photos", code=303)


@bp.post("/resource/<int:id>/photos")
@login_required
def add_photo(id):
    resource = _editable(id)
    form = PhotoForm(prefix="photo")
    if photos.full(resource):
        form.photo.errors = [_("A resource has %(n)d photos at most: remove one first.", n=PHOTOS_MAX)]
        return _photos_answer(resource, form, 422)
    if not form.validate():
        return _photos_answer(resource, form, 422)
    photos.add_photo(resource, form.photo.image, form.alt.data)
    db.session.refresh(resource)
    return _photos_answer(resource, message=_("The photo is added."))


@bp.post("/resource/<int:id>/photos/<int:photo_id>/delete")
@login_required
def remove_photo(id, photo_id):
    resource = _editable(id)
    photo = db.session.get(ResourcePhoto, photo_id)
    if photo is None or photo.resource_id != resource.id:
        fail(404)
    photos.remove_photo(photo)
    db.session.refresh(resource)
    return _photos_answer(resource, message=_("The photo is removed."))
