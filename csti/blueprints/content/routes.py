"""Routes shared by every content type: tags (HTMX add/remove), preview, featuring, and the
moderation queue with its inline decisions."""
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...models import Content
from ...policy import can
from ...text import clean_text
from . import bp
from .forms import TagForm, split_tags


def _tag_response(item, form=None, status=200):
    if is_htmx():
        return render("content/_tags.html", item=item, tag_form=form or TagForm(formdata=None), status=status)
    if status >= 400:
        return render("content/tags_error.html", item=item, tag_form=form, status=status)
    from flask import redirect

    return redirect(item.url, code=303)


def _editable(content_id):
    item = db.session.get(Content, content_id)
    if item is None or not can(current_user, "view", item):
        fail(404)
    if not can(current_user, "tag", item):
        fail(403, _("You may not change the tags of this content."))
    return item


@bp.post("/content/<int:content_id>/tags")
@login_required
def add_tag(content_id):
    item = _editable(content_id)
    form = TagForm()
    if not form.validate_on_submit():
        return _tag_response(item, form, 422)
    for name in split_tags(form.name.data):
        item.add_tag(name)
    db.session.commit()
    return _tag_response(item)


@bp.post("/content/<int:content_id>/tags/<tag_slug>/remove")
@login_required
def remove_tag(content_id, tag_slug):
    item = _editable(content_id)
    if not item.remove_tag(tag_slug):
        fail(404)
    db.session.commit()
    return _tag_response(item)


@bp.post("/content/preview")
@login_required
def preview():
    """Live preview of a Markdown text (the editor's htmx request): the sanitised HTML."""
    from flask import request

    from ...markdown import render_markdown

    text = clean_text(request.form.get("body", "")[:200_000])  # what saving would keep
    return render("content/_preview.html", preview=render_markdown(text))


@bp.post("/content/<int:content_id>/feature")
@login_required
def feature(content_id):
    """Put a published item "à la une" of its territory (rank 1 first), or take it off."""
    from flask import redirect, request

    item = db.session.get(Content, content_id)
    if item is None or not can(current_user, "view", item):
        fail(404)
    if not can(current_user, "moderate", item):
        fail(403, _("Only the territory's animators choose what is featured."))
    if not _csrf_ok():
        fail(400)
    if request.form.get("action") == "remove":
        item.featured_rank = None
    else:
        rank = request.form.get("rank", type=int)
        if rank is None or not 1 <= rank <= 99:
            fail(422, _("Give a position between 1 and 99."))
        if not item.is_published:
            fail(409, _("Only published content can be featured."))
        item.featured_rank = rank
    db.session.commit()
    if is_htmx():
        return render("content/_feature.html", item=item, saved=True)
    return redirect(item.url, code=303)


def _csrf_ok() -> bool:
    from flask_wtf import FlaskForm

    return FlaskForm().validate_on_submit()


# --- moderation --------------------------------------------------------------------------------
def _queue_page(kind, errors=None, status=200):
    from ...moderation import moderated_territories, queue

    territories = moderated_territories(current_user)
    if not territories:
        fail(403, _("This page is for the territories' animators."))
    kinds = {k: cls.kind_label for k, cls in Content.KINDS.items() if k not in ("actor", "content")}
    kind = kind if kind in kinds else None
    return render("content/moderation.html", block="queue", items=queue(current_user, kind), kinds=kinds,
                  kind=kind, errors=errors or {}, status=status, territories=territories)


@bp.get("/moderation")
@login_required
def moderation():
    from flask import request

    return _queue_page(request.args.get("kind"))


