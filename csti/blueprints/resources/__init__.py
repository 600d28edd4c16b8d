"""The resource centre (issue #16): exhibitions, kits, games, videos, books and equipment that
structures lend (``csti/models/resources.py``); loans in ``bookings``."""
from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.resources import Resource
from ...registry import register

bp = Blueprint("resources", __name__)
register(
    "resource", Resource, "resources.index", feed_endpoint="resources.feed",
    nav_label=_l("Resources"), nav_order=45, structure_page=True, documents=True,
    card_facts="resources/_card_facts.html", card_skips=("photos", "bookings"))

from . import routes  # noqa: E402,F401
