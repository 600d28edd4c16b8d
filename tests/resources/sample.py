"""The resources' sample for the shared tests (tests/samples.py): a lendable exhibition of the
site's structure, for primary schools and libraries."""
from csti.models import Resource

from ..samples import publish


def make(site, n):
    resource = Resource(title=f"Exposition « Le ciel à l'œil nu » ({n})", resource_kind="exhibition",
                        territory=site.territory, author=site.author, summary="Douze panneaux sur le ciel nocturne.",
                        lendable=True, is_free=False, price="150 € la semaine", deposit="500 €", panels=12,
                        dimensions="12 panneaux de 80 × 200 cm", setup_minutes=60)
    resource.owners = [site.owner]
    resource.audiences = ["general_public", "primary_school", "libraries"]
    return publish(site, resource)
