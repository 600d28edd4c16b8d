"""The structures' sample for the shared tests (tests/samples.py): a located, tagged fablab
the sample site's author manages."""
from csti.blueprints.actors.operations import add_member, set_location
from csti.models import Actor
from csti.models.actors import MANAGER

from ..samples import publish


def make(site, n):
    actor = Actor(title=f"Atelier astronomie {n}", actor_kind="fablab", territory=site.territory,
                  author=site.author, summary="Un atelier de fabrication ouvert à tous.",
                  latitude=43.6 + n / 1000, longitude=1.45, address="2 rue des Étoiles",
                  website="https://example.org/atelier", email="atelier@example.org", phone="05 61 00 00 00")
    set_location(actor, "31000")
    actor.audiences = ["general_public", "children"]
    add_member(actor, site.author, MANAGER)
    return publish(site, actor)
