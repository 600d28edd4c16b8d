from wtforms import BooleanField, SelectField

from ...i18n import lazy_gettext as _l
from ..content.forms import ContentForm

# The languages a page may be written in; "" for a page every visitor reads alike.
PAGE_LANGUAGES = (("", _l("Every language")), ("fr", "Français"), ("en", "English"))


class PageForm(ContentForm):
    in_footer = BooleanField(_l("Link it in the footer"))
    language = SelectField(_l("Language of the page"), choices=PAGE_LANGUAGES, default="")
    translation_of = SelectField(_l("Translation of"), coerce=int, default=0)
    # Editorial pages have no cover.
    cover = cover_alt = cover_decorative = cover_remove = None
