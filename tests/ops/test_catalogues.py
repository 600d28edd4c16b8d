"""Compiled catalogues for every entry point (docs/architecture.md §20): an app started without
`make translations` compiles them itself, and answers in French."""
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from csti import catalogues
from csti.catalogues import ensure_compiled

from ..needs import ROOT


def _copy_without_mo(target: Path) -> Path:
    shutil.copytree(ROOT / "csti", target / "csti",
                    ignore=shutil.ignore_patterns("*.mo", "__pycache__", "node_modules"))
    for name in ("wsgi.py", "config.py"):
        shutil.copy(ROOT / name, target / name)
    assert not list((target / "csti" / "translations").rglob("*.mo"))
    return target


def test_importing_wsgi_without_compiled_catalogues_answers_in_french(tmp_path):
    """The way gunicorn loads it (`gunicorn wsgi:app` imports wsgi), from a checkout where
    nobody ran `make translations`."""
    site = _copy_without_mo(tmp_path / "site")
    script = (
        "import wsgi\n"
        "from csti.extensions import db\n"
        "app = wsgi.app\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "page = app.test_client().get('/', headers={'Accept-Language': 'fr'})\n"
        "print(page.status_code)\n"
        "print(page.get_data(as_text=True))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CSTI_")}
    env.update({"CSTI_INSTANCE_DIR": str(tmp_path / "instance"),
                "PYTHONPATH": str(site)})
    result = subprocess.run([sys.executable, "-c", script], cwd=site, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split("\n", 1)
    assert status == "200"
    assert "Aller au contenu" in body and "Skip to content" not in body
    assert (site / "csti/translations/fr/LC_MESSAGES/messages.mo").is_file()
    assert "compiled translation catalogues were missing" in result.stderr


def _source(tmp_path):
    source = tmp_path / "translations"
    for locale in ("fr", "en"):
        folder = source / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "csti/translations" / locale / "LC_MESSAGES/messages.po", folder / "messages.po")
    return source


class _App:
    def __init__(self, instance):
        self.instance_path = str(instance)
        self.config = {}


def test_up_to_date_catalogues_are_left_alone(tmp_path, caplog):
    source = _source(tmp_path)
    ensure_compiled(_App(tmp_path / "instance"), source)
    mo = source / "fr/LC_MESSAGES/messages.mo"
    before = mo.stat().st_mtime_ns
    caplog.clear()
    with caplog.at_level(logging.WARNING, "csti"):
        app = _App(tmp_path / "instance")
        assert ensure_compiled(app, source) == source
    assert mo.stat().st_mtime_ns == before and not caplog.records
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(source)


def test_a_catalogue_older_than_its_po_is_compiled_again(tmp_path):
    source = _source(tmp_path)
    ensure_compiled(_App(tmp_path / "instance"), source)
    po, mo = source / "fr/LC_MESSAGES/messages.po", source / "fr/LC_MESSAGES/messages.mo"
    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))
    ensure_compiled(_App(tmp_path / "instance"), source)
    assert mo.stat().st_mtime >= po.stat().st_mtime
    assert not list(mo.parent.glob(".messages-*"))  # no temporary file left


def test_a_read_only_source_compiles_into_the_instance(tmp_path, monkeypatch, caplog):
    source = _source(tmp_path)
    real_access = os.access
    monkeypatch.setattr(catalogues.os, "access",
                        lambda path, mode: False if str(path).startswith(str(source)) else real_access(path, mode))
    app = _App(tmp_path / "instance")
    with caplog.at_level(logging.WARNING, "csti"):
        target = ensure_compiled(app, source)
    assert target == tmp_path / "instance" / "translations"
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(target)
    assert (target / "fr/LC_MESSAGES/messages.mo").is_file()
    assert not (source / "fr/LC_MESSAGES/messages.mo").exists()
    assert "is not writable" in caplog.text
    # Flask-Babel reads the compiled catalogue from there.
    from babel.support import Translations

    assert Translations.load(str(target), ["fr"]).gettext("Skip to content") == "Aller au contenu"
