"""``flask csti seed-demo``: realistic French demo data so every page looks alive.

Later issues extend ``seed()`` with their own content (structures, events, articles…).
Every demo account's password is DEMO_PASSWORD.
"""
from sqlalchemy import select

from ..extensions import db
from ..models import (
    ROLE_ANIMATOR,
    ROLE_CONTRIBUTOR,
    ROLE_MEMBER,
    Membership,
    Page,
    Territory,
    User,
)
from ..models.base import utcnow

DEMO_PASSWORD = "demo-csti-2026"

TERRITORIES = [
    dict(slug="occitanie", name="Occitanie", center_lat=43.7, center_lng=2.2, zoom=7,
         color_primary="#a3262a", color_secondary="#f2a900", publish_policy="contributors",
         description=(
             "Le réseau de la culture scientifique, technique et industrielle en **Occitanie** : "
             "de Toulouse à Montpellier, des fablabs aux muséums, des laboratoires aux médiathèques."
         )),
    dict(slug="grenoble-alpes", name="Grenoble-Alpes", center_lat=45.19, center_lng=5.72, zoom=10,
         color_primary="#1d4e89", color_secondary="#3aa17e", publish_policy="everyone",
         description=(
             "La communauté CSTI de la métropole grenobloise et des vallées alpines : "
             "recherche, industrie, montagne et sciences participatives."
         )),
    dict(slug="bretagne", name="Bretagne", center_lat=48.2, center_lng=-2.9, zoom=8,
         color_primary="#0b5d6b", color_secondary="#e2b007", publish_policy="contributors",
         description=(
             "Les acteurs bretons de la culture scientifique : sciences de la mer, numérique, "
             "patrimoine industriel et clubs de sciences."
         )),
]

PEOPLE = [
    # email, name, is_admin, {territory slug: role}
    ("admin@csti.example", "Camille Admin", True, {}),
    ("claire.martin@csti.example", "Claire Martin", False, {"occitanie": ROLE_ANIMATOR}),
    ("yann.le-gall@csti.example", "Yann Le Gall", False, {"bretagne": ROLE_ANIMATOR}),
    ("lucie.bernard@csti.example", "Lucie Bernard", False, {"grenoble-alpes": ROLE_ANIMATOR}),
    ("mehdi.benali@csti.example", "Mehdi Benali", False, {"occitanie": ROLE_CONTRIBUTOR}),
    ("anne.rouxel@csti.example", "Anne Rouxel", False, {"bretagne": ROLE_CONTRIBUTOR, "occitanie": ROLE_MEMBER}),
    ("thomas.girard@csti.example", "Thomas Girard", False, {"grenoble-alpes": ROLE_CONTRIBUTOR}),
    ("sophie.nguyen@csti.example", "Sophie Nguyen", False, {"occitanie": ROLE_MEMBER}),
    ("julien.morel@csti.example", "Julien Morel", False, {"grenoble-alpes": ROLE_MEMBER, "bretagne": ROLE_MEMBER}),
    ("ines.fabre@csti.example", "Inès Fabre", False, {"occitanie": ROLE_MEMBER}),
    ("erwan.kerjean@csti.example", "Erwan Kerjean", False, {"bretagne": ROLE_MEMBER}),
    ("marie.chevalier@csti.example", "Marie Chevalier", False, {"grenoble-alpes": ROLE_MEMBER}),
]

BIOS = {
    "Claire Martin": "Animatrice du réseau CSTI Occitanie, ancienne médiatrice au muséum de Toulouse.",
    "Yann Le Gall": "Coordinateur du réseau breton, passionné de sciences de la mer.",
    "Lucie Bernard": "Animatrice de la communauté Grenoble-Alpes, ingénieure de formation.",
    "Mehdi Benali": "Fabmanager, il anime des ateliers d'électronique pour les ados.",
    "Anne Rouxel": "Chargée de médiation dans un centre de culture scientifique.",
}

