"""Documents attached to content: upload (checked by content, not by name), download headers,
permissions, previews, deletion (docs/architecture.md §3)."""
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import func, select
from webtest import Upload

from csti.blueprints.documents.operations import attach_document
from csti.models import Article, Document
from tests.conftest import csrf_headers

from . import files

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


@pytest.fixture
def site(app, factory):
    territory = factory.territory()
    author = factory.user(email="author@example.org", roles={territory: "contributor"})
    other = factory.user(email="other@example.org", roles={territory: "member"})
    article = Article(title="Nuit des étoiles", body="Du texte.", territory=territory, author=author)
    article.publish()
    factory.db.session.add(article)
    factory.db.session.commit()
    with app.test_request_context():
        url = article.url
    return {"territory": territory, "author": author, "other": other, "article": article,
            "id": article.id, "url": url}


def _stored(app) -> set[Path]:
    root = Path(app.config["DOCUMENT_DIR"])
    return {p for p in root.rglob("*") if p.is_file()}


def _count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Document.id)))


def _upload(testapp, site, content: bytes, name: str, title="", mimetype="application/octet-stream"):
    form = testapp.get(site["url"]).forms["document-form"]
    form["document-title"] = title
    form["document-file"] = Upload(name, content, mimetype)
    return form.submit(expect_errors=True)


@pytest.mark.parametrize("content, name, media_type, extension", [
    (files.pdf_bytes(), "Programme de la nuit.pdf", PDF, "pdf"),
    (files.docx_bytes(), "compte-rendu.docx", DOCX, "docx"),
    (files.odt_bytes(), "Réunion été.odt", ODT, "odt"),
    (files.docx_bytes(), "named wrongly.pdf", DOCX, "docx"),  # the bytes decide; the name is corrected
    (b"Nom;Ville\nA;Toulouse\n", "liste.csv", "text/csv", "csv"),
])
def test_editor_uploads_a_document(app, db, testapp_en, log_in, site, content, name, media_type, extension):
    log_in(testapp_en, site["author"])
    response = _upload(testapp_en, site, content, name, title="")
    assert response.status_int == 303 and response.location.endswith("#documents")
    db.session.rollback()
    document = db.session.scalar(select(Document))
    assert (document.media_type, document.size, document.uploaded_by_id) == (media_type, len(content), site["author"].id)
    assert document.filename.endswith("." + extension) and "/" not in document.filename
    stored = Path(app.config["DOCUMENT_DIR"]) / document.stored_name
    assert stored.read_bytes() == content
    assert Path(app.config["UPLOAD_DIR"]).resolve() not in stored.resolve().parents  # never under /media/
    assert len(document.sha256) == 64
    page = response.follow()
    link = page.html.find("a", class_="document-link")
    assert link is not None and document.title in link.text
    with app.test_request_context():
        assert link["href"] == url_for("documents.download", id=document.id, filename=document.filename)
    assert testapp_en.get(link["href"]).body == content


