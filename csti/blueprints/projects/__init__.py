from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...models.projects import Project
from ...registry import register

bp = Blueprint("projects", __name__)
register(
    "project", Project, "projects.index", feed_endpoint="projects.feed",
    nav_label=_l("Projects"), nav_order=40, home_section="projects")

from . import routes  # noqa: E402,F401
