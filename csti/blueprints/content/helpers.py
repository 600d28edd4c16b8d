"""What every content blueprint's views share: loading with permission and canonical URL,
applying the common form fields, the create/edit form page and the save that ends it."""
from flask import abort, flash, g, redirect, request
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defaultload, lazyload

from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...models import DRAFT, PENDING, PUBLISHED, AuditLog, Content, Territory
from ...models.accounts import User
from ...models.actors import Actor, ActorMember
from ...models.base import utcnow
from ...moderation import may_be_draft, review_if_spammy, submit
from ...policy import can
from .forms import split_tags


def load_content(model, content_id: int, slug: str | None = None, action: str = "view"):
    """The ``model`` row or 404; 403 unless the current user may ``action`` it. Returns
    ``(item, redirect_response_or_None)`` — a wrong or missing slug redirects (301) to the
    canonical URL."""
    # A page read (GET) only: a POST may go on to what the page does not show (a loan request
    # mails the owners' managers).
    item = db.session.execute(_page_select(model), {"content_id": content_id}).unique().scalar_one_or_none() \
        if request.method == "GET" else db.session.get(model, content_id)
    if item is None:
        if request.method == "GET" and action == "view":
            from ...merges import actor_redirect

            merged_into = actor_redirect(content_id)  # a merged duplicate: to the one kept
            if isinstance(merged_into, model) and can(current_user, "view", merged_into):
                abort(redirect(_same_view(content_id, merged_into), code=301))
        fail(404)
    if not can(current_user, action, item):
        # Hide unpublished content's existence from those who may not see it.
        fail(404 if action == "view" else 403)
    if request.method == "GET" and slug is not None and slug != item.slug:
        return item, redirect(item.url, code=301)
    g.csti_visit_territory = item.territory_id  # its page's views count for its territory (csti/visits.py)
    return item, None


def page_options(model) -> list:
    """What an item's page does not show is not loaded with it, a statement each (read when
    something asks): its audiences, its author's territory roles (``User.memberships``, loaded with every user
    by default), its owners' authors, an event's venue — shown in kept parts only, read when they
    are drawn — and its venue's tags, audiences and author (the page shows the structures' names
    and addresses)."""
    structures = (lazyload(Content.tags), lazyload(Content.audience_rows), lazyload(Content.author))
    # Its own audiences and tags only when asked: an article's page never shows its audiences; an
    # event's shows them in its kept facts (``fragments.page_part``), its tags in a kept part
    # (drawn for its editors), both read again only when drawn.
    options = [lazyload(model.audience_rows), lazyload(model.tags),
               defaultload(model.author).lazyload(User.memberships), defaultload(model.owners).options(*structures),
               # Whether the member manages an organiser (policy): the people's roles, not the people.
               defaultload(model.owners.of_type(Actor)).defaultload(Actor.members).lazyload(ActorMember.user)]
    venue = getattr(model, "venue", None)
    if venue is not None:  # shown in kept parts (the facts, the JSON-LD, the map): read when they are drawn
        options.append(lazyload(venue).options(*structures, defaultload(Actor.members).lazyload(ActorMember.user)))
    return options


def _page_select(model):
    """The select of one ``model`` row by the parameter ``content_id``, with ``page_options``,
    built once per model: SQLAlchemy computes a statement's cache key — a walk of every option,
    0.3 ms here — once per statement object, not once per page (``listing.by_keys``)."""
    stmt = _page_selects.get(model)
    if stmt is None:
        stmt = _page_selects[model] = select(model).where(model.id == bindparam("content_id")).options(
            *page_options(model))
    return stmt


_page_selects: dict = {}


def _same_view(old_id: int, item) -> str:
    """The URL of the current view (page, feed…) for ``item`` instead of the item ``old_id``."""
    from flask import url_for
    from werkzeug.routing import BuildError

    if request.endpoint == item.view_endpoint:
        return item.url  # its page: straight to the canonical address
    args = {key: (item.id if value == old_id else value) for key, value in (request.view_args or {}).items()}
    if "slug" in args:
        args["slug"] = item.slug
    try:
        # The query string kept, but never over a path argument (``?id=1`` on ``/actor/<id>/…``).
        return url_for(request.endpoint, **{**request.args.to_dict(), **args})
    except BuildError:
        return item.url


def territory_choices(user, action: str = "create_content"):
    territories = Territory.by_name()
    return [(t.id, t.name) for t in territories if can(user, action, t)]


def home_territory_id(user, choices) -> int | None:
    """The territory a new item's form starts on: among ``choices`` (id, name), the one where
    ``user`` holds the highest role (animator, then contributor, then member), else the first."""
    from ...models import Membership

    rank = {"animator": 0, "contributor": 1, "member": 2}
    roles = dict(db.session.execute(select(Membership.territory_id, Membership.role).where(
        Membership.user_id == user.id)).all()) if getattr(user, "is_authenticated", False) else {}
    ids = [tid for tid, _name in choices]
    mine = sorted((rank.get(roles[tid], 3), n) for n, tid in enumerate(ids) if tid in roles)
    if mine:
        return ids[mine[0][1]]
    return ids[0] if ids else None


