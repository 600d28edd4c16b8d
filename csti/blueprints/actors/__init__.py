from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.actors import Actor
from ...registry import HomeSection, register

bp = Blueprint("actors", __name__)
register(
    "actor", Actor, "actors.index", cached_endpoints=("actors.geojson",),
    nav_label=_l("Structures"), nav_order=60, followable=True, card_defers=("social",),
    home_section=HomeSection("structures", _l("New structures"), _l("No structure yet."),
                             _l("The directory and the map")))

from . import routes  # noqa: E402,F401 — routes imports the merge views
