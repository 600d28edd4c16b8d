"""Pages with documents are valid HTML (the W3C Nu checker, as tests/test_html_validity.py):
an article, an event and a project with a PDF (its preview) and an office file, as anybody and
as their author (delete buttons, the upload form), and the page of a refused upload."""
import json
import subprocess

import pytest
from sqlalchemy import select
from webtest import TestApp, Upload

from csti.blueprints.documents.operations import attach_document
from csti.models import Content, User

from ..conftest import isolated, login
from ..needs import VNU_JAR, missing, need_java, need_node_package
from ..sample_site import build
from ..test_html_validity import IGNORED, _readable
from . import files


@pytest.mark.slow
def test_pages_with_documents_are_valid_html(app, factory, tmp_path):
    java = need_java()
    need_node_package("vnu-jar")
    if not VNU_JAR.is_file():
        missing(f"{VNU_JAR} is missing: run `make test-assets`")
    site = build(factory)
    db = factory.db
    author = db.session.scalar(select(User).where(User.email == site["author"]))
    with app.test_request_context():
        for kind in ("article", "event", "project"):
            item = db.session.get(Content, site["samples"][kind][0])
            attach_document(item, files.pdf_bytes(), "Programme de la journée", "programme.pdf", author)
            attach_document(item, files.docx_bytes(), "", "Compte rendu d'été.docx", author)
        db.session.commit()
    anonymous = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    writer = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    assert login(writer, site["author"]).status_int == 303
    pages = []
    for kind in ("article", "event", "project"):
        url = site[kind] if kind in site else site["project"]
        pages += [(kind, anonymous.get(url)), (f"{kind}-as-author", writer.get(url))]
    form = writer.get(site["article"]).forms["document-form"]
    form["document-file"] = Upload("page.docx", files.HTML_BYTES, "application/pdf")
    pages.append(("refused", form.submit(status=422)))

    files_named = {}
    for name, response in pages:
        assert response.content_type == "text/html", name
        if name != "refused":
            assert response.html.find(id="documents").find("a", class_="document-link") is not None, name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.body)
        files_named[path.as_uri()] = files_named[f"file:{path}"] = name
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *sorted(str(p) for p in tmp_path.glob("*.html"))],
        capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [m for m in report["messages"]
              if m.get("type") in ("error", "non-document-error")
              and not any(p.match(m.get("message", "")) for p in IGNORED)]
    assert not errors, f"{len(errors)} HTML errors:\n{_readable(errors, files_named)}"