PAGES = [
    (None, "À propos", True, "À propos de csti",
     "csti est la plateforme communautaire des réseaux de **culture scientifique, technique et "
     "industrielle**. Elle recense les acteurs, partage leurs événements et leurs projets, et "
     "relie les territoires entre eux.\n\nElle est libre et peut être installée par toute "
     "association sur un petit serveur."),
    (None, "Déclaration d'accessibilité", True, "État de conformité au RGAA",
     "Nous visons la conformité au **RGAA 4.1** (WCAG 2.1 niveau AA). Les pages sont vérifiées "
     "avec le validateur HTML du W3C et axe-core à chaque modification.\n\n"
     "Si vous rencontrez un défaut d'accessibilité, écrivez aux animateurs de votre territoire."),
    (None, "Mentions légales", True, "Éditeur, hébergement, données personnelles",
     "Site édité par l'association qui anime le réseau. Vos données ne servent qu'au "
     "fonctionnement du site ; vous pouvez les télécharger ou supprimer votre compte depuis vos "
     "paramètres."),
    ("occitanie", "Rejoindre le réseau en Occitanie", False, "Comment participer",
     "Créez un compte, rejoignez le territoire puis proposez votre structure et vos événements. "
     "Les animatrices relisent les nouvelles publications sous 48 h."),
    ("bretagne", "Charte des contributeurs bretons", False, "Nos règles communes",
     "- Publier des informations vérifiées\n- Citer ses sources\n- Respecter les autres membres"),
]

# English versions of the instance's pages: the footer shows them to English-speaking visitors.
PAGES_EN = [
    ("À propos", "About", "About csti",
     "csti is the community platform of the networks of **scientific, technical and industrial "
     "culture**. It lists the actors, shares their events and projects, and links the territories."
     "\n\nIt is free software: any association can install it on a small server."),
    ("Déclaration d'accessibilité", "Accessibility statement", "Compliance with the RGAA",
     "We aim at compliance with the **RGAA 4.1** (WCAG 2.1 level AA). Pages are checked with the W3C "
     "HTML validator and axe-core at every change.\n\nIf you meet an accessibility defect, write to "
     "your territory's animators."),
    ("Mentions légales", "Legal notice", "Publisher, hosting, personal data",
     "Site published by the association that runs the network. Your data only serve the site; you "
     "can download them or delete your account from your settings."),
]


def seed():
    """Create the demo data; returns lines describing what was done."""
    lines = []
    territories = {}
    for data in TERRITORIES:
        territory = db.session.scalar(select(Territory).where(Territory.slug == data["slug"]))
        if territory is None:
            territory = Territory(**data)
            db.session.add(territory)
        territories[data["slug"]] = territory
    db.session.flush()
    lines.append(f"{len(territories)} territories: {', '.join(territories)}")

    users = {}
    for email, name, is_admin, roles in PEOPLE:
        user = User.by_email(email)
        if user is None:
            user = User(email=email, name=name, is_admin=is_admin, email_confirmed_at=utcnow(),
                        bio=BIOS.get(name, ""), locale="fr")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            for slug, role in roles.items():
                db.session.add(Membership(user=user, territory=territories[slug], role=role))
        users[email] = user
    db.session.flush()
    lines.append(f"{len(users)} members (password for all: {DEMO_PASSWORD}); admin: admin@csti.example")

    admin = users["admin@csti.example"]
    count = 0
    for slug, title, footer, summary, body in PAGES:
        if db.session.scalar(select(Page).where(Page.title == title)):
            continue
        page = Page(title=title, summary=summary, body=body, in_footer=footer, author=admin,
                    territory=territories[slug] if slug else None, language="fr")
        page.publish()
        page.add_tag("réseau CSTI")
        db.session.add(page)
        count += 1
    db.session.flush()
    for original_title, title, summary, body in PAGES_EN:
        original = db.session.scalar(select(Page).where(Page.title == original_title))
        if original is None or db.session.scalar(select(Page).where(Page.title == title)):
            continue
        page = Page(title=title, summary=summary, body=body, author=admin, language="en",
                    translation_of=original)
        page.publish()
        db.session.add(page)
        count += 1
    lines.append(f"{count} pages")

    extend_seed(territories, users, lines)
    db.session.commit()
    return lines


def extend_seed(territories, users, lines):
    """Hook for the content types added by later issues."""
    from importlib import import_module

    for module in ("csti.demo.actors", "csti.demo.events", "csti.demo.publishing", "csti.demo.groups",
                   "csti.demo.dossiers", "csti.demo.resources", "csti.demo.images", "csti.demo.follows", "csti.demo.newsletters",
                   "csti.demo.animation", "csti.demo.visits", "csti.demo.surveys"):
        try:
            mod = import_module(module)
        except ModuleNotFoundError:
            continue
        mod.seed(territories, users, lines)
