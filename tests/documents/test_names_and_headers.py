"""Names and titles without Unicode format characters (a right-to-left override disguises
"fdp.exe" as "exe.pdf"), one charset in a text download's type, and downloads of published
items revalidated by every cache (an unpublished item's file stops being served at once)."""
from flask import url_for

from csti.blueprints.documents.operations import attach_document, clean_filename

from . import files
from .test_documents import site  # noqa: F401 — the fixture


def test_format_characters_are_stripped_from_names_and_titles(app, db, site):  # noqa: F811
    assert clean_filename("facture\u202efdp.exe.pdf", "pdf") == "facturefdp.exe.pdf"
    from csti.blueprints.documents.operations import clean_title

    assert clean_title("Bi\u200blan\u2066 2026\u2069\r\nfin") == "Bilan 2026 fin"
    with app.test_request_context():
        document = attach_document(site["article"], files.pdf_bytes(), "Pro\u202egramme\u200d",
                                   "pro\u202egramme\ufeff.pdf")
        db.session.commit()
    assert (document.title, document.filename) == ("Programme", "programme.pdf")


def test_a_text_download_has_one_charset_and_caches_revalidate(app, db, testapp_en, site):  # noqa: F811
    with app.test_request_context():
        document = attach_document(site["article"], b"Nom;Ville\nA;Toulouse\n", "", "liste.csv")
        db.session.commit()
        url = url_for("documents.download", id=document.id, filename=document.filename)
    response = testapp_en.get(url)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, no-cache" and response.headers["ETag"]
    assert testapp_en.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_int == 304
    site["article"].status = "draft"  # unpublished: the next request is refused at once
    db.session.commit()
    assert testapp_en.get(url, expect_errors=True).status_int == 404
