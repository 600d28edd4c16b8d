"""The answer page with errors next to its fields (422) and the "already answered" page are valid
HTML for the W3C Nu checker (tests/test_html_validity.py checks the form, closed and thanks pages)."""
import json
import subprocess

import pytest

from ..needs import VNU_JAR, missing, need_java, need_node_package
from ..test_html_validity import IGNORED
from .test_answering import _answer, _survey


@pytest.mark.slow
def test_error_and_answered_pages_are_valid_html(db, factory, testapp_en, tmp_path):
    java = need_java()
    need_node_package("vnu-jar")
    if not VNU_JAR.is_file():
        missing(f"{VNU_JAR} is missing: run `make test-assets`")
    survey = _survey(db, factory)
    errors = _answer(testapp_en, db, survey, status=422, satisfaction="9", learnt=None, comment="x" * 6000)
    (tmp_path / "errors.html").write_bytes(errors.body)
    _answer(testapp_en, db, survey)
    (tmp_path / "answered.html").write_bytes(testapp_en.get(f"/s/{survey.token}").body)
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                             *sorted(str(p) for p in tmp_path.glob("*.html"))], capture_output=True, text=True,
                            timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    found = [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
             for m in report["messages"] if m.get("type") in ("error", "non-document-error")
             and not any(p.match(m.get("message", "")) for p in IGNORED)]
    assert not found, "\n".join(found)
