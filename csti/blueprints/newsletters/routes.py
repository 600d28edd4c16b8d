"""Newsletters: the animators' pages (issues, compose, picker, preview, send), the public
subscription page, confirmation and unsubscribe links, the archive (docs/architecture.md §11)."""
from flask import abort, after_this_request, current_app, flash, make_response, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ...errors import fail
from ...extensions import csrf, db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...models import NewsletterIssue, Territory
from ...models.newsletters import CONFIRMED, DRAFT, SENT
from ...policy import is_animator
from ...templating import elide_filter
from ..territories.routes import get_territory
from . import bp
from . import operations as ops
from .forms import EmptyForm, IssueForm, ItemForm, SendForm, SubscribeForm


# --- permissions ----------------------------------------------------------------------------
def _require_animator(territory):
    if not current_user.is_authenticated or not is_animator(current_user, territory):
        fail(403, elide_filter(_("Only the animators of %(name)s and administrators can manage its newsletter.",
                                 name=territory.name), territory.name))


def _issue(id, draft=False) -> NewsletterIssue:
    issue = db.session.get(NewsletterIssue, id)
    if issue is None:
        fail(404)
    _require_animator(issue.territory)
    if draft and issue.status != DRAFT:
        fail(409, _("This newsletter has already been sent: it can no longer be changed."))
    return issue


def _animated_territories():
    stmt = select(Territory).order_by(Territory.name)
    return [t for t in db.session.scalars(stmt).all() if is_animator(current_user, t)]


# --- issues of a territory ------------------------------------------------------------------
@bp.get("/t/<slug>/newsletters/manage")
@login_required
def manage(slug):
    territory = get_territory(slug)
    _require_animator(territory)
    issues = db.session.scalars(select(NewsletterIssue).where(NewsletterIssue.territory_id == territory.id)
                                .order_by(NewsletterIssue.created_at.desc(), NewsletterIssue.id.desc())).all()
    return render("newsletters/manage.html", territory=territory, issues=issues,
                  recipients=ops.recipient_count(territory))


def _int_args(name) -> list[int]:
    values = []
    for raw in request.args.getlist(name)[:ops.MAX_ITEMS]:
        if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63:
            values.append(int(raw))
    return values


@bp.route("/newsletters/new", methods=["GET", "POST"])
@login_required
def new():
    """Compose: ``?territory=<slug>&item=<id>&item=<id>`` preselects the territory and items."""
    territories = _animated_territories()
    if not territories:
        fail(403, _("Only the animators of a territory and administrators can write its newsletter."))
    form = IssueForm()
    form.territory.choices = [(t.slug, t.name) for t in territories]
    by_slug = {t.slug: t for t in territories}
    if request.method == "GET":
        wanted = request.args.get("territory")
        form.territory.data = wanted if wanted in by_slug else territories[0].slug  # the select's first
        form.item.data = _int_args("item")
    # Only the chosen territory's published publications: others are left out of the prefill
    # and refused when posted.
    territory = by_slug.get(form.territory.data)
    wanted_items = list(dict.fromkeys(form.item.data or []))
    chosen = [c for c in (ops.candidate(cid, territory) for cid in wanted_items) if c is not None]
    form.item.choices = [(c.id, c.title) for c in chosen]
    if request.method == "GET":
        form.item.data = [c.id for c in chosen]
        return render("newsletters/new.html", form=form)
    valid = form.validate_on_submit()
    if territory is None:
        if not form.territory.errors:
            form.territory.errors = [_("Choose one of your territories.")]
        valid = False
    elif len(chosen) != len(wanted_items):
        form.item.errors = [_("Only the published publications of the newsletter's territory can be added.")]
        valid = False
    if not valid:
        return render("newsletters/new.html", form=form, status=422)
    issue = NewsletterIssue(territory=territory, created_by_id=current_user.id)
    ops.set_editorial(issue, form.subject.data, form.editorial.data)
    db.session.add(issue)
    for content in chosen:
        if content.id in (form.item.data or []):
            ops.add_item(issue, content)
    db.session.commit()
    flash(_("Draft saved. Add publications, then preview and send."), "success")
    return redirect(url_for("newsletters.edit", id=issue.id), code=303)


