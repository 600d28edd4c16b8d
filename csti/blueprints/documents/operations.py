"""Documents attached to content (docs/architecture.md §3): storing a file once its bytes say
what it is (``checks.detect``; a PDF opened by PDFium in a child process, its first page the
preview), listing an item's documents, removing them — with their files, when the row goes or
when its item is deleted, once the transaction committed.

Files live in ``DOCUMENT_DIR`` (never under the public ``UPLOAD_DIR``), under random names:
``<2 hex>/<32 hex>.<ext>``, the preview ``previews/<32 hex>.webp``."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ... import registry
from ...extensions import db
from ...files_after_commit import remove_after_commit
from ...i18n import gettext as _
from ...models import Content, Document
from ...models.documents import FILENAME_MAX, TITLE_MAX
from .checks import KINDS, DocumentError, detect, label_of

PREVIEW_SIZE = (360, 480)  # the rendered first page fits in this box (pixels)
PDF_TIMEOUT = 20  # seconds the child process may take to open and render a PDF
CHUNK = 1024 * 1024


# --- where the files are -----------------------------------------------------------------------
def root() -> Path:
    return Path(current_app.config["DOCUMENT_DIR"])


def file_path(relative: str | None) -> Path | None:
    """The stored file's path, None if the name leaves ``DOCUMENT_DIR`` or nothing is there."""
    if not relative:
        return None
    base = root().resolve()
    path = (base / relative).resolve()
    return path if base in path.parents and path.is_file() else None


def _remove(relative: str | None) -> None:
    path = file_path(relative)
    if path is not None:
        path.unlink(missing_ok=True)


# --- reading ------------------------------------------------------------------------------------
def enabled(item) -> bool:
    """Whether ``item``'s page has a documents section (its type is registered ``documents=True``)."""
    content_type = registry.all_kinds().get(getattr(item, "kind", None))
    return content_type is not None and content_type.documents


def documents_of(item) -> list[Document]:
    """``item``'s documents, oldest first (one query; the uploader is not shown, not loaded)."""
    if item is None or item.id is None:
        return []
    return list(db.session.scalars(select(Document).where(Document.content_id == item.id)
                                   .order_by(Document.created_at, Document.id)))


def format_size(size: int) -> str:
    """"820 KB", "1.4 MB" in the reader's language (kB, MB: 1024-based, as file managers show)."""
    if size < 1024:
        return _("%(num)s bytes", num=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024)))
    return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))


def type_label(document: Document) -> str:
    return label_of(document.media_type)


# --- names ---------------------------------------------------------------------------------------
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|]+')


def strip_format(text: str) -> str:
    """``text`` without Unicode format characters (category Cf: right-to-left override U+202E,
    zero-width spaces, bidi isolates…), which can disguise a name ("invoice‮fdp.exe")."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean_filename(name: str, extension: str) -> str:
    """The uploaded name as people wrote it (accents kept), without paths, control, format or
    reserved characters, at most ``FILENAME_MAX`` characters, ending in the detected kind's ``extension``."""
    name = strip_format(unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1]))
    name = _UNSAFE.sub(" ", name)
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() != extension and (len(ext) > 5 or not ext.isalnum()):
        stem = name  # no extension, or a dot inside the name ("v1.2 final")
    stem = re.sub(r"\s+", " ", stem).strip(" .")
    stem = stem[: FILENAME_MAX - len(extension) - 1].strip(" .") or _("document")
    return f"{stem}.{extension}"


def clean_title(title: str | None) -> str:
    """A title on one line, without control or format characters, at most ``TITLE_MAX``."""
    title = strip_format(_UNSAFE_TITLE.sub(" ", title or ""))
    return " ".join(title.split())[:TITLE_MAX]


_UNSAFE_TITLE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def default_title(filename: str) -> str:
    stem = filename.rpartition(".")[0] or filename
    return stem.replace("_", " ").strip()[:TITLE_MAX] or filename[:TITLE_MAX]


