from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.events import Event
from ...registry import HomeSection, register, register_nav
from .agenda import upcoming_events

bp = Blueprint("events", __name__)
register(
    "event", Event, "events.agenda", feed_endpoint="events.agenda_ics",
    cached_endpoints=("events.agenda_geojson", "events.trainings", "events.territory_ics", "events.tag_ics",
                      "events.structure_ics"),
    feed_endpoints=("events.structure_ics", "events.tag_ics", "events.territory_ics", "events.event_ics"),
    nav_label=_l("Agenda"), nav_order=10, nav_not_current=("events.trainings",),
    card_facts="events/_card_facts.html", card_loads=("venue",), documents=True,
    card_defers=("extra_dates", "exceptions", "accessibility"),
    home_section=HomeSection("events", _l("Upcoming events"), _l("No upcoming event."), _l("The whole agenda"),
                             query=upcoming_events,
                             feed=(_l("Subscribe (iCal)"), "events.agenda_ics", "events.territory_ics")))
# The trainings' catalogue has its own entry, right after the agenda (current on it, not the agenda).
register_nav("trainings", _l("Trainings"), "events.trainings", 15)

from . import routes  # noqa: E402,F401
