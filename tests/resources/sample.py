"""The resources' sample for the shared tests (tests/samples.py): a lendable exhibition of the
site's structure, for primary schools and libraries, with a photo and a video."""
from csti.models import Resource, ResourcePhoto

from ..images import stored_cover
from ..samples import publish


def make(site, n):
    resource = Resource(title=f"Exposition « Le ciel à l'œil nu » ({n})", resource_kind="exhibition",
                        territory=site.territory, author=site.author, summary="Douze panneaux sur le ciel nocturne.",
                        lendable=True, is_free=False, price="150 € la semaine", deposit="500 €", panels=12,
                        dimensions="12 panneaux de 80 × 200 cm", setup_minutes=60,
                        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    resource.owners = [site.owner]
    resource.audiences = ["general_public", "primary_school", "libraries"]
    resource.photos = [ResourcePhoto(path=stored_cover(), alt="Les douze panneaux montés dans une médiathèque")]
    return publish(site, resource)