# --- storing ------------------------------------------------------------------------------------
def _spool(source, limit: int) -> tuple[Path, int, str]:
    """Copy ``source`` (bytes, a path, or an uploaded FileStorage) into a temporary file of
    ``DOCUMENT_DIR``: its path, size and SHA-256. Too large: DocumentError, nothing left."""
    folder = root() / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    path = Path(name)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(source, (bytes, bytearray)):
                chunks = iter([bytes(source)])
            elif isinstance(source, (str, Path)):
                chunks = _read_chunks(open(source, "rb"))
            else:
                stream = getattr(source, "stream", source)
                stream.seek(0)
                chunks = _read_chunks(stream, close=False)
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise DocumentError(_("The file is too large (%(mb)d MB at most).", mb=limit // (1024 * 1024)))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise DocumentError(_("The file is empty."))
    return path, size, digest.hexdigest()


def _read_chunks(stream, close=True):
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        if close:
            stream.close()


def check_pdf(path: Path) -> Path | None:
    """Open the PDF at ``path`` with PDFium in a child process and render its first page: the
    PNG's path (a temporary file), None when it opened but gave no image (time-out, crash after
    opening, a page PDFium could not draw). DocumentError when it is not a PDF PDFium opens."""
    script = Path(__file__).with_name("pdfpreview.py")
    handle, name = tempfile.mkstemp(dir=path.parent, prefix="preview-", suffix=".png")
    os.close(handle)
    png = Path(name)
    try:
        result = subprocess.run([sys.executable, "-I", str(script), str(path), str(png), *map(str, PREVIEW_SIZE)],
                                capture_output=True, text=True, timeout=PDF_TIMEOUT, check=False)
        opened, returncode = result.stdout.startswith("opened"), result.returncode
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or b""
        opened, returncode = (output if isinstance(output, bytes) else output.encode()).startswith(b"opened"), None
    if returncode == 3:
        png.unlink(missing_ok=True)
        raise DocumentError(_("This document is protected by a password: send it without the password."))
    if not opened:
        png.unlink(missing_ok=True)
        if returncode is None:
            current_app.logger.warning("PDF check timed out: %s refused", path.name)
        raise DocumentError(_("This file is damaged or not a document we can read."))
    if returncode != 0 or not png.is_file() or png.stat().st_size == 0:
        png.unlink(missing_ok=True)
        current_app.logger.info("PDF opened but not rendered (status %s): no preview", returncode)
        return None
    return png


def _store_preview(png: Path) -> str | None:
    from PIL import Image

    from ...uploads import store_image

    try:
        with Image.open(png) as image:
            image.load()
            return store_image(image, "previews", max_size=PREVIEW_SIZE, widths=(), root=root())
    except (OSError, ValueError, Image.DecompressionBombError):
        current_app.logger.warning("PDF preview could not be stored", exc_info=True)
        return None
    finally:
        png.unlink(missing_ok=True)


def attach_document(item: Content, source, title: str | None, filename: str, user=None) -> Document:
    """Attach a document to ``item`` (flushed: it has an id): ``source`` is bytes, a file path or an uploaded file
    (FileStorage), ``filename`` the name it was sent with (its extension is corrected to what
    the bytes are), ``title`` the name shown (the file's name when empty). The file is checked
    (DocumentError: why it is refused, nothing kept), stored with its preview (a PDF's first
    page), and the row added to the session — the caller commits; if the commit fails,
    ``discard_files(document)`` removes the files."""
    config = current_app.config
    path, size, sha256 = _spool(source, config["DOCUMENT_MAX_BYTES"])
    preview = None
    try:
        kind = detect(path, filename or "", config["DOCUMENT_MAX_UNPACKED_BYTES"])
        png = check_pdf(path) if kind.extension == "pdf" else None
        if png is not None:
            preview = _store_preview(png)
        key = uuid.uuid4().hex
        stored_name = f"{key[:2]}/{key}.{kind.extension}"
        target = root() / stored_name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    except BaseException:
        path.unlink(missing_ok=True)
        _remove(preview)
        raise
    clean = clean_filename(filename, kind.extension)
    document = Document(content_id=item.id, title=clean_title(title) or default_title(clean),
                        filename=clean, stored_name=stored_name, media_type=kind.media_type, size=size,
                        sha256=sha256, uploaded_by_id=getattr(user, "id", None), preview=preview)
    db.session.add(document)
    return document


def discard_files(document: Document) -> None:
    """A document whose row was never committed: its files go."""
    _remove(document.stored_name)
    _remove(document.preview)


def delete_document(document: Document) -> None:
    """Delete the row; its files go once the transaction commits (the listener below)."""
    db.session.delete(document)


# --- files follow the rows ----------------------------------------------------------------------
# A deleted Document, or the documents of a deleted Content (the database's ON DELETE CASCADE
# removes their rows): their files are removed after the outermost commit, kept on a rollback
# (csti/files_after_commit.py).
@event.listens_for(Session, "before_flush")
def _collect_removed(session, flush_context, instances):
    names = []
    content_ids = []
    for obj in session.deleted:
        if isinstance(obj, Document):
            names += [obj.stored_name, obj.preview]
        elif isinstance(obj, Content) and obj.id is not None:
            content_ids.append(obj.id)
    if content_ids:
        with session.no_autoflush:
            rows = session.execute(select(Document.stored_name, Document.preview)
                                   .where(Document.content_id.in_(content_ids))).all()
        names += [name for row in rows for name in row]
    remove_after_commit(session, _remove, names)


def kinds_accepted() -> str:
    """The extensions accepted, for the form's hint and ``accept`` attribute."""
    return ",".join(f".{e}" for e in KINDS)

