"""The views every content type shares (docs/architecture.md §4): its list, its Atom feed, its
page, and the create and edit forms — written once here; a type declares what differs.

A type subclasses ``ContentViews`` in its ``routes.py`` with its model, form and messages as class
attributes, overrides the hooks it needs (its list's query and options, its own fields, extra
template context, editor buttons, its save) and registers the views on its blueprint::

    class ArticleViews(ContentViews):
        model, kind, form_class = Article, "article", ArticleForm
        ...

    views = ArticleViews(bp)

``views`` then names the views (``views.render_show``, ``views.list_page``…) for the type's own
extra routes. Endpoints are the blueprint's ``index``, ``feed``, ``show``, ``create`` and
``edit``; templates are ``<blueprint>/index.html``, ``show.html`` and ``form.html``."""
from flask import request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ...errors import fail
from ...feeds import atom
from ...htmx import render
from ...i18n import gettext as _
from ...listing import ContentFilter, card_loader, feed_options, first, paginate
from ...models import DRAFT, PENDING, Territory
from .forms import TagForm
from .helpers import (
    apply_common_fields,
    apply_owners,
    form_page,
    home_territory_id,
    load_content,
    preview_requested,
    save_content,
    set_owner_choices,
    territory_choices,
)
from .images import ImageChanges, fill_cover
from .images import save_with_images as guarded_save

PER_PAGE = 20
FEED_SIZE = 50
MAX_PAGE = 10_000


