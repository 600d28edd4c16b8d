"""Resources: list, page, writing (``ContentViews``, docs/architecture.md §4)."""
from flask_babel import lazy_gettext as _l

from ...models.audiences import AUDIENCES, PARTNERS, SCHOOL_LEVELS
from ...models.resources import RESOURCE_KINDS, Resource
from ..content.views import ContentViews
from . import bookings, bp
from .forms import ResourceForm


class ResourceViews(ContentViews):
    model, kind, form_class = Resource, "resource", ResourceForm
    kinds, kind_column = RESOURCE_KINDS, "resource_kind"
    fields = ("resource_kind", "lendable", "is_free", "price", "deposit", "insurance", "conditions",
              "dimensions", "weight_kg", "panels", "transport", "setup_minutes")
    feed_title = _l("Resources")
    owners = True
    no_territory_message = _l("Confirm your e-mail address before presenting a resource.")
    pending_message = _l("Thank you! The animators will review the resource.")
    published_message = _l("The resource is published.")

    def listing(self, filters):
        return self.published(filters).order_by(Resource.sort_key, Resource.id)

    def show_context(self, item) -> dict:
        return {**bookings.show_context(item)}

    def fill(self, form, item) -> None:
        """The three audience lists from the item's codes."""
        form.audiences.data = [c for c in item.audiences if c in AUDIENCES]
        form.school_levels.data = [c for c in item.audiences if c in SCHOOL_LEVELS]
        form.partners.data = [c for c in item.audiences if c in PARTNERS]

    def apply(self, item, form):
        item.audiences = (form.audiences.data or []) + (form.school_levels.data or []) + (form.partners.data or [])


views = ResourceViews(bp)