@bp.post("/content/<int:content_id>/<any(approve, reject):decision>")
@login_required
def moderate(content_id, decision):
    from flask import flash, redirect, request, url_for

    from ...models import PENDING
    from ...moderation import decide, notify_author

    item = db.session.get(Content, content_id)
    if item is None or item.kind == "content":
        fail(404)
    if not can(current_user, "moderate", item):
        fail(403, _("Only the animators of this territory moderate its publications."))
    if item.status != PENDING:  # already decided (another animator, a second click)
        if is_htmx():
            return render("content/_moderation_row.html", item=item)
        flash(_("This publication was already reviewed."), "info")
        return redirect(url_for("content.moderation"), code=303)
    reason = " ".join(clean_text(request.form.get("reason") or "").split())[:2000]
    if decision == "reject" and not reason:
        error = _("Give a reason: it is sent to the author.")
        if is_htmx():
            return render("content/_moderation_row.html", item=item, error=error, status=422)
        return _queue_page(request.args.get("kind"), errors={item.id: error}, status=422)
    decide(item, current_user, decision == "approve", reason)
    db.session.commit()
    notify_author(item, decision == "approve", reason, url_for(item.view_endpoint, id=item.id, slug=item.slug,
                                                                _external=True))
    if is_htmx():
        return render("content/_moderation_row.html", item=item)
    flash(_("Published.") if decision == "approve" else _("Rejected: the author is told why."), "success")
    return redirect(url_for("content.moderation"), code=303)


# --- take-down (docs/architecture.md §6) -------------------------------------------------------------
def take_down_labels() -> dict:
    from ...moderation import ARCHIVE, DELETE, UNPUBLISH

    return {
        UNPUBLISH: _("Unpublish: back to a draft, seen only by its author and the animators; its author may "
                     "publish it again"),
        ARCHIVE: _("Archive: kept, out of every list, feed and search; its page seen only by its author and "
                   "the animators"),
        DELETE: _("Delete for good: the item, its comments, its documents and its place in dossiers go"),
    }


def reason_text(raw) -> str:
    """A reason as it is kept and sent: blanks folded, at most 2,000 characters."""
    return " ".join(clean_text(raw or "").split())[:2000]


@bp.route("/content/<int:content_id>/take-down", methods=["GET", "POST"])
@login_required
def take_down(content_id):
    """The confirmation page (GET) and the action (POST): unpublish, archive or delete a published
    item, the reason sent to its author; required when it is not one's own."""
    from flask import flash, redirect, url_for

    from ...moderation import (
        DELETE,
        can_be_taken_down,
        moderated_territories,
        notify_taken_down,
        reason_required,
        take_down_actions,
    )
    from ...moderation import take_down as do_take_down
    from .forms import TakeDownForm

    item = db.session.get(Content, content_id)
    if item is None or item.kind == "content" or not can(current_user, "view", item):
        fail(404)
    if not can(current_user, "take_down", item):
        if item.kind == "actor":
            fail(403, _("Only the structure’s managers and the animators of its territory may take it down."))
        fail(403, _("Only its author and the animators of its territory may take this publication down."))
    if not can_be_taken_down(item):
        fail(409, _("Only a published or archived item can be taken down."))
    labels = take_down_labels()
    form = TakeDownForm()
    form.action.choices = [(a, labels[a]) for a in take_down_actions(item, current_user)]
    required = reason_required(item, current_user)
    if form.validate_on_submit():
        reason = reason_text(form.reason.data)
        if required and not reason:
            form.reason.errors.append(_("Give a reason: it is sent to the author."))
        else:
            done = do_take_down(item, current_user, form.action.data, reason)
            db.session.commit()
            notify_taken_down(done)
            messages = {"unpublish": _("Unpublished: it is a draft again."),
                        "archive": _("Archived: it has left every list, feed and search."),
                        DELETE: _("Deleted.")}
            flash(messages[done.action], "success")
            if done.action != DELETE:
                return redirect(item.url, code=303)
            if moderated_territories(current_user):
                return redirect(url_for("content.moderation"), code=303)
            return redirect(url_for("accounts.my_content"), code=303)
    return render("content/take_down.html", item=item, form=form, reason_required=required,
                  status=422 if form.errors else 200)
