from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from ..content.forms import ContentForm


class PageForm(ContentForm):
    in_footer = BooleanField(_l("Link it in the footer"))
    # Editorial pages have no cover.
    cover = cover_alt = cover_decorative = cover_remove = None
