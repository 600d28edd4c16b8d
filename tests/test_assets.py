"""The third-party assets the pages load from the CDN: the SRI hashes in the configuration are
those of the pinned npm packages' files (what jsDelivr serves), and the versions in the URLs are
the versions `make test-assets` installs (package.json) — so the browser tests run the very
files production pages load."""
import base64
import hashlib
import json
import re

import pytest

import config
from csti import create_app

from .needs import NODE_MODULES, ROOT, installed_version

CDN_URL = re.compile(r"^https://cdn\.jsdelivr\.net/npm/(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>.+)$")


def _assets():
    settings = config.Config()
    yield "HTMX", settings.HTMX_URL, settings.HTMX_SRI
    for url_key, sri_key, _url, _sri in config.MAP_ASSETS:
        yield url_key.removesuffix("_URL"), getattr(settings, url_key), getattr(settings, sri_key)


ASSETS = list(_assets())


def sri(path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


@pytest.mark.parametrize(("name", "url", "integrity"), ASSETS, ids=[a[0] for a in ASSETS])
def test_sri_hash_is_the_npm_files_hash(name, url, integrity):
    match = CDN_URL.match(url)
    assert match, f"{name}: {url} is not a pinned jsDelivr npm URL"
    assert match["version"] == installed_version(match["pkg"]), \
        f"{name}: the URL pins {match['pkg']}@{match['version']}, node_modules has another version"
    path = NODE_MODULES / match["pkg"] / match["path"]
    assert path.is_file(), f"{name}: {match['path']} is not in the {match['pkg']} package"
    assert integrity == sri(path), f"{name}: the SRI hash is not the hash of {match['pkg']}/{match['path']}"


@pytest.mark.parametrize(("name", "url", "integrity"), ASSETS, ids=[a[0] for a in ASSETS])
def test_url_version_is_the_one_package_json_pins(name, url, integrity):
    pins = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    match = CDN_URL.match(url)
    assert match and match["pkg"] in pins, f"{name}: {url} names a package package.json does not pin"
    assert pins[match["pkg"]] == match["version"], \
        f"{name}: config asks for {match['pkg']}@{match['version']}, package.json pins {pins[match['pkg']]}"


def test_pages_carry_the_configured_hashes(tmp_path, monkeypatch):
    """What the templates write is the configuration (so the checks above cover the pages)."""
    monkeypatch.setenv("CSTI_INSTANCE_DIR", str(tmp_path))
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'assets.db'}",
                              "UPLOAD_DIR": str(tmp_path / "up"), "SEARCH_DIR": str(tmp_path / "search")})
    with app.test_request_context("/"):
        html = app.jinja_env.from_string(
            '{% from "macros/map.html" import map_assets %}{{ map_assets(cluster=True) }}').render()
    for name, url, integrity in ASSETS:
        if name == "HTMX":
            continue
        assert f'href="{url}" integrity="{integrity}"' in html or f'src="{url}" integrity="{integrity}"' in html, name


def test_no_merge_conflict_marker_is_left_in_the_tree():
    """A merge left "<<<<<<<"/">>>>>>>" lines in csti.css once, unseen: no tracked file keeps one."""
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    marker = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
    found = []
    for name in files:
        path = root / name
        if path.suffix in {".py", ".html", ".css", ".js", ".md", ".txt", ".in", ".po", ".pot", ".cfg", ".toml"} \
                and path.is_file() and marker.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(name)
    assert found == []