class ContentViews:
    """index, feed, show, create and edit of one content type, with hooks for what differs."""

    # --- what a type declares -----------------------------------------------------------
    model = None  # the Content subclass
    kind = ""  # the URL word of one item: /<kind>/<id>-<slug>, /<kind>/<id>/edit; audit "<kind>.updated"
    plural = None  # the URL word of the list: /<plural>, /<plural>.atom, /<plural>/new (default kind + "s")
    form_class = None  # a ContentForm subclass
    endpoints = ("index", "feed", "show", "create", "edit")  # the views registered
    kinds = None  # the list's allowed ?kind= values (None: any value is kept in the filters)
    kind_column = None  # the model's column ?kind= filters on (and prefills on a new item's form)
    fields = ()  # the type's own fields copied as they are between the form and the item
    card_author = False  # the list's cards show their author (listing.card_options)
    feed_title = None  # lazy string: the Atom feed's title
    owners = False  # the form has an ``owners`` field (the structures publishing the item)
    drafts = True  # "Save as draft" keeps an unpublished item a draft (helpers.save_content)
    no_territory_message = None  # lazy string: why someone who may write in no territory is refused
    pending_message = None  # lazy strings flashed once saved: waiting for review…
    published_message = None  # … or published

    def __init__(self, bp):
        self.bp = bp
        self.plural = self.plural or f"{self.kind}s"
        self.check_declarations()
        rules = {
            "index": [(f"/{self.plural}", ("GET",))],
            "feed": [(f"/{self.plural}.atom", ("GET",))],
            "show": [(f"/{self.kind}/<int:id>-<slug>", ("GET",)), (f"/{self.kind}/<int:id>", ("GET",))],
            "create": [(self.create_rule(), ("GET", "POST"))],
            "edit": [(f"/{self.kind}/<int:id>/edit", ("GET", "POST"))],
        }
        for name in self.endpoints:
            view = getattr(self, name)
            if name in ("create", "edit"):
                view = login_required(view)
            for rule, methods in rules[name]:
                bp.add_url_rule(rule, endpoint=name, view_func=view, methods=list(methods))

    def check_declarations(self) -> None:
        """A declaration the registered views need and the type left out is an error when the
        blueprint is imported — not a page saying "None" once a member meets it."""
        missing = [name for name in ("model", "kind") if not getattr(self, name)]
        writing = {"create", "edit"} & set(self.endpoints)
        if "feed" in self.endpoints and self.feed_title is None:
            missing.append("feed_title")
        if writing:
            if self.form_class is None:
                missing.append("form_class")
            if type(self).build_form is ContentViews.build_form and self.no_territory_message is None:
                missing.append("no_territory_message")
            if type(self).save is ContentViews.save and type(self).saved_message is ContentViews.saved_message:
                missing += [n for n in ("pending_message", "published_message") if getattr(self, n) is None]
        if writing and self.owners and self.form_class is not None and not hasattr(self.form_class, "owners"):
            missing.append("an owners field on the form (owners = True: derive it from OwnedContentForm)")
        if self.kind_column and self.model is not None and not hasattr(self.model, self.kind_column):
            missing.append(f"kind_column ({self.kind_column!r} is not a column of {self.model.__name__})")
        if missing:
            raise TypeError(f"{type(self).__name__} must declare: {', '.join(missing)}")

    def create_rule(self) -> str:
        return f"/{self.plural}/new"

    def template(self, name: str) -> str:
        return f"{self.bp.name}/{name}.html"

    def endpoint(self, name: str) -> str:
        return f"{self.bp.name}.{name}"

    # --- the list and the feed ------------------------------------------------------------
    def filters(self) -> ContentFilter:
        return ContentFilter.from_args(request.args, self.kinds)

    def published(self, filters):
        """The published items matching ``filters``, not ordered: where ``listing`` starts."""
        column = getattr(self.model, self.kind_column) if self.kind_column else None
        return filters.apply(select(self.model), self.model, column)

    def listing(self, filters, **params):
        """Hook: the list's ordered query; ``params`` are those of ``list_params``."""
        return self.published(filters).order_by(self.model.published_at.desc(), self.model.id.desc())

    def list_params(self, args) -> dict:
        """Hook: the type's own list options read from the query string, as they are written in
        its URLs (None when absent); given to ``listing``, ``index_context`` and the page links."""
        return {}

    def index_context(self, **params) -> dict:
        """Hook: what the list's template needs besides the filters, the page, the territories and
        ``kinds`` (the declared ones)."""
        return {}

    def feed_listing(self, filters):
        """Hook: the feed's ordered query (the list's by default)."""
        return self.listing(filters)

    def list_page(self, endpoint: str, filters, stmt, params=None, **context):
        """A page of ``stmt`` rendered by the type's ``index.html`` (its ``results`` block for
        htmx); page links go to ``endpoint`` with the filters and ``params``."""
        number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
        # The cards are loaded by ``loader``; ``stmt`` only finds and counts their ids (without
        # loader options: the count's cache key walked them, a millisecond a page).
        page = paginate(stmt, self.model.id, number, PER_PAGE, loader=card_loader(self.model, self.card_author),
                        kept_cards=True, kept_keys=True)
        territories = Territory.by_name()
        args = filters.to_args(**(params or {}))
        context = {"kinds": self.kinds, **context}
        return render(self.template("index"), block="results", filters=filters, page=page, territories=territories,
                      page_url=lambda n: url_for(endpoint, page=n, **args), **context)

    def index(self):
        filters = self.filters()
        params = self.list_params(request.args)
        return self.list_page(self.endpoint("index"), filters, self.listing(filters, **params), params,
                              **self.index_context(**params))

    def feed(self):
        filters = self.filters()
        items = first(self.feed_listing(filters).options(*feed_options(self.model)), self.model.id, FEED_SIZE)
        return atom(str(self.feed_title), items, url_for(self.endpoint("feed"), _external=True, **filters.to_args()),
                    page_url=url_for(self.endpoint("index"), _external=True, **filters.to_args()))

    # --- the page -------------------------------------------------------------------------
    def show_context(self, item) -> dict:
        """Hook: what the page's template needs besides the item and the tag form."""
        return {}

    def render_show(self, item, status: int = 200, **context):
        """The item's page; ``context`` replaces parts of ``show_context`` (a form with its errors)."""
        return render(self.template("show"), status=status,
                      **{"item": item, "tag_form": TagForm(formdata=None), **self.show_context(item), **context})

    def show(self, id, slug=""):
        item, redirect_to = load_content(self.model, id, slug)
        if redirect_to:
            return redirect_to
        return self.render_show(item)

    # --- writing --------------------------------------------------------------------------
    def build_form(self, item=None):
        """The form, its territories those where the current user may write (403 when none)."""
        form = self.form_class()
        form.territory.choices = territory_choices(current_user)
        if not form.territory.choices:
            fail(403, str(self.no_territory_message))
        if self.owners:
            set_owner_choices(form, item)
        self.prepare_form(form, item)
        return form

    def prepare_form(self, form, item) -> None:
        """Hook: the type's own choices and adjustments of the form (``item`` None: creating)."""

    def initial(self, form) -> None:
        """Hook: a new item's form on first display: by default its ``kind_column`` field
        prefilled from ``?kind=`` when that is one of ``kinds`` ("Write a format sheet")."""
        wanted = request.args.get("kind")
        if self.kind_column and self.kinds and wanted in self.kinds and self.kind_column in form:
            form[self.kind_column].data = wanted

    def fill(self, form, item) -> None:
        """Hook: the type's own fields of the form from ``item``, on the first display of an edit
        (the common fields, the owners and ``fields`` are filled already)."""

    def apply(self, item, form):
        """Hook: the type's own fields of ``item`` from the form (the common fields and
        ``fields`` are applied already). False refuses the submission (the reason in a field's
        errors)."""

    def apply_fields(self, item, form) -> None:
        """``fields`` from the form onto ``item``, text stripped of surrounding blanks."""
        for name in self.fields:
            value = form[name].data
            setattr(item, name, value.strip() if isinstance(value, str) else value)

    def editor_action(self, form) -> dict | None:
        """Hook: a button that re-renders the form without saving (a dict of extra context) —
        the preview by default."""
        return preview_requested(form)

    def saved_message(self, item) -> str:
        """Hook: flashed once saved."""
        if item.status == DRAFT:
            return _("Draft saved. Only you and the animators can see it.")
        if item.status == PENDING:
            return str(self.pending_message)
        return str(self.published_message)

    def save_with_images(self, item, form, creating: bool):
        """``save`` with the form's cover (``images.py``): the upload stored first, removed again
        when the save refuses or fails; the replaced file removed once the save committed — for
        every type, whether it overrides ``save`` or not."""
        changes = ImageChanges()

        def run():
            changes.apply_cover(item, form)
            return self.save(item, form, creating)

        return guarded_save(changes, run)

    def save(self, item, form, creating: bool):
        """Hook: apply the form and save (``helpers.save_content``); None when refused."""
        apply_common_fields(item, form)
        self.apply_fields(item, form)
        if self.apply(item, form) is False:
            return None
        if self.owners:
            apply_owners(item, form)
        return save_content(item, creating=creating, audit_action=f"{self.kind}.updated",
                            message=self.saved_message, drafts=self.drafts)

    def load_for_edit(self, id):
        """Hook: the item to edit, or 404/403."""
        item, _redirect = load_content(self.model, id, action="edit")
        return item

    def _fill(self, form, item) -> None:
        if self.owners:
            form.owners.data = [a.id for a in item.owners]
        for name in self.fields:
            form[name].data = getattr(item, name)
        fill_cover(form, item)
        self.fill(form, item)

    def create(self):
        form = self.build_form()
        if not form.is_submitted():
            form.territory.data = home_territory_id(current_user, form.territory.choices)
            self.initial(form)
        return form_page(self.template("form"), form, None,
                         lambda: self.save_with_images(self.model(author=current_user), form, creating=True),
                         editor_action=self.editor_action)

    def edit(self, id):
        item = self.load_for_edit(id)
        form = self.build_form(item)
        form.current_cover = item.cover_image
        return form_page(self.template("form"), form, item, lambda: self.save_with_images(item, form, creating=False),
                         fill=self._fill, editor_action=self.editor_action)
