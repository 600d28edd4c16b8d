"""Comments, likes, reports and notifications on any content."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select, update

from ...bounds import parse_id
from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...models import Content, Territory
from ...models.base import utcnow
from ...models.discussion import Comment, Notification, Report
from ...policy import can
from ...sessions import refuse_unconfirmed
from . import bp
from .forms import CommentForm, ReportForm
from .operations import (
    DiscussionError,
    add_comment,
    close_report,
    delete_comment,
    mark_read,
    recent_notifications,
    report,
    set_like,
)


def _content(content_id) -> Content:
    item = db.session.get(Content, content_id)
    if item is None or not can(current_user, "view", item):
        fail(404)
    return item


def _discussion(item, form=None, status=200, focus=None):
    if is_htmx():
        return render("discussion/_discussion.html", item=item, comment_form=form, focus=focus, status=status)
    return render("discussion/comment_error.html", item=item, comment_form=form, status=status)


@bp.post("/content/<int:content_id>/comments")
@login_required
def comment(content_id):
    item = _content(content_id)
    if not can(current_user, "comment", item):
        if item.kind == "group" and current_user.is_confirmed:
            fail(403, _("Only the group's members take part in its discussion."))
        fail(403, _("Confirm your e-mail address before commenting."))
    form = CommentForm()
    if not form.validate_on_submit():
        return _discussion(item, form, 422)
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, parse_id(form.parent_id.data)) if parse_id(form.parent_id.data) else None
        if parent is None:
            fail(400)
    try:
        new = add_comment(item, current_user, form.body.data, parent)
    except DiscussionError as error:
        db.session.rollback()
        fail(error.status, str(error))
    db.session.commit()
    if is_htmx():
        return render("discussion/_discussion.html", item=item, comment_form=None, focus=new.id)
    flash(_("Your comment is published."), "success")
    return redirect(f"{item.url}#comment-{new.id}", code=303)


def _own_comment(comment_id, action):
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.is_deleted or not can(current_user, "view", comment.content):
        fail(404)
    if not can(current_user, action, comment):
        fail(403, _("You may not change this comment."))
    return comment


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id):
    comment = _own_comment(comment_id, "edit")
    form = CommentForm(obj=comment if request.method == "GET" else None)
    if form.validate_on_submit():
        comment.body = form.body.data.strip()
        comment.edited = True
        db.session.commit()
        flash(_("Your comment is saved."), "success")
        return redirect(f"{comment.content.url}#comment-{comment.id}", code=303)
    return render("discussion/edit.html", comment=comment, form=form, status=422 if form.errors else 200)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id):
    comment = _own_comment(comment_id, "delete")
    if not FlaskForm().validate_on_submit():
        fail(400)
    item = comment.content
    delete_comment(comment, current_user)
    db.session.commit()
    if is_htmx():
        return render("discussion/_discussion.html", item=item, comment_form=None)
    flash(_("The comment is deleted."), "success")
    return redirect(f"{item.url}#discussion", code=303)


@bp.post("/content/<int:content_id>/like")
@login_required
def like(content_id):
    item = _content(content_id)
    if not FlaskForm().validate_on_submit():
        fail(400)
    if not can(current_user, "like", item):
        refuse_unconfirmed(item.url)
    try:
        set_like(current_user, item, request.form.get("value") == "1")
    except DiscussionError as error:
        db.session.rollback()
        fail(error.status, str(error))
    db.session.commit()
    if is_htmx():
        return render("discussion/_like.html", item=item)
    return redirect(item.url, code=303)


@bp.route("/content/<int:content_id>/report", methods=["GET", "POST"])
@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
def report_view(content_id=None, comment_id=None):
    comment = None
    if comment_id is not None:
        comment = db.session.get(Comment, comment_id)
        if comment is None or comment.is_deleted:
            fail(404)
        item = _content(comment.content_id)
    else:
        item = _content(content_id)
    if not can(current_user, "report", comment or item):
        refuse_unconfirmed(item.url)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            report(current_user, form.reason.data, content=item, comment=comment)
        except DiscussionError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
            return render("discussion/report.html", item=item, comment=comment, form=form, status=error.status)
        db.session.commit()
        flash(_("Thank you: the animators will look at it."), "success")
        return redirect(item.url, code=303)
    if request.method == "GET":
        own = (comment.author_id if comment else item.author_id) == current_user.id
        if own:
            fail(400, _("You cannot report your own publication."))
    return render("discussion/report.html", item=item, comment=comment, form=form, status=422 if form.errors else 200)


@bp.get("/notifications")
@login_required
def notifications():
    """The latest notifications; opening the page reads them (those that were new say so)."""
    rows = recent_notifications(current_user)
    if any(n.read_at is None for n in rows):
        # Up to the newest shown: one that comes meanwhile is not marked read unseen.
        mark_read(current_user, upto=max(n.id for n in rows))
    return render("discussion/notifications.html", rows=rows)


@bp.post("/notifications/read")
@login_required
def read_notifications():
    if not FlaskForm().validate_on_submit():
        fail(400)
    db.session.execute(update(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("discussion.notifications"), code=303)


def _reports_page(errors=None, reasons=None, status=200):
    territories = [t for t in db.session.scalars(select(Territory)) if can(current_user, "moderate", t)]
    if not territories:
        fail(403, _("This page is for animators."))
    ids = [t.id for t in territories]
    rows = [r for r in db.session.scalars(select(Report).where(Report.status == "open")
                                          .order_by(Report.created_at)).all()
            if (r.content or r.comment.content).territory_id in ids]
    return render("discussion/reports.html", rows=rows, errors=errors or {}, reasons=reasons or {}, status=status)


@bp.get("/moderation/reports")
@login_required
def reports():
    return _reports_page()


@bp.post("/reports/<int:report_id>/close")
@login_required
def close(report_id):
    entry = db.session.get(Report, report_id)
    if entry is None:
        fail(404)
    target = entry.content or entry.comment.content
    if not can(current_user, "moderate", target):
        fail(403)
    if not FlaskForm().validate_on_submit():
        fail(400)
    close_report(entry, current_user)
    db.session.commit()
    flash(_("Report closed."), "success")
    return redirect(url_for("discussion.reports"), code=303)




@bp.post("/reports/<int:report_id>/hide")
@login_required
def hide(report_id):
    """Resolve a report by taking its item down (unpublished: back to a draft), the reason sent to
    the author; every open report on the item and on its comments is closed with it."""
    from ...moderation import UNPUBLISH, can_be_taken_down, notify_taken_down, take_down
    from ..content.routes import reason_text

    entry = db.session.get(Report, report_id)
    if entry is None or entry.content is None:
        fail(404)
    item = entry.content
    if not (can(current_user, "moderate", item) and can(current_user, "take_down", item)):
        fail(403, _("Only the animators of this territory moderate its publications."))
    if not FlaskForm().validate_on_submit():
        fail(400)
    done = None
    if can_be_taken_down(item):
        reason = reason_text(request.form.get("reason"))
        if not reason:
            return _reports_page(errors={entry.id: _("Give a reason: it is sent to the author.")},
                                 reasons={entry.id: ""}, status=422)
        done = take_down(item, current_user, UNPUBLISH, reason)
    comment_ids = select(Comment.id).where(Comment.content_id == item.id)
    for other in db.session.scalars(select(Report).where(
            Report.status == "open", (Report.content_id == item.id) | Report.comment_id.in_(comment_ids))):
        close_report(other, current_user)
    db.session.commit()
    if done is not None:
        notify_taken_down(done)
        flash(_("The item is hidden and its reports closed: the author is told why."), "success")
    else:
        flash(_("The item was already taken down: its reports are closed."), "info")
    return redirect(url_for("discussion.reports"), code=303)
