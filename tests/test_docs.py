"""The architecture document is the one the code cites: every ``docs/architecture.md §N`` in
the code names a section that exists, and no docstring cites a design document outside the
repository."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def _sources():
    for path in sorted((ROOT / "csti").rglob("*")):
        if path.suffix in (".py", ".html", ".js") and path.is_file():
            yield path, path.read_text(encoding="utf-8")


def test_cited_sections_exist():
    sections = set(re.findall(r"^## (\d+)\. ", DOC.read_text(encoding="utf-8"), flags=re.M))
    cited = {(path.relative_to(ROOT).as_posix(), n) for path, text in _sources()
             for n in re.findall(r"docs/architecture\.md §(\d+)", text)}
    assert cited, "the code cites the architecture document"
    assert not [c for c in cited if c[1] not in sections], sorted(c for c in cited if c[1] not in sections)


def test_no_citation_of_a_document_outside_the_repository():
    outside = [path.relative_to(ROOT).as_posix() for path, text in _sources() if re.search(r"\bDESIGN\b", text)]
    assert not outside, outside


def test_the_readme_links_the_architecture_document():
    assert "](docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
