"""Both catalogues are complete: every string of the interface, as extracted from the code
and templates now, is translated in French and in English, with matching placeholders."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.checkers import checkers
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("fr", "en")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def _catalog(locale):
    with (ROOT / "csti/translations" / locale / "LC_MESSAGES/messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale, extracted):
    catalog = _catalog(locale)
    missing, untranslated, fuzzy, broken = [], [], [], []
    for message in extracted:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        if entry is None:
            missing.append(message.id)
            continue
        if entry.fuzzy:
            fuzzy.append(message.id)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            untranslated.append(message.id)
            continue
        for checker in checkers:
            try:
                checker(catalog, entry)
            except Exception as error:  # TranslationError
                broken.append(f"{message.id!r}: {error}")
    report = {"missing (run `make catalogs`)": missing, "untranslated": untranslated,
              "fuzzy": fuzzy, "placeholders": broken}
    assert not any(report.values()), "\n".join(
        f"{k}: {len(v)}\n  " + "\n  ".join(map(str, v[:40])) for k, v in report.items() if v)


def test_french_is_really_french():
    catalog = _catalog("fr")
    entry = catalog.get("Page not found")
    assert entry is not None and entry.string == "Page introuvable"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_translation_formats_without_error(locale):
    """Jinja's newstyle gettext formats every string with ``%``, even with no argument: a bare
    "%" that a translation adds ("100 %") is a 500 on the page that shows it. (A bare "%" of the
    English text itself, "Fill rate (%)", is only ever used from Python.)"""
    import re

    bare = re.compile(r"%(?!\(\w+\)[sd]|%)")
    wrong = [(m.id, m.string) for m in _catalog(locale) if m.id
             for s in (m.string if isinstance(m.string, tuple) else (m.string,))
             if s and len(bare.findall(s)) > len(bare.findall(m.id if isinstance(m.id, str) else m.id[0]))]
    assert not wrong


def test_french_uses_the_typographic_apostrophe():
    """French text elides with ’ (l’agenda, n’est), as the rest of the interface does: a straight
    apostrophe between two letters is a string written before that rule or copied from code."""
    import re

    straight = re.compile(r"(?<=[A-Za-zÀ-ÿœŒ])'(?=[A-Za-zÀ-ÿœŒ])")
    wrong = [s for m in _catalog("fr") if m.id
             for s in (m.string if isinstance(m.string, tuple) else (m.string,)) if straight.search(s)]
    assert not wrong, wrong[:20]


def test_templates_translate_in_the_locale_of_the_moment(app):
    """Templates look up the catalogue once per request and locale (``templating._translations``):
    a locale forced for a while (a mail in its recipient's language) is followed, then left."""
    from flask_babel import force_locale

    template = app.jinja_env.from_string('{{ _("Free") }} · {{ ngettext("%(num)d unread notification", "%(num)d unread notifications", 2) }}')
    with app.test_request_context("/"):
        assert template.render() == "Gratuit · 2 notifications non lues"
        with force_locale("en"):
            assert template.render() == "Free · 2 unread notifications"
        assert template.render() == "Gratuit · 2 notifications non lues"
    with app.test_request_context("/"), force_locale("en"):
        assert template.render() == "Free · 2 unread notifications"
