from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.groups import WorkingGroup
from ...registry import register

bp = Blueprint("groups", __name__)
register(
    "group", WorkingGroup, "groups.index", feed_endpoint="groups.feed",
    nav_label=_l("Working groups"), nav_order=45, followable=True, documents=True,
    card_facts="groups/_card_facts.html", card_skips=("memberships",))

from . import routes  # noqa: E402,F401
