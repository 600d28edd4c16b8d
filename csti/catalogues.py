"""Compiled catalogues (.mo) for every entry point (docs/architecture.md §20).

``make translations`` compiles them at install time. An app started another way (``gunicorn
wsgi:app`` from a fresh checkout, a container built without that step) would otherwise serve
English: ``create_app`` calls :func:`ensure_compiled`, which only stats the files when they are
there and up to date, and else compiles the out-of-date ones with Babel's own API — into the
package's translations directory, or into ``instance/translations`` when that one is not writable
(and then points Flask-Babel there), with a warning in the log either way.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger("csti")
SOURCE = Path(__file__).parent / "translations"


def _catalogues(root: Path):
    """(locale, .po path) for each catalogue under ``root``."""
    try:
        locales = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
    except FileNotFoundError:
        return []
    found = []
    for locale in locales:
        po = root / locale / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            found.append((locale, po))
    return found


def _stale(po: Path, mo: Path) -> bool:
    try:
        return mo.stat().st_mtime < po.stat().st_mtime
    except FileNotFoundError:
        return True


def compile_catalogue(po: Path, mo: Path) -> None:
    """``po`` compiled to ``mo``, written whole or not at all (a temporary file, then replaced)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parent.parent.name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ensure_compiled(app, source: Path = SOURCE) -> Path:
    """The directory whose .mo files are current, compiling what is missing or older than its .po;
    sets ``BABEL_TRANSLATION_DIRECTORIES`` to it. Cheap when everything is fine: two stats per
    language."""
    catalogues = _catalogues(source)
    stale = [(locale, po) for locale, po in catalogues
             if _stale(po, source / locale / "LC_MESSAGES" / "messages.mo")]
    target = source
    if stale:
        if os.access(source, os.W_OK) and all(os.access(po.parent, os.W_OK) for _, po in stale):
            for locale, po in stale:
                compile_catalogue(po, source / locale / "LC_MESSAGES" / "messages.mo")
            log.warning("compiled translation catalogues were missing or older than their .po "
                        "(%s): compiled them in place; run `make translations` at install time",
                        ", ".join(locale for locale, _ in stale))
        else:
            target = Path(app.instance_path) / "translations"
            written = []
            for locale, po in catalogues:
                mo = target / locale / "LC_MESSAGES" / "messages.mo"
                if _stale(po, mo):
                    compile_catalogue(po, mo)
                    written.append(locale)
            if written:
                log.warning("compiled translation catalogues were missing or older than their .po "
                            "(%s) and %s is not writable: compiled them into %s",
                            ", ".join(written), source.name, target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    return target
