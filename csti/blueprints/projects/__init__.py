from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.projects import Project
from ...registry import HomeSection, register
from .domain import active_projects

bp = Blueprint("projects", __name__)
register(
    "project", Project, "projects.index", feed_endpoint="projects.feed",
    nav_label=_l("Projects"), nav_order=40,
    card_facts="projects/_card_facts.html", card_skips=("members",), followable=True, documents=True,
    home_section=HomeSection("projects", _l("Active projects"), _l("No active project."), _l("All projects"),
                             query=active_projects))

from . import routes  # noqa: E402,F401
