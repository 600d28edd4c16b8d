"""Finish both catalogues after `pybabel update` (run by `make catalogs`).

- Give each catalogue a real, non-fuzzy header: `pybabel compile` skips a catalogue whose
  header is marked fuzzy, and the site would then silently show English msgids only.
- Fill the English catalogue: the msgids are English, so each translation is its msgid.
French is translated by hand; `tests/test_translations.py` fails on any entry left empty.
"""
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "csti" / "translations"


def finish(locale: str) -> None:
    path = ROOT / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale)
    catalog.project, catalog.version = "csti", "0.1"
    catalog.copyright_holder = "csti contributors"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "csti contributors"
    catalog.language_team = f"{locale} <>"
    catalog.fuzzy = False
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if locale == "en":
            wanted = tuple(message.id) if isinstance(message.id, (tuple, list)) else message.id
            if message.string != wanted:
                message.string = wanted
                filled += 1
            message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True, width=100, include_previous=False)
    untranslated = sum(1 for m in catalog if m.id and not all(
        m.string if isinstance(m.string, tuple) else (m.string,)))
    print(f"{path.relative_to(ROOT.parent.parent)}: {filled} filled, {untranslated} untranslated")


if __name__ == "__main__":
    for locale in ("en", "fr"):
        finish(locale)
