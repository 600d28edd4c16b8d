"""The events' sample for the shared tests (tests/samples.py): a talk at the site's venue,
published for the site's structure, with registration on the site."""
from datetime import datetime, time, timedelta

from csti.blueprints.events.schedule import schedule
from csti.models import Event
from csti.models.base import utcnow

from ..images import stored_cover
from ..samples import publish


def make(site, n):
    event = Event(title=f"Nuit des étoiles : astronomie {n}", event_kind="talk", territory=site.territory,
                  author=site.author, summary="Une soirée pour tout le monde.",
                  body="Venez avec vos questions !\n\n- Accueil à 20 h\n- Gratuit",
                  venue=site.venue, department=site.venue.department, registration_mode="site", capacity=30)
    start = datetime.combine(utcnow().date() + timedelta(days=2 + n % 5), time(20, 0)) + timedelta(minutes=n)
    schedule(event, start, start + timedelta(hours=2))
    event.owners = [site.owner]
    event.audiences = ["general_public", "families"]
    event.cover_image, event.cover_alt = stored_cover(), "Un ciel étoilé au-dessus d’une foule"
    return publish(site, event)
