from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...models.events import Event
from ...registry import register

bp = Blueprint("events", __name__)
register(
    "event", Event, "events.agenda", feed_endpoint="events.agenda_ics",
    cached_endpoints=("events.agenda_geojson", "events.trainings", "events.territory_ics", "events.tag_ics",
                      "events.structure_ics"),
    feed_endpoints=("events.structure_ics", "events.tag_ics", "events.territory_ics", "events.event_ics"),
    nav_label=_l("Agenda"), nav_order=10, home_section="events")

from . import routes  # noqa: E402,F401
