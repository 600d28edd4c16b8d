"""Demo events: about 150 over the past year and the next six months — talks, workshops,
exhibitions, trainings, forums, a festival on several dates, weekly clubs, full events with a
waiting list."""
import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..blueprints.events.schedule import register, schedule
from ..dates import local_zone
from ..extensions import db
from ..models.actors import Actor
from ..models.base import utcnow
from ..models.events import Event

TITLES = {
    "talk": ["Café des sciences : {theme}", "Conférence : {theme} aujourd'hui", "Rencontre avec une chercheuse : {theme}"],
    "workshop": ["Atelier {theme} en famille", "Atelier découverte : {theme}", "Fabrique ton capteur : {theme}"],
    "exhibition": ["Exposition « {Theme} »", "Exposition interactive : {theme}"],
    "visit": ["Visite du laboratoire : {theme}", "Visite technique : {theme}"],
    "show": ["Spectacle scientifique : {theme}", "Théâtre et sciences : {theme}"],
    "meeting": ["Réunion du groupe de travail {theme}", "Comité de pilotage : {theme}"],
    "online": ["Webinaire : {theme}", "Conférence en ligne : {theme}"],
}
THEMES = ["astronomie", "biodiversité", "climat", "robotique", "intelligence artificielle", "océans", "énergie",
          "géologie", "santé", "numérique responsable", "sciences participatives", "mathématiques",
          "chimie du quotidien", "patrimoine industriel", "insectes pollinisateurs", "eau"]
TRAININGS = [
    ("Concevoir un atelier de médiation scientifique", "Construire une séquence d'atelier de A à Z.", "Aucun.", "Claire Martin", "2 jours"),
    ("Animer un débat science et société", "Techniques d'animation de débats et de controverses.", "Avoir déjà animé un public.", "Yann Le Gall", "1 jour"),
    ("Évaluer ses actions de culture scientifique", "Construire un questionnaire et analyser les résultats.", "Aucun.", "Lucie Bernard", "1 jour"),
    ("Accessibilité des actions de médiation", "Accueillir les publics en situation de handicap.", "Aucun.", "Inès Fabre", "2 jours"),
    ("Monter un projet de sciences participatives", "Du protocole à la restitution avec les participants.", "Connaître un projet existant.", "Thomas Girard", "3 jours"),
    ("Médiation numérique et fablab", "Animer un atelier de fabrication numérique.", "Bases d'informatique.", "Mehdi Benali", "2 jours"),
]