def test_a_pdf_gets_a_preview_of_its_first_page(app, db, testapp_en, log_in, site):
    log_in(testapp_en, site["author"])
    page = _upload(testapp_en, site, files.pdf_bytes(), "affiche.pdf", title="L'affiche").follow()
    db.session.rollback()
    document = db.session.scalar(select(Document))
    assert document.title == "L'affiche" and document.preview and document.preview.endswith(".webp")
    preview = testapp_en.get(f"/documents/{document.id}/preview.webp")
    assert preview.content_type == "image/webp" and preview.headers["X-Content-Type-Options"] == "nosniff"
    import io

    from PIL import Image

    with Image.open(io.BytesIO(preview.body)) as image:
        assert image.width <= 360 and image.height <= 480
        assert image.getpixel((image.width // 2, image.height // 2))[0] > 150  # the page's red
    assert page.html.find("img", class_="document-preview") is not None


def test_a_pdf_that_cannot_be_rendered_is_kept_without_a_preview(app, db, monkeypatch, site):
    from csti.blueprints.documents import operations

    monkeypatch.setattr(operations, "PREVIEW_SIZE", (0, 0))  # the child fails to draw: no image
    with app.test_request_context():
        document = attach_document(site["article"], files.pdf_bytes(), "Sans aperçu", "x.pdf", site["author"])
        db.session.commit()
    assert document.preview is None and document.media_type == PDF


@pytest.mark.parametrize("content, name", [
    (files.EXE_BYTES, "programme.pdf"),
    (files.HTML_BYTES, "compte-rendu.docx"),
    (files.FAKE_PDF_BYTES, "faux.pdf"),
    (files.docm_bytes(), "macros.docm"),
    (files.docm_bytes(), "macros.docx"),
    (files.docx_with_vba_bytes(), "cache.docx"),
    (files.odt_with_basic_bytes(), "basic.odt"),
    (files.zip_bomb_bytes(), "bombe.docx"),
    (b"\x00\x01binary", "donnees.txt"),
    (b"", "vide.pdf"),
])
def test_disguised_or_dangerous_files_are_refused(app, db, testapp_en, log_in, site, content, name):
    log_in(testapp_en, site["author"])
    before = _stored(app)
    response = _upload(testapp_en, site, content, name, title="Refusé", mimetype="application/pdf")
    assert response.status_int == 422
    error = response.html.find(id="document-file-error")
    assert error is not None and error.text.strip()
    assert response.html.find(id="document-title")["value"] == "Refusé"  # what was typed is kept
    assert _count(db) == 0 and _stored(app) == before


def test_macros_and_bombs_are_named_in_the_message(app, db, testapp_en, log_in, site):
    log_in(testapp_en, site["author"])
    macros = _upload(testapp_en, site, files.docm_bytes(), "m.docm")
    assert "macros" in macros.html.find(id="document-file-error").text
    bomb = _upload(testapp_en, site, files.zip_bomb_bytes(), "b.docx")
    assert "unpacks" in bomb.html.find(id="document-file-error").text


def test_an_oversized_file_is_refused_with_a_message(app, db, testapp_en, log_in, site, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    log_in(testapp_en, site["author"])
    before = _stored(app)
    response = _upload(testapp_en, site, files.pdf_bytes() + b"%" * (1024 * 1024), "gros.pdf")
    assert response.status_int == 422
    assert "1 MB at most" in response.html.find(id="document-file-error").text
    assert _count(db) == 0 and _stored(app) == before


@pytest.mark.parametrize("terminated", [False, True])  # gunicorn says its input is terminated
def test_a_huge_request_is_refused_with_a_413_page(app, db, testapp_en, log_in, site, terminated):
    """Above MAX_CONTENT_LENGTH (32 MB by default) the request is refused before the form is
    parsed: by its Content-Length, or (input terminated by the server) once that much is read."""
    log_in(testapp_en, site["author"])
    page = testapp_en.get(site["url"])
    token = page.forms["document-form"]["csrf_token"].value
    size = app.config["MAX_CONTENT_LENGTH"] + 8 * 1024 * 1024
    body = (b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode()
            + b"\r\n--b\r\nContent-Disposition: form-data; name=\"document-file\"; filename=\"big.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n" + b"0" * size + b"\r\n--b--\r\n")
    response = testapp_en.post(f"/content/{site['id']}/documents", body, expect_errors=True,
                               content_type="multipart/form-data; boundary=b",
                               extra_environ={"wsgi.input_terminated": terminated})
    assert response.status_int == 413
    assert response.content_type == "text/html" and "File too large" in response.text
    assert _count(db) == 0


def test_without_a_file_the_form_says_so(app, db, testapp_en, log_in, site):
    log_in(testapp_en, site["author"])
    form = testapp_en.get(site["url"]).forms["document-form"]
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and response.html.find(id="document-file-error") is not None


def test_htmx_upload_and_delete_answer_the_section(app, db, testapp_en, log_in, site):
    log_in(testapp_en, site["author"])
    page = testapp_en.get(site["url"])
    headers = csrf_headers(page)
    url = f"/content/{site['id']}/documents"
    response = testapp_en.post(url, {"document-title": "Plan"}, headers=headers,
                               upload_files=[("document-file", "plan.odt", files.odt_bytes())])
    assert response.status_int == 200 and response.text.lstrip().startswith("<section id=\"documents\"")
    assert "Plan" in response.text and "live-messages" in response.text  # the message comes out of band
    refused = testapp_en.post(url, {"document-title": "x"}, headers=headers, expect_errors=True,
                              upload_files=[("document-file", "x.docx", files.HTML_BYTES)])
    assert refused.status_int == 422 and 'id="document-file-error"' in refused.text
    db.session.rollback()
    document = db.session.scalar(select(Document))
    stored = Path(app.config["DOCUMENT_DIR"]) / document.stored_name
    gone = testapp_en.post(f"/documents/{document.id}/delete", headers=headers)
    assert gone.status_int == 200 and "No document yet." in gone.text
    assert _count(db) == 0 and not stored.exists()


def test_delete_without_javascript_redirects_to_the_documents(app, db, testapp_en, log_in, site):
    with app.test_request_context():
        document = attach_document(site["article"], files.pdf_bytes(), "Affiche", "affiche.pdf", site["author"])
        db.session.commit()
        stored, preview = (Path(app.config["DOCUMENT_DIR"]) / n for n in (document.stored_name, document.preview))
    log_in(testapp_en, site["author"])
    page = testapp_en.get(site["url"])
    delete = next(f for f in page.forms.values() if f.action.endswith(f"/documents/{document.id}/delete"))
    response = delete.submit()
    assert response.status_int == 303 and response.location.endswith("#documents")
    assert _count(db) == 0 and not stored.exists() and not preview.exists()


def test_download_headers(app, db, testapp_en, site):
    with app.test_request_context():
        document = attach_document(site["article"], files.docx_bytes(), "Compte rendu", "Compte rendu été.docx")
        db.session.commit()
        url = url_for("documents.download", id=document.id, filename=document.filename)
    assert url.endswith("/Compte%20rendu%20%C3%A9t%C3%A9.docx")
    response = testapp_en.get(url)
    assert response.body == files.docx_bytes() or response.body[:2] == b"PK"
    assert response.content_type == DOCX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''Compte%20rendu%20%C3%A9t%C3%A9.docx" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["Cache-Control"] == "public, no-cache"  # revalidated (ETag): unpublished, gone at once
    assert response.headers["ETag"]
    # A wrong name in the address leads to the right one; an unknown document is a 404.
    assert testapp_en.get(f"/documents/{document.id}/autre.docx").status_int == 302
    assert testapp_en.get("/documents/999999/x.pdf", expect_errors=True).status_int == 404


def test_a_drafts_documents_are_only_for_those_who_see_it(app, db, testapp_en, log_in, site, factory):
    draft = Article(title="Brouillon", body="x", territory=site["territory"], author=site["author"])
    db.session.add(draft)
    db.session.commit()
    with app.test_request_context():
        document = attach_document(draft, files.pdf_bytes(), "Secret", "secret.pdf", site["author"])
        db.session.commit()
        url, preview = f"/documents/{document.id}/{document.filename}", f"/documents/{document.id}/preview.webp"
    assert testapp_en.get(url, expect_errors=True).status_int == 404  # anonymous
    assert testapp_en.get(preview, expect_errors=True).status_int == 404
    log_in(testapp_en, site["other"])
    assert testapp_en.get(url, expect_errors=True).status_int == 404  # another member
    log_in(testapp_en, site["author"])
    response = testapp_en.get(url)
    assert response.status_int == 200 and response.headers["Cache-Control"] == "private, no-store"


def test_who_may_not_edit_may_not_upload_or_delete(app, db, testapp_en, log_in, site):
    with app.test_request_context():
        document = attach_document(site["article"], files.odt_bytes(), "Plan", "plan.odt", site["author"])
        db.session.commit()
    page = testapp_en.get(site["url"])
    assert "document-form" not in page.forms and page.html.find(id="documents") is not None  # listed, no form
    log_in(testapp_en, site["other"])
    page = testapp_en.get(site["url"])
    assert "document-form" not in page.forms
    headers = csrf_headers(page)
    upload = testapp_en.post(f"/content/{site['id']}/documents", {"document-title": "x"}, headers=headers,
                             upload_files=[("document-file", "x.odt", files.odt_bytes())], expect_errors=True)
    assert upload.status_int == 403
    delete = testapp_en.post(f"/documents/{document.id}/delete", headers=headers, expect_errors=True)
    assert delete.status_int == 403
    assert _count(db) == 1


def test_a_page_without_documents_shows_no_section_to_readers(testapp_en, site):
    assert testapp_en.get(site["url"]).html.find(id="documents") is None


def test_deleting_the_item_removes_its_files(app, db, site):
    with app.test_request_context():
        document = attach_document(site["article"], files.pdf_bytes(), "Affiche", "affiche.pdf", site["author"])
        db.session.commit()
        names = [document.stored_name, document.preview]
        db.session.delete(db.session.get(Article, site["id"]))
        db.session.commit()
    root = Path(app.config["DOCUMENT_DIR"])
    assert _count(db) == 0 and not any((root / n).exists() for n in names)


def test_attach_document_takes_bytes_or_a_path(app, db, site, tmp_path):
    """What the demo data calls: no request needed, an application context is enough."""
    path = tmp_path / "rapport.pdf"
    path.write_bytes(files.pdf_bytes(pages=2))
    with app.app_context():
        first = attach_document(site["article"], path, "Rapport", "rapport.pdf", site["author"])
        second = attach_document(site["article"], files.odt_bytes(), "", "ordre du jour.odt")
        db.session.commit()
        assert (first.media_type, second.title, second.uploaded_by_id) == (PDF, "ordre du jour", None)
    assert path.exists()  # the source is copied, not moved


def test_articles_events_and_projects_have_documents(app):
    from csti import registry

    assert {t.kind for t in registry.all() if t.documents} >= {"article", "event", "project"}


def test_a_pdf_check_that_times_out_is_refused(app, db, monkeypatch, site):
    from csti.blueprints.documents import operations
    from csti.blueprints.documents.checks import DocumentError

    monkeypatch.setattr(operations, "PDF_TIMEOUT", 0.01)
    before = _stored(app)
    with app.test_request_context(), pytest.raises(DocumentError):
        attach_document(site["article"], files.pdf_bytes(), "Lent", "lent.pdf")
    assert _count(db) == 0 and _stored(app) == before


class _FakeOle:
    """olefile.OleFileIO's listing of a legacy Office file (no OLE writer exists to make one)."""

    entries = []

    def __init__(self, path):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def listdir(self, streams=True, storages=False):
        return [entry.split("/") for entry in self.entries]


@pytest.mark.parametrize("entries, expected", [
    (["WordDocument", "1Table", "\x05SummaryInformation"], "doc"),
    (["Workbook"], "xls"),
    (["PowerPoint Document", "Current User"], "ppt"),
    (["WordDocument", "Macros", "Macros/VBA", "Macros/VBA/ThisDocument"], "macros"),
    (["Workbook", "_VBA_PROJECT_CUR", "_VBA_PROJECT_CUR/VBA"], "macros"),
    (["EncryptedPackage", "EncryptionInfo"], "password"),
    (["SummaryInformation", "Binary"], "refused"),  # an installer, a thumbnail cache…
])
def test_legacy_office_files_are_read_by_their_streams(app, monkeypatch, tmp_path, entries, expected):
    import olefile

    from csti.blueprints.documents.checks import OLE_MAGIC, DocumentError, detect

    monkeypatch.setattr(_FakeOle, "entries", entries)
    monkeypatch.setattr(olefile, "OleFileIO", _FakeOle)
    path = tmp_path / "file.bin"
    path.write_bytes(OLE_MAGIC + b"\x00" * 504)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        if expected in ("doc", "xls", "ppt"):
            assert detect(path, "x.doc", 10**9).extension == expected
        else:
            with pytest.raises(DocumentError) as refused:
                detect(path, "x.doc", 10**9)
            word = {"macros": "macros", "password": "password", "refused": "not a document we accept"}[expected]
            assert word in str(refused.value)


def test_a_damaged_ole_file_is_refused(app, tmp_path):
    from csti.blueprints.documents.checks import OLE_MAGIC, DocumentError, detect

    path = tmp_path / "file.doc"
    path.write_bytes(OLE_MAGIC + b"\xff" * 100)
    with app.test_request_context(), pytest.raises(DocumentError):
        detect(path, "file.doc", 10**9)


def test_names_are_cleaned_and_end_with_the_detected_extension(app):
    from csti.blueprints.documents.operations import clean_filename

    with app.test_request_context():
        assert clean_filename("C:\\Users\\x\\Réunion: été?.docx", "docx") == "Réunion été.docx"
        assert clean_filename("../../etc/passwd", "pdf") == "passwd.pdf"
        assert clean_filename("rapport v1.2 final", "pdf") == "rapport v1.2 final.pdf"
        assert clean_filename("image.exe", "pdf") == "image.pdf"
        assert clean_filename("\x00\x1b.pdf", "pdf") == "document.pdf"
        assert len(clean_filename("a" * 500 + ".odt", "odt")) <= 160


def test_the_section_loads_its_documents_by_one_query(app, db, testapp_en, log_in, site):
    """As many SQL statements for the page with one document as with four."""
    from sqlalchemy import event

    log_in(testapp_en, site["author"])

    def statements():
        count = [0]

        def _count(*args):
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", _count)
        try:
            testapp_en.get(site["url"])
        finally:
            event.remove(db.engine, "before_cursor_execute", _count)
        return count[0]

    def add(n):
        with app.app_context():
            for i in range(n):
                attach_document(site["article"], files.odt_bytes(), f"Plan {i}", "plan.odt", site["author"])
            db.session.commit()

    add(1)
    testapp_en.get(site["url"])  # warm: what a first request loads once
    one = statements()
    add(3)
    assert statements() == one
