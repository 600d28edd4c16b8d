"""The dossiers' sample for the shared tests (tests/samples.py): a public, tagged dossier (the
shared sites add its items: they are other types' samples)."""
from csti.models import Dossier


def make(site, n):
    dossier = Dossier(title=f"Astronomie en famille ({n})", territory=site.territory, author=site.author,
                      summary="Regarder le ciel avec les enfants.", body="Une **sélection** de sorties.")
    dossier.add_tag(site.tag)
    dossier.publish()
    site.db.session.add(dossier)
    site.db.session.flush()
    return dossier
