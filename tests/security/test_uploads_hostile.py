"""Hostile uploads (issue #19, docs/architecture.md §24): polyglots, pixel bombs, disguised
types, hostile file names, and the /media route's traversal.

Already covered elsewhere, not repeated here: an SVG with a script, a PDF and an oversized file
as an avatar (tests/accounts/test_settings.py); a zip bomb as .docx, an .exe as .pdf, HTML as
.docx, a fake PDF, macros (tests/documents/test_documents.py
``test_disguised_or_dangerous_files_are_refused``); a structure's logo that is not an image
(tests/actors/). This file fills the gaps: images that ARE images and carry a payload, images
whose pixels would not fit in memory, programs and pages renamed .png on every image field,
names made to escape the upload directories, and the files' way back out through /media.
"""
from __future__ import annotations

import io
import re
import resource
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from webtest import Upload

from csti.models import Article, Document, Territory, User
from tests.conftest import login

from ..documents import files

PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
EXE = files.EXE_BYTES
HTML = files.HTML_BYTES


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` pixels in a few hundred bytes (its data
    stream holds one row): a decompression bomb as far as any reader trusting the header goes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * (width * 3)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row, 9)) + chunk(b"IEND", b""))


def _gif_polyglot() -> bytes:
    """A valid GIF whose comment and tail are an HTML page with a script."""
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, "GIF", comment=PAYLOAD)
    return out.getvalue() + PAYLOAD


def _jpeg_polyglot() -> bytes:
    """A valid JPEG with the page in a COM segment right after SOI, and after EOI."""
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (30, 30, 200)).save(out, "JPEG")
    data = out.getvalue()
    com = b"\xff\xfe" + struct.pack(">H", len(PAYLOAD) + 2) + PAYLOAD
    return data[:2] + com + data[2:] + PAYLOAD


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 120, 0)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def people(app, db, factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(email="auteur@example.org", roles={territory: "contributor"})
    animator = factory.user(email="animatrice@example.org", roles={territory: "animator"})
    article = Article(title="Nuit des étoiles", body="Du texte.", territory=territory, author=author)
    article.publish()
    db.session.add(article)
    db.session.commit()
    return {"territory": territory.id, "author": author.id, "animator": animator.id, "article": article.id}


def _avatar(testapp, content, name="me.png", mimetype="image/png"):
    form = testapp.get("/account").forms["profile-form"]
    form["avatar"] = Upload(name, content, mimetype)
    return form.submit(expect_errors=True)


def _cover(testapp, people, content, name="cover.png", mimetype="image/png"):
    form = testapp.get(f"/article/{people['article']}/edit").forms["article-form"]
    form["cover"] = Upload(name, content, mimetype)
    form["cover_alt"] = "Une image"
    return form.submit(expect_errors=True)


def _logo(testapp, content, name="logo.png", mimetype="image/png"):
    page = testapp.get("/t/occitanie/settings")
    form = next(f for f in page.forms.values() if "logo" in f.fields)
    form["logo"] = Upload(name, content, mimetype)
    return form.submit(expect_errors=True)


def _files(root) -> set[Path]:
    root = Path(root)
    return {p for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


# --- polyglots: accepted as images, stored re-encoded, served inert ----------------------------------
@pytest.mark.parametrize("make, name, mimetype", [(_gif_polyglot, "x.gif", "image/gif"),
                                                  (_jpeg_polyglot, "x.jpg", "image/jpeg")])
def test_a_polyglot_image_is_stored_without_its_payload_and_served_inert(app, db, testapp_en, people, make, name,
                                                                        mimetype):
    assert PAYLOAD in make()  # the upload does carry the page
    assert login(testapp_en, "auteur@example.org").status_int == 303
    assert _avatar(testapp_en, make(), name, mimetype).status_int == 303
    db.session.rollback()
    avatar = db.session.get(User, people["author"]).avatar
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.webp", avatar)
    stored = (Path(app.config["UPLOAD_DIR"]) / avatar).read_bytes()
    assert b"<script" not in stored and b"<html" not in stored  # re-encoded: the payload is gone
    served = testapp_en.get(f"/media/{avatar}")
    assert served.content_type == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]


# --- pixel bombs: a message next to the field, quickly, without the memory ---------------------------
@pytest.mark.parametrize("width, height", [(30000, 30000), (7000, 7000)])
def test_a_pixel_bomb_is_refused_next_to_its_field(app, db, testapp_en, people, width, height):
    """30000 × 30000 is over Pillow's own limit (DecompressionBombError); 7000 × 7000 under it
    but over the site's ``MAX_PIXELS``. A few hundred bytes each."""
    bomb = _png_header_only(width, height)
    assert len(bomb) < 100_000
    assert login(testapp_en, "auteur@example.org").status_int == 303
    uploads_before = _files(app.config["UPLOAD_DIR"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    avatar = _avatar(testapp_en, bomb)
    cover = _cover(testapp_en, people, bomb)
    assert time.monotonic() - started < 10
    # ru_maxrss is in KiB on Linux: the 2.7 GB of pixels were never allocated
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 200 * 1024
    for response, field in ((avatar, "avatar"), (cover, "cover")):
        assert response.status_int == 422
        error = response.html.find(id=f"{field}-error")
        assert error is not None and error.text.strip()
    db.session.rollback()
    assert db.session.get(User, people["author"]).avatar is None
    assert db.session.get(Article, people["article"]).cover_image is None
    assert _files(app.config["UPLOAD_DIR"]) == uploads_before


# --- disguised types: the bytes decide, not the name or the declared type -----------------------------
@pytest.mark.parametrize("content", [EXE, HTML, PAYLOAD + _png()], ids=["exe", "html", "html-then-png"])
def test_a_program_or_page_renamed_png_is_refused_on_every_image_field(app, db, testapp_en, people, content):
    assert login(testapp_en, "animatrice@example.org").status_int == 303
    before = _files(app.config["UPLOAD_DIR"])
    avatar = _avatar(testapp_en, content)
    cover = _cover(testapp_en, people, content)
    logo = _logo(testapp_en, content)
    for response, field in ((avatar, "avatar"), (cover, "cover"), (logo, "logo")):
        assert response.status_int == 422, field
        error = response.html.find(id=f"{field}-error")
        assert error is not None and error.text.strip(), field
    db.session.rollback()
    assert db.session.get(User, people["animator"]).avatar is None
    assert db.session.get(Territory, people["territory"]).logo is None
    assert _files(app.config["UPLOAD_DIR"]) == before


# --- names: never a path ---------------------------------------------------------------------------------
HOSTILE_NAMES = ["../../../evil.png", "/etc/evil.png", "..\\..\\evil.png", "a\x00b.png", "é" * 300 + ".png",
                 "été 🌞 <b>.png", "%2e%2e%2fevil.png"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_image_is_stored_under_a_generated_name_whatever_it_was_sent_as(app, db, testapp_en, people, name):
    assert login(testapp_en, "auteur@example.org").status_int == 303
    instance = Path(app.config["UPLOAD_DIR"]).parent
    before = _files(instance)
    assert _avatar(testapp_en, _png(), name).status_int == 303
    db.session.rollback()
    avatar = db.session.get(User, people["author"]).avatar
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.webp", avatar)
    new = _files(instance) - before
    assert new == {Path(app.config["UPLOAD_DIR"]) / avatar}
    assert not any("evil" in p.name for p in _files(instance))


@pytest.mark.parametrize("name", HOSTILE_NAMES[:-1] + ["../../../evil.pdf", "/etc/evil.pdf", "x" * 1000 + ".pdf"])
def test_a_document_is_stored_under_a_generated_name_and_keeps_a_clean_one(app, db, testapp_en, people, name):
    assert login(testapp_en, "auteur@example.org").status_int == 303
    documents = Path(app.config["DOCUMENT_DIR"])
    form = testapp_en.get(f"/article/{people['article']}").maybe_follow().forms["document-form"]
    form["document-file"] = Upload(name, files.pdf_bytes(), "application/pdf")
    assert form.submit(expect_errors=True).status_int in (200, 303)
    db.session.rollback()
    document = db.session.scalar(db.select(Document))
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf", document.stored_name)
    assert (documents / document.stored_name).is_file()
    assert "/" not in document.filename and "\\" not in document.filename and "\x00" not in document.filename
    assert document.filename.endswith(".pdf") and len(document.filename) <= 255
    assert not any("evil" in p.name for p in _files(Path(app.config["UPLOAD_DIR"]).parent))


# --- the way out: /media serves the upload directory and nothing else ----------------------------------
def test_media_refuses_traversal_and_never_serves_documents(app, db, testapp_en, people):
    from csti.blueprints.documents.operations import attach_document

    with app.test_request_context():
        document = attach_document(db.session.get(Article, people["article"]), files.pdf_bytes(), "Programme",
                                   "programme.pdf")
        db.session.commit()
    stored = document.stored_name
    upload_dir, document_dir = Path(app.config["UPLOAD_DIR"]).resolve(), Path(app.config["DOCUMENT_DIR"]).resolve()
    assert upload_dir not in document_dir.parents and document_dir != upload_dir
    relative = Path("..") / document_dir.name / stored  # where the document is, seen from /media
    secret = Path(app.config["UPLOAD_DIR"]).parent / "secret.txt"
    secret.write_text("not for the web")
    probes = [
        f"/media/{stored}", f"/media/../{document_dir.name}/{stored}", f"/media/{relative.as_posix()}",
        f"/media/%2e%2e/{document_dir.name}/{stored}", f"/media/%2e%2e%2f{document_dir.name}%2f{stored}",
        "/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/%2e%2e%2fsecret.txt", "/media/..%2fsecret.txt",
        "/media/%252e%252e/secret.txt", "/media/....//secret.txt", f"/media/{secret}", "/media//etc/passwd",
        "/media/%00", "/media/a%00.webp", "/media/..\\secret.txt",
    ]
    for url in probes:
        response = testapp_en.get(url, expect_errors=True)
        if response.status_int in (301, 308):  # "//" merged by the router: the redirection stays under /media
            assert response.headers["Location"].startswith("http://localhost/media/"), url
            response = testapp_en.get(response.headers["Location"], expect_errors=True)
        assert response.status_int in (400, 404), (url, response.status)
        assert b"not for the web" not in response.body and b"%PDF" not in response.body, url
