from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.dossiers import Dossier
from ...registry import register

bp = Blueprint("dossiers", __name__)
register(
    "dossier", Dossier, "dossiers.index", feed_endpoint="dossiers.feed",
    nav_label=_l("Dossiers"), nav_order=50, nav_not_current=("dossiers.mine",),
    # Its partners' flags and its collaborators (selectin-loaded with every dossier) are its
    # page's: a list of its cards leaves them unloaded (two statements a list fewer).
    card_facts="dossiers/_card_facts.html", card_skips=("partner_rows", "collaborators"), followable=True)

from . import routes  # noqa: E402,F401