def seed(territories, users, lines):
    if db.session.scalar(select(Event.id).limit(1)) is not None:
        lines.append("events already present: none added")
        return
    rng = random.Random(4242)
    zone = local_zone()
    today = utcnow().astimezone(zone).date()
    actors_by_territory = {slug: db.session.scalars(select(Actor).where(
        Actor.territory_id == t.id, Actor.status == "published").order_by(Actor.id)).all()
        for slug, t in territories.items()}
    authors = {"occitanie": users.get("claire.martin@csti.example"),
               "grenoble-alpes": users.get("lucie.bernard@csti.example"),
               "bretagne": users.get("yann.le-gall@csti.example")}
    members = [u for u in users.values() if u is not None]
    count = 0

    def new_event(slug, title, kind, start, hours, **fields):
        nonlocal count
        venue = rng.choice(actors_by_territory[slug]) if actors_by_territory[slug] else None
        event = Event(title=title, event_kind=kind, territory=territories[slug], author=authors[slug],
                      summary=fields.pop("summary", f"{title} — proposé par {venue.title if venue else 'le réseau'}."),
                      body=fields.pop("body", "Ouvert à toutes et tous. Venez avec vos questions !\n\n"
                                              "- Accueil 15 minutes avant\n- Goûter offert"))
        event.venue = venue
        if venue is not None:
            event.department = venue.department
            event.owners = [venue]
        audiences = fields.pop("audiences", None)
        for key, value in fields.items():
            if key not in ("recurrence", "until", "extra", "all_day"):
                setattr(event, key, value)
        schedule(event, start, start + timedelta(hours=hours), fields.get("all_day", False),
                 fields.get("recurrence", "none"), fields.get("until"), fields.get("extra", []))
        event.audiences = audiences or rng.sample(["general_public", "children", "teenagers", "families",
                                                   "school_groups", "students", "professionals", "seniors"], 2)
        event.accessibility = rng.sample(["motor", "hearing", "visual", "psychic", "intellectual"], rng.randint(0, 3))
        event.add_tag(rng.choice(THEMES))
        event.publish()
        db.session.add(event)
        count += 1
        return event

    slugs = list(territories)
    # Everyday events: ~120 over the past year and the next six months.
    for i in range(120):
        slug = slugs[i % len(slugs)]
        kind = rng.choice(list(TITLES))
        theme = rng.choice(THEMES)
        title = rng.choice(TITLES[kind]).format(theme=theme, Theme=theme.capitalize())
        day = today + timedelta(days=rng.randint(-365, 182))
        start = datetime.combine(day, time(rng.choice([10, 14, 18, 20]), rng.choice([0, 30])))
        hours = {"exhibition": 24 * rng.randint(10, 60), "meeting": 2, "online": 1}.get(kind, rng.choice([1, 2, 3]))
        free = rng.random() < 0.7
        new_event(slug, title, kind, start, hours, is_free=free,
                  price_text="" if free else rng.choice(["5 € / 3 € tarif réduit", "8 €", "Prix libre"]),
                  attendance_mode="online" if kind == "online" else "in_person",
                  online_url="https://visio.example.org/csti" if kind == "online" else "",
                  registration_mode=rng.choice(["none", "none", "site", "external"]),
                  registration_url="https://billetterie.example.org/", capacity=rng.choice([12, 20, 30, 50]),
                  schedule_status=rng.choice(["scheduled"] * 12 + ["postponed", "cancelled"]))
    # Trainings for professionals
    for i, (title, objectives, prerequisites, trainer, duration) in enumerate(TRAININGS * 2):
        slug = slugs[i % len(slugs)]
        day = today + timedelta(days=rng.randint(-200, 170))
        new_event(slug, title, "training", datetime.combine(day, time(9, 30)), 7.5,
                  objectives=objectives, prerequisites=prerequisites, trainer=trainer, duration_text=duration,
                  certificate=rng.random() < 0.5, registration_mode="site", capacity=12,
                  audiences=["professionals"])
    # Territorial forums
    for slug in slugs:
        day = today + timedelta(days=rng.randint(20, 120))
        new_event(slug, f"Forum territorial de la culture scientifique — {territories[slug].name}", "forum",
                  datetime.combine(day, time(9, 0)), 8, registration_mode="site", capacity=150,
                  summary="La journée annuelle du réseau : ateliers, retours d'expérience et rencontres.")
    # A festival on several dates (Fête de la science style)
    first = today + timedelta(days=40)
    new_event("occitanie", "Festival des sciences en Occitanie", "festival", datetime.combine(first, time(10, 0)), 8,
              extra=[datetime.combine(first + timedelta(days=d), time(10, 0)) for d in (1, 2, 7, 8)],
              summary="Cinq journées d'ateliers, de spectacles et de visites dans toute la région.")
    # Weekly and monthly clubs
    new_event("bretagne", "Club d'astronomie du mercredi", "workshop",
              datetime.combine(today - timedelta(days=today.weekday()) + timedelta(days=2), time(18, 0)), 2,
              recurrence="weekly", until=today + timedelta(days=120))
    start = today.replace(day=1) + timedelta(days=(1 - today.replace(day=1).weekday()) % 7 + 7)
    new_event("grenoble-alpes", "Café des sciences mensuel", "talk", datetime.combine(start, time(19, 0)), 2,
              recurrence="monthly", until=today + timedelta(days=180))
    db.session.flush()
    # Full events with a waiting list
    full = []
    for slug in slugs:
        day = today + timedelta(days=rng.randint(10, 60))
        event = new_event(slug, f"Atelier complet : robotique pour les 8-12 ans ({territories[slug].name})", "workshop",
                          datetime.combine(day, time(14, 0)), 2, registration_mode="site", capacity=3,
                          waiting_list=True, audiences=["children"], age_min=8, age_max=12)
        full.append(event)
    db.session.flush()
    for event in full:
        for user in members[:5]:
            register(event, user)
    lines.append(f"{count} events (trainings, forums, a festival, recurring clubs, full events with a waiting list)")
