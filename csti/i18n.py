"""Translations looked up the short way. Flask-Babel's ``gettext`` finds the catalogue through
five reads of the application context (10 µs a string); a page translates a hundred strings
or more — labels, lazy strings of the forms and models, ``_()`` in templates. These read the
catalogue where Flask-Babel keeps the locale it selected for the request, with the same text
as Flask-Babel's ``gettext``/``lazy_gettext`` (tests/test_template_gettext.py)."""
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString


def _babel_state():
    """Flask-Babel's per-request state (where it keeps the locale it selected), or None."""
    context = _cv_app.get(None)
    return context.g.__dict__.get("_flask_babel") if context is not None else None


def current_locale():
    """Flask-Babel's ``get_locale()`` — the request's locale, or the one forced for a while —
    read where Flask-Babel keeps it once selected (its own lookup reads the application
    context five times; a page formats dozens of dates)."""
    locale = getattr(_babel_state(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def translations():
    """The catalogue of the current locale, as Flask-Babel's ``get_translations()`` gives it,
    kept on Flask-Babel's own per-request state next to the locale it was found for. A locale
    forced for a while (``force_locale``: a mail in its recipient's language) is another
    object, so its catalogue is looked up again."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    if locale is None:  # the request's first lookup selects the locale
        return get_translations()
    kept = state.__dict__.get("csti_translations")
    if kept is None or kept[0] is not locale:
        kept = state.csti_translations = (locale, get_translations())
    return kept[1]


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``: the translation, then ``% variables`` when there are some."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's ``lazy_gettext``: translated each time it is turned into text."""
    return LazyString(gettext, string, **variables)