def _edit_page(issue, form=None, status=200, message=None, focus=None):
    words = request.args.get("q", "")
    form = form or IssueForm(obj=issue)
    form.territory.choices = []
    return render("newsletters/edit.html", status=status, issue=issue, form=form, words=words,
                  candidates=ops.recent_publications(issue.territory, words, [e.content_id for e in issue.items]),
                  recipients=ops.recipient_count(issue.territory), message=message, focus=focus)


@bp.route("/newsletters/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    issue = _issue(id, draft=request.method == "POST")
    if request.method == "GET":
        if issue.status != DRAFT:
            return redirect(url_for("newsletters.issue", slug=issue.territory.slug, id=issue.id), code=303)
        return _edit_page(issue)
    form = IssueForm()
    form.territory.choices = []
    if not form.validate_on_submit():
        return _edit_page(issue, form, 422)
    ops.set_editorial(issue, form.subject.data, form.editorial.data)
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for("newsletters.edit", id=issue.id), code=303)


@bp.post("/newsletters/<int:id>/delete")
@login_required
def delete(id):
    issue = _issue(id, draft=True)
    if not EmptyForm().validate_on_submit():
        fail(400)
    slug = issue.territory.slug
    db.session.delete(issue)
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("newsletters.manage", slug=slug), code=303)


@bp.get("/newsletters/<int:id>/picker")
@login_required
def picker(id):
    """The recent publications of the territory, filtered by ``q``: the fragment for htmx (the
    search box), the edit page otherwise."""
    issue = _issue(id, draft=True)
    words = request.args.get("q", "")
    candidates = ops.recent_publications(issue.territory, words, [e.content_id for e in issue.items])
    if is_htmx():
        return render("newsletters/_picker.html", issue=issue, candidates=candidates, words=words)
    return _edit_page(issue)


def _after_items(issue, message, focus=None):
    db.session.commit()
    if is_htmx():
        return render(
            "newsletters/_compose.html", issue=issue, message=message, focus=focus, words="",
            candidates=ops.recent_publications(issue.territory, "", [e.content_id for e in issue.items]))
    if message:
        flash(message, "success")
    return redirect(url_for("newsletters.edit", id=issue.id) + "#items", code=303)


@bp.post("/newsletters/<int:id>/items")
@login_required
def add_item(id):
    issue = _issue(id, draft=True)
    form = ItemForm()
    if not form.validate_on_submit():
        fail(400)
    content = ops.candidate(form.content_id.data, issue.territory)
    if content is None:
        fail(404, _("This publication is not among the published ones of this territory."))
    try:
        ops.add_item(issue, content)
    except ops.NewsletterError as error:
        db.session.rollback()
        fail(error.status, str(error))
    return _after_items(issue, _("“%(title)s” added.", title=content.title), focus=("items",))


@bp.post("/newsletters/<int:id>/items/<int:content_id>/remove")
@login_required
def remove_item(id, content_id):
    issue = _issue(id, draft=True)
    if not EmptyForm().validate_on_submit():
        fail(400)
    ops.remove_item(issue, content_id)
    return _after_items(issue, _("Publication removed."), focus=("items",))


@bp.post("/newsletters/<int:id>/items/<int:content_id>/<any(up, down):direction>")
@login_required
def move_item(id, content_id, direction):
    issue = _issue(id, draft=True)
    if not EmptyForm().validate_on_submit():
        fail(400)
    moved = ops.move_item(issue, content_id, -1 if direction == "up" else 1)
    message = (_("The item moved up.") if direction == "up" else _("The item moved down.")) if moved else None
    return _after_items(issue, message, focus=(content_id, direction))


