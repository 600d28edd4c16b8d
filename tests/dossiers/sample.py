"""The dossiers' sample for the shared tests (tests/samples.py): a public, tagged dossier (the
shared sites add its items: they are other types' samples)."""
from csti.models import Dossier

from ..samples import publish


def make(site, n):
    dossier = Dossier(title=f"Astronomie en famille ({n})", territory=site.territory, author=site.author,
                      summary="Regarder le ciel avec les enfants.", body="Une **sélection** de sorties.")
    return publish(site, dossier)
