"""Upload and delete (editors of the item), download and preview (those who may see it).

Upload and delete answer htmx with the section (``documents/_section.html``; 422 with the
message next to the field) and a page without JavaScript: a redirect to the item's documents,
or ``documents/upload_error.html`` with the form's errors."""
from flask import flash, redirect, send_file, url_for
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...models import AuditLog, Content, Document
from ...models.content import PUBLISHED
from ...policy import can
from . import bp
from .checks import DocumentError
from .forms import DocumentForm, blank_form
from .operations import attach_document, delete_document, discard_files, documents_of, enabled, file_path


def _item(content_id: int, action: str) -> Content:
    """The item, 404 when it is not there, not seen by the user or has no documents section;
    403 when the user may see it but not ``action`` it."""
    item = db.session.get(Content, content_id)
    if item is None or not can(current_user, "view", item) or not enabled(item):
        fail(404)
    if not can(current_user, action, item):
        fail(403, _("You may not change the documents of this page."))
    return item


def _answer(item, form=None, status=200):
    context = {"item": item, "documents": documents_of(item), "document_form": form or blank_form()}
    if is_htmx():
        return render("documents/_section.html", status=status, **context)
    if status >= 400:
        return render("documents/upload_error.html", status=status, **context)
    return redirect(f"{item.url}#documents", code=303)


@bp.post("/content/<int:content_id>/documents")
@login_required
def upload(content_id):
    item = _item(content_id, "edit")
    form = DocumentForm(prefix="document")
    if not form.validate_on_submit():
        return _answer(item, form, 422)
    upload = form.file.data
    try:
        document = attach_document(item, upload, form.title.data, upload.filename or "", current_user)
    except DocumentError as error:
        form.file.errors = [*form.file.errors, str(error)]
        return _answer(item, form, 422)
    try:
        db.session.flush()
        AuditLog.record(current_user, "document.added", item, item.territory, document_id=document.id,
                        filename=document.filename, sha256=document.sha256)
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_files(document)
        raise
    flash(_("The document “%(title)s” is added.", title=document.title), "success")
    return _answer(item)


@bp.post("/documents/<int:id>/delete")
@login_required
def delete(id):
    document = db.session.get(Document, id) or fail(404)
    item = _item(document.content_id, "edit")
    title = document.title
    AuditLog.record(current_user, "document.deleted", item, item.territory, document_id=document.id,
                    title=title, filename=document.filename, sha256=document.sha256)
    delete_document(document)
    db.session.commit()
    flash(_("The document “%(title)s” is deleted.", title=title), "success")
    return _answer(item)


def _visible(id: int) -> tuple[Document, Content]:
    document = db.session.get(Document, id)
    item = document and db.session.get(Content, document.content_id)
    if item is None or not can(current_user, "view", item):
        fail(404)
    return document, item


def _private_headers(response, item):
    """Never sniffed, never run (a sandbox without any source), kept by no shared cache unless
    everybody may see it — and even then revalidated each time (ETag: a 304 costs nothing), so a
    file whose item is unpublished stops being served at once."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if item.status == PUBLISHED and can(None, "view", item):
        response.headers["Cache-Control"] = "public, no-cache"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/documents/<int:id>/<filename>")
def download(id, filename):
    document, item = _visible(id)
    if filename != document.filename:
        return redirect(url_for(".download", id=id, filename=document.filename))
    path = file_path(document.stored_name) or fail(404)
    # the bare media type: Werkzeug adds "; charset=utf-8" to text types itself
    response = send_file(path, mimetype=document.media_type, as_attachment=True, download_name=document.filename,
                         etag=document.sha256, max_age=None, conditional=True)
    return _private_headers(response, item)


@bp.get("/documents/<int:id>/preview.webp")
def preview(id):
    document, item = _visible(id)
    path = file_path(document.preview) or fail(404)
    response = send_file(path, mimetype="image/webp", etag=document.sha256 + "-preview", max_age=None,
                         conditional=True)
    return _private_headers(response, item)