# --- preview and send -------------------------------------------------------------------------
def _preview_page(issue, form=None, status=200, error=None):
    return render("newsletters/preview.html", status=status, issue=issue, form=form or SendForm(),
                  recipients=ops.recipient_count(issue.territory), error=error,
                  empty=ops.is_empty(issue))


@bp.get("/newsletters/<int:id>/preview")
@login_required
def preview(id):
    issue = _issue(id)
    return _preview_page(issue)


@bp.get("/newsletters/<int:id>/preview/mail")
@login_required
def preview_mail(id):
    """The mail itself, as recipients get it (their unsubscribe link aside), shown in the
    preview's frame: its own policy (inline styles of mails, no script, framed by the site only)."""
    issue = _issue(id)
    html = issue.mail_html.replace(ops.TOKEN_MARK, "preview") if issue.status != DRAFT and issue.mail_html \
        else ops.render_mail(issue, url_for("newsletters.unsubscribe", token="preview", _external=True))[0]
    response = make_response(html)
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; "
                                                   "img-src 'self' data:; frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/newsletters/<int:id>/send")
@login_required
def send(id):
    issue = _issue(id)
    if issue.status != DRAFT:
        return _preview_page(issue, status=409, error=_("This newsletter has already been sent."))
    form = SendForm()
    if not form.validate_on_submit():
        return _preview_page(issue, form, 422)
    try:
        count = ops.queue(issue)
    except ops.NewsletterError as error:
        db.session.rollback()
        if error.field == "confirm":  # next to the box: nobody would receive it
            form.confirm.errors = [str(error)]
            return _preview_page(db.session.get(NewsletterIssue, id), form, error.status)
        return _preview_page(db.session.get(NewsletterIssue, id), form, error.status, error=str(error))
    db.session.commit()
    if 0 < count <= current_app.config["NEWSLETTER_SEND_NOW_MAX"]:
        _send_after_response()
    flash(ngettext("The newsletter is being sent to %(num)d recipient.",
                   "The newsletter is being sent to %(num)d recipients.", count), "success")
    return redirect(url_for("newsletters.manage", slug=issue.territory.slug), code=303)


def _send_after_response():
    """A small list goes out at once, once the animator has the answer (one batch, one SMTP
    connection); anything left, or a mail server that is down, waits for the cron command."""
    app = current_app._get_current_object()

    @after_this_request
    def _schedule(response):
        def run():
            with app.app_context():
                try:
                    ops.send_pending(max_batches=1)
                except Exception:  # noqa: BLE001 — the cron run will try again
                    app.logger.exception("newsletter: sending after the response failed")
                finally:
                    db.session.remove()

        response.call_on_close(run)
        return response


# --- subscriptions ------------------------------------------------------------------------------
def _subscription_page(territory, form=None, status=200, notice=None):
    own = None
    if current_user.is_authenticated:
        own = ops.subscription_for(territory, current_user.email)
    return render("newsletters/subscribe.html", status=status, territory=territory, form=form or SubscribeForm(),
                  own=own, notice=notice, CONFIRMED=CONFIRMED)


@bp.get("/t/<slug>/newsletter")
def subscription(slug):
    return _subscription_page(get_territory(slug))


@bp.post("/t/<slug>/newsletter")
def subscribe(slug):
    from ...models import User
    from ...throttle import store

    territory = get_territory(slug)
    if request.form.get("member") and current_user.is_authenticated:
        if not EmptyForm().validate_on_submit():
            fail(400)
        action = request.form.get("member")
        if action not in ("subscribe", "unsubscribe"):
            fail(400)
        if not current_user.is_confirmed:
            fail(403, _("Confirm your e-mail address first."))
        if action == "unsubscribe":
            own = ops.subscription_for(territory, current_user.email)
            if own is not None:
                ops.unsubscribe(own)
            message = _("You will no longer receive this newsletter.")
        else:
            ops.subscribe_member(territory, current_user)
            message = _("You are subscribed to this newsletter.")
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("newsletters.subscription", slug=territory.slug), code=303)
    form = SubscribeForm()
    if not form.validate_on_submit():
        return _subscription_page(territory, form, 422)
    if store().hit(f"newsletter-subscribe-ip:{request.remote_addr}", 3600) > ops.SUBSCRIBE_PER_IP:
        db.session.commit()
        fail(429)
    email = User.normalize_email(form.email.data)
    outcome, subscription = ops.request_subscription(territory, email)
    db.session.commit()
    # One answer whatever the address's state (subscribed already, waiting for its confirmation
    # or new): the page tells nobody who is subscribed. A confirmed address gets no mail.
    notice = _("If %(email)s is not subscribed to this newsletter yet, we sent it a confirmation link: "
               "follow it to start receiving the newsletter.", email=email)
    if outcome == ops.CONFIRMATION_SENT and not ops.send_confirmation(subscription):
        notice = _("The confirmation mail could not be sent. Please try again later.")
    return _subscription_page(territory, SubscribeForm(formdata=None), notice=notice)


