"""Every kind of page is valid HTML for the W3C Nu checker (vnu.jar, from `make test-assets`).

The pages are rendered with WebTest on a small complete site, written to files and checked in
one run of the checker (it starts a JVM: once is enough)."""
import json
import re
import subprocess

import pytest
from webtest import TestApp

from .conftest import isolated, login
from .needs import VNU_JAR, missing, need_java, need_node_package
from .sample_site import build

# htmx's attributes are not HTML's: the checker's only complaint about them is that it does not
# know them. Anything else about an element carrying them is still reported.
IGNORED = [re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$")]


def _pages(app, site):
    anonymous = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    author = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    admin = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    assert login(author, site["author"]).status_int == 303
    assert login(admin, site["admin"]).status_int == 303
    return [
        ("home", anonymous, "/", 200),
        ("territory", anonymous, site["territory"], 200),
        ("page", anonymous, site["page"], 200),
        ("page-as-author", author, site["page"], 200),  # with the tag editor
        ("tags", anonymous, "/tags", 200),
        ("tag", anonymous, site["tag"], 200),
        ("login", anonymous, "/login", 200),
        ("register", anonymous, "/register", 200),
        ("forgot", anonymous, "/forgot", 200),
        ("not-found", anonymous, "/no-such-page", 404),
        ("account", author, "/account", 200),
        ("admin", admin, "/admin", 200),
        ("moderation", admin, "/moderation", 200),
        ("roles", admin, site["roles"], 200),
        ("actors", anonymous, "/actors", 200),
        ("actors-filtered", anonymous, "/actors?kind=museum", 200),
        ("actor", anonymous, site["actor"], 200),
        ("actor-as-manager", author, site["actor"], 200),
        ("actor-new", author, "/actors/new", 200),
        ("agenda", anonymous, "/agenda", 200),
        ("agenda-calendar", anonymous, "/agenda?view=calendar", 200),
        ("agenda-map", anonymous, "/agenda?view=map", 200),
        ("event", anonymous, site["event"], 200),
        ("event-as-author", author, site["event"], 200),
        ("event-new", author, "/events/new", 200),
        ("trainings", anonymous, "/trainings", 200),
        ("training", anonymous, site["training"], 200),
        ("articles", anonymous, "/articles", 200),
        ("formats", anonymous, "/formats", 200),
        ("article", anonymous, site["article"], 200),
        ("article-new", author, "/articles/new", 200),
        ("announcements", anonymous, "/announcements", 200),
        ("announcement", anonymous, site["announcement"], 200),
        ("announcement-as-author", author, site["announcement"], 200),
        ("announcement-new", author, "/announcements/new", 200),
        ("projects", anonymous, "/projects", 200),
        ("project", anonymous, site["project"], 200),
        ("project-as-author", author, site["project"], 200),
        ("project-new", author, "/projects/new", 200),
        ("project-help", admin, site["project"].split("-")[0] + "/help", 200),
        ("dossiers", anonymous, "/dossiers", 200),
        ("dossier", anonymous, site["dossier"], 200),
        ("dossier-as-owner", author, site["dossier"], 200),
        ("dossier-private", author, site["private_dossier"], 200),
        ("my-dossiers", author, "/me/dossiers", 200),
        ("dossier-new", author, "/dossiers/new", 200),
        ("dossier-edit", author, f"/dossier/{site['dossier_id']}/edit", 200),
        ("dossier-delete", author, f"/dossier/{site['dossier_id']}/delete", 200),
        ("dossier-picker", author, f"/content/{site['article_id']}/dossiers", 200),
        ("article-as-author", author, site["article"], 200),  # with "Add to a dossier"
        ("search", anonymous, "/search", 200),
        ("search-results", anonymous, "/search?q=astronomie", 200),  # facets, excerpts
        ("search-filtered", anonymous, "/search?q=etoiles&kind=event&upcoming=1&tag=astronomie", 200),
        ("search-did-you-mean", anonymous, "/search?q=astronomei", 200),
    ]


def _readable(messages, files):
    lines = []
    for m in messages:
        name = files.get(m.get("url", ""), m.get("url", "?"))
        lines.append(f"{name}:{m.get('lastLine', '?')}: {m.get('message')}\n    {m.get('extract', '').strip()}")
    return "\n".join(lines)


@pytest.mark.slow
def test_pages_are_valid_html(app, factory, tmp_path):
    java = need_java()
    need_node_package("vnu-jar")
    if not VNU_JAR.is_file():
        missing(f"{VNU_JAR} is missing: run `make test-assets`")

    site = build(factory)
    files = {}
    for name, client, url, status in _pages(app, site):
        response = client.get(url, status=status)
        assert response.content_type == "text/html", url
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.body)
        files[path.as_uri()] = f"{name} ({url})"
        files[f"file:{path}"] = files[path.as_uri()]

    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *sorted(str(p) for p in tmp_path.glob("*.html"))],
        capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [m for m in report["messages"]
              if m.get("type") in ("error", "non-document-error")
              and not any(p.match(m.get("message", "")) for p in IGNORED)]
    assert not errors, f"{len(errors)} HTML errors:\n{_readable(errors, files)}"