def apply_common_fields(item, form) -> None:
    """Copy the ContentForm fields onto ``item`` (tags replaced by the form's list)."""
    item.title = form.title.data
    item.summary = (form.summary.data or "").strip()
    item.body = form.body.data or ""
    previous = item.territory_id
    item.territory = db.session.get(Territory, form.territory.data) if form.territory.data else None
    # Remembered for ``review_if_moved``: a published item moved elsewhere meets that territory's rules.
    item._moved_territory = item.id is not None and previous != (item.territory.id if item.territory else None)
    wanted = split_tags(form.tags.data)
    item.tags = []
    for name in wanted:
        item.add_tag(name)


def to_group_territory(item, territory) -> None:
    """A members-only item sits in its group's territory, whatever the form said: its animators
    are the ones who oversee the group (policy ``_view_members_only``)."""
    if territory is not None and item.territory is not territory:
        item.territory = territory
        item._moved_territory = item.id is not None


def review_if_moved(item, user) -> bool:
    """A published item moved (by ``apply_common_fields``) to a territory where ``user`` may not
    publish without review goes back to that territory's moderation queue. True when it did."""
    if item.status == PUBLISHED and getattr(item, "_moved_territory", False) and not can(user, "publish", item):
        item.status = PENDING
        return True
    return False


def preview_requested(form) -> dict | None:
    """The editor's "Preview" button (without JavaScript): re-render the form with the
    sanitised rendering of the text, saving nothing."""
    if request.form.get("action") == "preview":
        from ...markdown import render_markdown

        return {"preview": render_markdown(form.body.data or "")}
    return None


def fill_common_fields(form, item) -> None:
    form.title.data = item.title
    form.summary.data = item.summary
    form.body.data = item.body
    form.territory.data = item.territory_id
    form.tags.data = ", ".join(t.name for t in item.tags)


# --- owning structures ----------------------------------------------------------------------
def set_owner_choices(form, item=None) -> None:
    """The structures the current user belongs to, and those already owning ``item``."""
    mine = db.session.scalars(select(Actor).join(ActorMember, ActorMember.actor_id == Actor.id).where(
        ActorMember.user_id == current_user.id).order_by(Actor.title)).all()
    owners = {a.id: a for a in mine + (list(item.owners) if item else [])}
    form.owners.choices = [(a.id, a.title) for a in owners.values()]


def apply_owners(item, form) -> None:
    """The owners ticked in the form, among those offered by ``set_owner_choices``."""
    allowed = dict(form.owners.choices)
    item.owners = [db.session.get(Actor, i) for i in form.owners.data or [] if i in allowed]


# --- the create / edit page -----------------------------------------------------------------
def form_page(template, form, item, save, fill=None, editor_action=preview_requested):
    """The create (``item`` None) or edit view, once the form is built and the permission checked.

    A button of the editor that saves nothing (``editor_action`` returns a dict: the preview…)
    re-renders the form with it; a valid submission is handed to ``save()``, whose response is
    returned — or, when it returns None (something it refused, already put in the form's errors),
    the transaction is rolled back and the form shown again. On first display of an edit, the
    form is filled from ``item`` (common fields, then ``fill(form, item)`` for the type's own);
    the form is answered 422 when it has errors."""
    extra = editor_action(form) if form.is_submitted() else None
    if extra is not None:
        return render(template, form=form, item=item, **extra)
    if form.validate_on_submit():
        done = save()
        if done is not None:
            return done
        db.session.rollback()
        if item is not None:
            item = db.session.get(type(item), item.id)
    if item is not None and not form.is_submitted():
        fill_common_fields(form, item)
        if fill is not None:
            fill(form, item)
    return render(template, form=form, item=item, status=422 if form.errors else 200)


def save_content(item, *, creating: bool, audit_action: str, message, drafts: bool = True):
    """Save ``item``, the form already applied to it, and redirect (303) to its page.

    With ``drafts``, the editor's "Save as draft" button keeps an unpublished item a draft and
    any other submits it for moderation (a published item stays published, unless moved to a
    territory where the editor may not publish: ``review_if_moved``, or given more links by a new
    member: ``moderation.review_if_spammy``); an item an animator took down or a sanction hid goes
    to the queue (``moderation.submit``) and an archived one stays archived rather than a draft
    (``may_be_draft``); a type without drafts has
    set its status itself. A new item is added; an edited one is stamped and
    recorded in the audit log as ``audit_action``. Once committed, ``message(item)`` is flashed."""
    if not creating:
        review_if_moved(item, current_user)
        review_if_spammy(item, current_user)
    if drafts:
        if request.form.get("action") == "draft":
            if item.status != PUBLISHED and may_be_draft(item, current_user):
                item.status = DRAFT
        elif item.status != PUBLISHED:
            submit(item, current_user)
    if creating:
        db.session.add(item)
    else:
        item.updated_at = utcnow()
        AuditLog.record(current_user, audit_action, item, item.territory)
    db.session.commit()
    flash(message(item), "success")
    return redirect(item.url, code=303)