@bp.get("/newsletter/confirm/<token>")
def confirm(token):
    try:
        subscription, issued_at = ops.read_confirm_token(token)
    except ops.TokenRefused as refused:
        return render("newsletters/token_refused.html", status=400, expired=refused.expired)
    db.session.commit()
    from ...database import write_transaction

    with write_transaction(db.session):
        subscription = db.session.get(type(subscription), subscription.id)
        outcome = ops.confirm(subscription, issued_at)
        db.session.commit()
    if outcome == ops.USED:  # unsubscribed since: an old link does not subscribe anyone again
        return render("newsletters/token_refused.html", status=410, expired=False, used=True)
    return render("newsletters/confirmed.html", territory=subscription.territory, first=outcome == ops.CONFIRMED_NOW)


def _one_click() -> bool:
    """RFC 8058: a mail client's POST whose body is exactly ``List-Unsubscribe=One-Click``."""
    return request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click"


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """GET: a confirmation page (link scanners follow GETs: they must not unsubscribe anyone);
    POST: unsubscribe — from the page's form (CSRF checked) or one-click (RFC 8058, no token:
    mail clients send none). Replayed (unsubscribed since the link was mailed): 410, nothing changes."""
    if request.method == "POST" and not _one_click():
        csrf.protect()
    try:
        subscription = ops.read_unsubscribe_token(token)
    except ops.TokenRefused:
        if token == "preview":
            return render("newsletters/token_refused.html", status=400, expired=False, preview=True)
        return render("newsletters/token_refused.html", status=400, expired=False)
    except ops.SpentToken as spent:
        return render("newsletters/token_refused.html", status=410, expired=False, spent=spent.subscription,
                      territory=spent.subscription.territory)
    if request.method == "GET":
        return render("newsletters/unsubscribe.html", subscription=subscription, territory=subscription.territory,
                      done=False, token=token)
    ops.unsubscribe(subscription)
    db.session.commit()
    return render("newsletters/unsubscribe.html", subscription=subscription, territory=subscription.territory,
                  done=True, token=token)


# --- archive --------------------------------------------------------------------------------------
@bp.get("/t/<slug>/newsletters")
def archive(slug):
    territory = get_territory(slug)
    issues = db.session.scalars(select(NewsletterIssue).where(
        NewsletterIssue.territory_id == territory.id, NewsletterIssue.status == SENT)
        .order_by(NewsletterIssue.sent_at.desc(), NewsletterIssue.id.desc())).all()
    return render("newsletters/archive.html", territory=territory, issues=issues,
                  animator=current_user.is_authenticated and is_animator(current_user, territory))


@bp.get("/t/<slug>/newsletters/<int:id>")
def issue(slug, id):
    issue = db.session.get(NewsletterIssue, id)
    if issue is None or issue.territory.slug != slug:
        abort(404)
    if issue.status != SENT and not (current_user.is_authenticated and is_animator(current_user, issue.territory)):
        abort(404)
    items = [entry.content for entry in issue.items if entry.content.status == "published"]
    return render("newsletters/issue.html", issue=issue, territory=issue.territory, items=items)
