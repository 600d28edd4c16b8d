"""A small but complete site — a territory, people with each role, a page, tags, located
structures, every listed type's sample (``tests/samples.py``: an event, an article…) and a
training — for the checks that look at every kind of page (HTML validity, accessibility,
console errors). ``build(factory)`` returns what they need."""
import itertools
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from csti.blueprints.actors.operations import add_member, set_location
from csti.blueprints.dossiers.operations import add_collaborator, add_item
from csti.blueprints.events.schedule import schedule
from csti.models import Actor, Article, Dossier, Event, Registration
from csti.models.actors import MANAGER
from csti.models.base import utcnow
from csti.models.follows import Follow

from . import samples

_seq = itertools.count(1)


def make_actor(db, territory, title=None, kind="association", postcode="31000", lat=None, lng=None,
               tags=(), managers=(), status="published", **fields):
    actor = Actor(title=title or f"Structure {next(_seq)}", actor_kind=kind, territory=territory, **fields)
    set_location(actor, postcode)
    actor.latitude, actor.longitude = lat, lng
    for tag in tags:
        actor.add_tag(tag)
    for user in managers:
        add_member(actor, user, MANAGER)
    if status == "published":
        actor.publish()
    else:
        actor.status = status
    db.session.add(actor)
    db.session.commit()
    return actor


def make_event(db, territory, author=None, title="Nuit des étoiles", kind="talk", venue=None,
               days_ahead=10, hours=2, tags=(), **fields):
    event = Event(title=title, event_kind=kind, territory=territory, author=author,
                  summary=fields.pop("summary", f"{title} : une soirée pour tout le monde."),
                  body=fields.pop("body", "Venez avec vos questions !\n\n- Accueil à 20 h\n- Gratuit"), **fields)
    if venue is not None:
        event.venue = venue
        event.department = venue.department
        event.owners = [venue]
    start = datetime.combine(utcnow().date() + timedelta(days=days_ahead), time(20, 0))
    schedule(event, start, start + timedelta(hours=hours))
    event.audiences = ["general_public", "families"]
    for tag in tags:
        event.add_tag(tag)
    event.publish()
    db.session.add(event)
    db.session.commit()
    return event


@dataclass
class SampleSite:
    """What a type's sample (``tests/<blueprint>/sample.py``) is made with."""

    db: object
    territory: object
    author: object
    reader: object
    owner: object
    venue: object
    tag: str = "Astronomie"


def build(f):
    """Fill the database through ``f`` (tests.factories.Factory); return emails and URLs, and
    under ``"samples"`` every listed type's sample item's ``(id, slug)`` by kind."""
    db = f.db
    occitanie = f.territory(slug="occitanie", name="Occitanie", center_lat=43.6, center_lng=1.44, zoom=7,
                            description="Le réseau de la culture scientifique en **Occitanie**.")
    f.territory(slug="bretagne", name="Bretagne", center_lat=48.1, center_lng=-2.8)
    admin = f.user(email="admin@example.org", name="Alex Admin", admin=True)
    animator = f.user(email="animatrice@example.org", name="Anna Animatrice", roles={occitanie: "animator"})
    author = f.user(email="auteur@example.org", name="Paul Auteur", roles={occitanie: "contributor"})
    member = f.user(email="membre@example.org", name="Mia Membre", roles={occitanie: "member"})
    page = f.page(territory=occitanie, author=author, title="À propos du réseau",
                  body="Le réseau **CSTI** réunit [les acteurs](https://example.org) de la région.\n\n"
                       "## Nos missions\n\n- Recenser\n- Cartographier",
                  tags=["Astronomie", "Fête de la Science"], in_footer=True)
    museum = make_actor(db, occitanie, "Muséum de Toulouse", kind="museum", postcode="31000",
                        lat=43.5945, lng=1.4490, tags=["Astronomie"], managers=[author],
                        address="35 allées Jules Guesde", website="https://example.org/museum",
                        email="contact@example.org", phone="05 67 73 84 84")
    make_actor(db, occitanie, "FabLab de Montpellier", kind="fablab", postcode="34000", lat=43.6108, lng=3.8767)
    make_actor(db, occitanie, "Association Les Petits Débrouillards", kind="association", postcode="31000",
               lat=43.6045, lng=1.4440)
    make_actor(db, occitanie, "Planétarium de Nîmes", kind="museum", postcode="30000", lat=43.8367, lng=4.3601)
    made = samples.make_all(SampleSite(db, occitanie, author, member, owner=museum, venue=museum), 1)
    event, article, announcement = made["event"], made["article"], made["announcement"]
    project, dossier = made["project"], made["dossier"]
    training = make_event(db, occitanie, author=animator, title="Animer un atelier de médiation",
                          kind="training", days_ahead=20, objectives="Concevoir un atelier.",
                          trainer="Anna Animatrice", duration_text="2 jours")
    proposed = Article(title="Article proposé par un membre", territory=occitanie, author=author, status="pending",
                       summary="En attente de relecture.")
    db.session.add(proposed)
    for content, note in ((event, "La soirée idéale pour commencer."), (museum, ""), (article, "")):
        add_item(dossier, content, author, note)
    add_collaborator(dossier, animator)
    private = Dossier(title="Idées en vrac", territory=occitanie, author=author, is_private=True)
    db.session.add(private)
    add_item(private, announcement, author)
    # --- feed: Mia follows Paul and the museum (her feed), and is registered to the event (her home)
    db.session.add_all([Follow(follower_id=member.id, followed_user_id=author.id),
                        Follow(follower_id=member.id, content_id=museum.id),
                        Registration(event_id=event.id, user_id=member.id, status="waiting")])
    db.session.commit()
    return {
        "samples": {kind: (item.id, item.slug) for kind, item in made.items()},
        "project": f"/project/{project.id}-{project.slug}",
        "resource": f"/resource/{made['resource'].id}-{made['resource'].slug}",
        "dossier": f"/dossier/{dossier.id}-{dossier.slug}", "dossier_id": dossier.id,
        "private_dossier": f"/dossier/{private.id}-{private.slug}", "article_id": article.id,
        "article": f"/article/{article.id}-{article.slug}",
        "announcement": f"/announcement/{announcement.id}-{announcement.slug}",
        "admin": admin.email, "animator": animator.email, "author": author.email,
        "member": member.email, "member_id": member.id,
        "territory": "/t/occitanie", "roles": "/t/occitanie/roles",
        "page": f"/page/{page.id}-{page.slug}", "page_id": page.id,
        "tag": "/tags/astronomie",
        "actor": f"/actor/{museum.id}-{museum.slug}",
        "event": f"/event/{event.id}-{event.slug}",
        "training": f"/event/{training.id}-{training.slug}",
    }
