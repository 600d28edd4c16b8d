from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...models.announcements import Announcement
from ...registry import register

bp = Blueprint("announcements", __name__)
register(
    "announcement", Announcement, "announcements.index", feed_endpoint="announcements.feed",
    nav_label=_l("Announcements"), nav_order=30, structure_page=True, home_section="announcements")

from . import routes  # noqa: E402,F401
