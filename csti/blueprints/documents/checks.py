"""What a document is, read from its bytes — never from its name (docs/architecture.md §3).

Accepted: PDF (``%PDF-`` and opened by PDFium, ``pdfpreview.py``), the Office Open XML
documents (docx, xlsx, pptx) and the OpenDocument ones (odt, ods, odp) — zip containers whose
``[Content_Types].xml`` or ``mimetype`` member names the kind, macro-enabled variants refused
(``vbaProject.bin``, ``macroEnabled`` types, ActiveX; ODF ``Basic/`` and ``Scripts/``) and what
the zip says it holds once unpacked bounded (``DOCUMENT_MAX_UNPACKED_BYTES``: zip bombs) —, the
legacy Word, Excel and PowerPoint files (OLE2, read by olefile; refused with a VBA project or
encrypted), and plain text or CSV in UTF-8 (only under a .txt or .csv name: text has no magic).
Anything else — an executable or an HTML page renamed ``.pdf`` or ``.docx`` — is refused with
a message for people (``DocumentError``)."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...i18n import lazy_gettext as _l

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 10_000
SMALL_MEMBER = 1024 * 1024  # [Content_Types].xml, mimetype: read at most this much
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class DocumentError(ValueError):
    """Why a file is refused, for people."""


@dataclass(frozen=True)
class Kind:
    extension: str
    media_type: str
    label: object  # lazy gettext: "PDF", "Word document"…


KINDS = {k.extension: k for k in (
    Kind("pdf", "application/pdf", _l("PDF")),
    Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _l("Word document")),
    Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _l("Excel spreadsheet")),
    Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
         _l("PowerPoint presentation")),
    Kind("odt", "application/vnd.oasis.opendocument.text", _l("OpenDocument text")),
    Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", _l("OpenDocument spreadsheet")),
    Kind("odp", "application/vnd.oasis.opendocument.presentation", _l("OpenDocument presentation")),
    Kind("doc", "application/msword", _l("Word document")),
    Kind("xls", "application/vnd.ms-excel", _l("Excel spreadsheet")),
    Kind("ppt", "application/vnd.ms-powerpoint", _l("PowerPoint presentation")),
    Kind("txt", "text/plain", _l("Text")),
    Kind("csv", "text/csv", _l("CSV table")),
)}
BY_MEDIA_TYPE = {k.media_type: k for k in KINDS.values()}

# The main part's content type in [Content_Types].xml → the kind.
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
ODF_MIMETYPES = {KINDS[e].media_type: e for e in ("odt", "ods", "odp")}
NOT_ACCEPTED = _l("This file is not a document we accept (PDF, Word, Excel, PowerPoint, OpenDocument, "
                  "text or CSV).")
MACROS = _l("Documents with macros are not accepted: save it without macros (as .docx, .xlsx, .pptx or "
            "OpenDocument) and send it again.")


def kind_of(media_type: str) -> Kind | None:
    return BY_MEDIA_TYPE.get(media_type)


def label_of(media_type: str) -> str:
    kind = kind_of(media_type)
    return str(kind.label) if kind else media_type


def detect(path: Path, filename: str, max_unpacked: int) -> Kind:
    """The kind of the file at ``path`` (uploaded as ``filename``), or DocumentError. A PDF is
    only recognised here: opening it is ``pdfpreview``'s (PDFium, in a child process)."""
    with open(path, "rb") as file:
        head = file.read(8)
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path, max_unpacked)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension in ("txt", "csv") and _is_text(path):
        return KINDS[extension]
    raise DocumentError(str(NOT_ACCEPTED))


def _zip_kind(path: Path, max_unpacked: int) -> Kind:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > max_unpacked:
                raise DocumentError(str(_l("This file unpacks to far more than a document holds: it is refused.")))
            names = {m.filename for m in members}
            lower = {n.lower() for n in names}
            if any(n.rsplit("/", 1)[-1] == "vbaproject.bin" for n in lower):
                raise DocumentError(str(MACROS))
            if "[Content_Types].xml" in names:
                return _ooxml_kind(_read_small(archive, "[Content_Types].xml"))
            if "mimetype" in names:
                mimetype = _read_small(archive, "mimetype").decode("ascii", "replace").strip()
                extension = ODF_MIMETYPES.get(mimetype)
                if extension is None:
                    raise DocumentError(str(NOT_ACCEPTED))
                if any(n.startswith(("basic/", "scripts/")) for n in lower):
                    raise DocumentError(str(MACROS))
                return KINDS[extension]
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError):  # RuntimeError: an encrypted member
        raise DocumentError(str(_l("This file is damaged or not a document we can read."))) from None
    raise DocumentError(str(NOT_ACCEPTED))


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(SMALL_MEMBER + 1)
    if len(data) > SMALL_MEMBER:
        raise DocumentError(str(NOT_ACCEPTED))
    return data


def _ooxml_kind(xml: bytes) -> Kind:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        raise DocumentError(str(NOT_ACCEPTED)) from None
    types = [(element.get("ContentType") or "").strip() for element in root
             if isinstance(element.tag, str) and element.tag.rpartition("}")[2] in ("Override", "Default")]
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() or "activex" in t.lower() for t in types):
        raise DocumentError(str(MACROS))
    kinds = {OOXML_MAIN[t] for t in types if t in OOXML_MAIN}
    if len(kinds) != 1:
        raise DocumentError(str(NOT_ACCEPTED))
    return KINDS[kinds.pop()]


def _ole_kind(path: Path) -> Kind:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            entries = {"/".join(parts).lower() for parts in ole.listdir(streams=True, storages=True)}
    except (OSError, ValueError, IndexError, TypeError, KeyError, AssertionError):
        raise DocumentError(str(_l("This file is damaged or not a document we can read."))) from None
    tops = {entry.split("/", 1)[0] for entry in entries}
    if {"macros", "_vba_project_cur", "vba"} & tops or any(e.endswith("/vba") or "/vba/" in e for e in entries):
        raise DocumentError(str(MACROS))
    if "encryptedpackage" in tops:
        raise DocumentError(str(_l("This document is protected by a password: send it without the password.")))
    if "worddocument" in tops:
        return KINDS["doc"]
    if "workbook" in tops or "book" in tops:
        return KINDS["xls"]
    if "powerpoint document" in tops:
        return KINDS["ppt"]
    raise DocumentError(str(NOT_ACCEPTED))


def _is_text(path: Path) -> bool:
    """UTF-8 text without NUL or other control characters than tab, line feed, carriage return
    and form feed (a BOM allowed)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return _CONTROL.search(text) is None
