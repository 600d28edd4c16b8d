"""Demo dossiers: public collections (one shared with a collaborator) and a private one, each
gathering content from several territories, with the curator's notes."""
import random

from sqlalchemy import func, select

from ..blueprints.dossiers.operations import add_collaborator, add_item, set_visibility
from ..extensions import db
from ..models import PUBLISHED, Content, Territory
from ..models.dossiers import Dossier

# owner, territory, title, private, collaborators, summary, tags,
# items: (kind, territory slug, a word of the title, or None for any; the curator's note)
DOSSIERS = [
    ("sophie.nguyen@csti.example", "occitanie", "Astronomie en famille", False, ["ines.fabre@csti.example"],
     "Des soirées d'observation, des planétariums et des ateliers pour regarder le ciel avec les enfants.",
     ["astronomie", "familles"],
     [("event", "occitanie", "astronomie", "Parfait pour une première soirée d'observation."),
      ("actor", "occitanie", "étoiles", ""),
      ("event", "bretagne", "astronomie", "Si vous passez l'été en Bretagne."),
      ("actor", "grenoble-alpes", "planétarium", ""),
      ("article", None, "planétarium", "Un reportage qui donne des idées."),
      ("project", None, "étoiles", "")]),
    ("anne.rouxel@csti.example", "bretagne", "Sciences de la mer : ressources pour la classe", False, [],
     "Structures, expositions à emprunter et formats d'animation autour de l'océan.",
     ["océan", "éducation"],
     [("actor", "bretagne", "océanopolis", "Accueille les classes sur réservation."),
      ("event", "bretagne", "océans", ""),
      ("project", None, "océans", "Une exposition à accueillir dans sa médiathèque."),
      ("actor", "occitanie", "marine", ""),
      ("announcement", None, "exposition", "Prêt gratuit : à réserver tôt.")]),
    ("thomas.girard@csti.example", "grenoble-alpes", "Fabriquer et réparer : fablabs et ateliers", False, [],
     "Les lieux où l'on apprend à fabriquer, réparer et détourner, dans toutes les régions.",
     ["fabrication numérique"],
     [("actor", "grenoble-alpes", "fablab", ""),
      ("actor", "occitanie", "fablab", "Ouvert le samedi aux familles."),
      ("actor", "bretagne", "labfab", ""),
      ("project", None, "réparation", "Un projet qui cherche encore des bras."),
      ("event", None, "capteur", "")]),
    ("ines.fabre@csti.example", "occitanie", "Idées pour notre Fête de la science", True, [],
     "Notes de préparation : lieux possibles, formats à tester, appels en cours.",
     [],
     [("article", None, "format", "À tester avec les 4e."),
      ("announcement", None, "fête de la science", "Date limite à noter !"),
      ("event", "grenoble-alpes", "café des sciences", ""),
      ("project", None, "escape game", "")]),
]


def _pick(kind, slug, word, territories, taken, rng):
    stmt = select(Content).where(Content.kind == kind, Content.status == PUBLISHED, Content.id.not_in(taken or [0]))
    if slug and slug in territories:
        stmt = stmt.where(Content.territory_id == territories[slug].id)
    if word:
        found = db.session.scalars(stmt.where(func.lower(Content.title).contains(word.lower()))
                                   .order_by(Content.id).limit(5)).all()
        if found:
            return found[0]
    candidates = db.session.scalars(stmt.order_by(Content.id).limit(30)).all()
    return rng.choice(candidates) if candidates else None


def seed(territories, users, lines):
    seed_dossiers(territories, users, lines)


def seed_dossiers(territories, users, lines):
    from ..models import User

    if db.session.scalar(select(Dossier.id).limit(1)) is not None:
        lines.append("dossiers already present: none added")
        return
    rng = random.Random(1789)
    made, items, private = 0, 0, 0
    for email, slug, title, is_private, collaborators, summary, tags, picks in DOSSIERS:
        owner = users.get(email) or User.by_email(email)
        territory = territories.get(slug) or db.session.scalar(select(Territory).where(Territory.slug == slug))
        if owner is None or territory is None:
            continue
        dossier = Dossier(title=title, summary=summary, territory=territory, author=owner,
                          body=f"{summary}\n\nCe dossier rassemble des contenus de plusieurs territoires : "
                               "n'hésitez pas à en proposer d'autres en commentaire.")
        for tag in tags:
            dossier.add_tag(tag)
        db.session.add(dossier)
        set_visibility(dossier, is_private, owner)
        if not is_private:
            dossier.publish()  # demo data: no review queue
        taken = []
        for kind, where, word, note in picks:
            content = _pick(kind, where, word, territories, taken, rng)
            if content is not None:
                add_item(dossier, content, owner, note)
                taken.append(content.id)
        for other in collaborators:
            person = users.get(other) or User.by_email(other)
            if person is not None:
                add_collaborator(dossier, person)
        made, items, private = made + 1, items + len(taken), private + is_private
    db.session.flush()
    lines.append(f"{made} dossiers ({private} private, {items} items)")
