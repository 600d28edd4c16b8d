from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.announcements import Announcement
from ...registry import HomeSection, register
from .domain import open_announcements

bp = Blueprint("announcements", __name__)
register(
    "announcement", Announcement, "announcements.index", feed_endpoint="announcements.feed",
    nav_label=_l("Announcements"), nav_order=30, structure_page=True,
    card_facts="announcements/_card_facts.html",
    home_section=HomeSection("announcements", _l("Open announcements"), _l("No open announcement."),
                             _l("All announcements"), query=open_announcements))

from . import routes  # noqa: E402,F401
