"""``flask csti seed-bench``: the benchmark's dataset, national or small, generated
deterministically (one ``random.Random(seed)``; dates relative to the generation day) and
written with SQLAlchemy Core bulk inserts — not through the ORM, so without the search outbox's
per-row hook: the search index is rebuilt once at the end (``csti.search.reindex()``).

Names, themes and titles reuse the demo data's vocabulary; structures and events sit in real
communes (name, postcode, INSEE code and department from ``csti/data/communes-fr.csv``). That
file has no coordinates: a commune's point is its department's approximate centre plus a fixed
offset derived from its INSEE code, so the map looks plausible and a commune stays in one place.

Every member's password is ``BENCH_PASSWORD``; the administrator ``bench-admin@csti.example``
also marks the database as one this module made (``--force`` only ever replaces such a one).
"""
from __future__ import annotations

import csv
import hashlib
import itertools
import random
import re
import time as timer
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, create_engine, event, insert, inspect, text

from ..blueprints.actors.geo import DATA as COMMUNES_CSV
from ..markdown import render_markdown
from ..text import fold, slugify
from .actors import STREETS
from .events import THEMES, TITLES, TRAININGS
from .publishing import ANNOUNCEMENTS, COMMENTS, FEEDBACK, FORMATS, NEWS, PROJECTS, REPORTS, STEPS
from .resources import LENGTHS
from .resources import RESOURCES as DEMO_RESOURCES

GENERATOR_VERSION = 5
DEFAULT_SEED = 2026
BENCH_PASSWORD = "bench-csti-2026"
MARKER_EMAIL = "bench-admin@csti.example"
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    territories: int = 10
    structures: int = 20_000
    events: int = 100_000
    articles: int = 50_000
    announcements: int = 10_000
    projects: int = 10_000
    dossiers: int = 5_000
    resources: int = 10_000
    bookings: int = 50_000
    members: int = 50_000
    follows: int = 500_000
    comments: int = 200_000
    reactions: int = 300_000
    registrations: int = 100_000
    notifications: int = 100_000
    tags: int = 400


NATIONAL = Scale()
# About 1/50 of the national one (same ten territories, fewer tags so that each has items).
SMALL = replace(Scale(**{f.name: max(1, getattr(NATIONAL, f.name) // 50) for f in fields(Scale)}),
                territories=10, tags=120)
SCALES = {"national": NATIONAL, "small": SMALL}
# The content rows' kinds (their counts in ``Scale``), the instance's pages aside.
CONTENT_KINDS = ("structures", "events", "articles", "announcements", "projects", "resources", "dossiers")

# slug, name, departments (centre latitude, longitude, spread in degrees), map zoom
TERRITORIES = [
    ("occitanie", "Occitanie", {"09": (42.92, 1.50, .25), "11": (43.10, 2.40, .30), "12": (44.28, 2.68, .35),
                                "30": (43.98, 4.18, .30), "31": (43.35, 1.17, .35), "32": (43.69, .45, .30),
                                "34": (43.58, 3.37, .30), "46": (44.62, 1.60, .30), "48": (44.52, 3.50, .25),
                                "65": (43.05, .15, .25), "66": (42.60, 2.52, .25), "81": (43.79, 2.17, .30),
                                "82": (44.08, 1.28, .25)}, 7),
    ("grenoble-alpes", "Grenoble-Alpes", {"38": (45.26, 5.58, .40)}, 9),
    ("bretagne", "Bretagne", {"22": (48.44, -2.86, .30), "29": (48.25, -4.05, .35), "35": (48.17, -1.64, .35),
                              "56": (47.85, -2.82, .30)}, 8),
    ("nouvelle-aquitaine", "Nouvelle-Aquitaine", {
        "16": (45.72, .20, .30), "17": (45.78, -.67, .35), "19": (45.36, 1.88, .30), "23": (46.09, 2.02, .30),
        "24": (45.10, .74, .40), "33": (44.83, -.58, .45), "40": (43.97, -.78, .40), "47": (44.37, .46, .30),
        "64": (43.26, -.76, .35), "79": (46.56, -.32, .30), "86": (46.56, .46, .35), "87": (45.89, 1.24, .30)}, 7),
    ("hauts-de-france", "Hauts-de-France", {"02": (49.56, 3.56, .35), "59": (50.45, 3.22, .30),
                                            "60": (49.41, 2.41, .30), "62": (50.49, 2.29, .30),
                                            "80": (49.96, 2.28, .30)}, 8),
    ("grand-est", "Grand Est", {"08": (49.62, 4.63, .30), "10": (48.30, 4.16, .30), "51": (48.95, 4.24, .35),
                                "52": (48.11, 5.23, .35), "54": (48.79, 6.16, .30), "55": (48.99, 5.38, .35),
                                "57": (49.04, 6.66, .30), "67": (48.67, 7.55, .30), "68": (47.86, 7.27, .25),
                                "88": (48.20, 6.38, .30)}, 7),
    ("ile-de-france", "Île-de-France", {"75": (48.857, 2.35, .04), "77": (48.62, 2.93, .35),
                                        "78": (48.82, 1.84, .25), "91": (48.52, 2.24, .20),
                                        "92": (48.84, 2.24, .06), "93": (48.91, 2.48, .06),
                                        "94": (48.78, 2.47, .06), "95": (49.08, 2.13, .18)}, 9),
    ("provence-alpes-cote-d-azur", "Provence-Alpes-Côte d'Azur", {
        "04": (44.10, 6.24, .35), "05": (44.66, 6.26, .30), "06": (43.94, 7.12, .25), "13": (43.54, 5.09, .25),
        "83": (43.46, 6.22, .30), "84": (44.00, 5.17, .25)}, 8),
    ("pays-de-la-loire", "Pays de la Loire", {"44": (47.35, -1.68, .35), "49": (47.39, -.56, .35),
                                              "53": (48.15, -.65, .30), "72": (47.99, .22, .35),
                                              "85": (46.67, -1.30, .35)}, 8),
    ("normandie", "Normandie", {"14": (49.09, -.36, .30), "27": (49.11, 1.00, .30), "50": (49.08, -1.33, .40),
                                "61": (48.58, .03, .30), "76": (49.66, 1.03, .30)}, 8),
]
COLOURS = ["#a3262a", "#1d4e89", "#0b5d6b", "#6b3fa0", "#2f6b2f", "#8a4b08", "#1f5f8b", "#9c2f5d", "#3c6e71", "#5b4e2f"]

FIRST_NAMES = [
    "Camille", "Claire", "Lucie", "Sophie", "Anne", "Marie", "Inès", "Julie", "Léa", "Chloé", "Emma", "Manon",
    "Sarah", "Laura", "Pauline", "Élise", "Nadia", "Fatima", "Aïcha", "Gwenaëlle", "Maëlle", "Solène", "Agathe",
    "Yann", "Mehdi", "Thomas", "Julien", "Erwan", "Nicolas", "Pierre", "Antoine", "Hugo", "Lucas", "Louis",
    "Karim", "Rachid", "Maxime", "Baptiste", "Romain", "Théo", "Gaël", "Loïc", "Benoît", "François", "Jérôme",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Le Gall", "Kerjean",
    "Le Goff", "Rouxel", "Benali", "Nguyen", "Fabre", "Chevalier", "Fontaine", "Roussel", "Giraud", "Perrin",
    "Morin", "Clément", "Gauthier", "Blanc", "Guérin", "Muller", "Henry", "Rousseau", "Faure", "Dumas",
]
MORE_THEMES = [
    "paléontologie", "spatial", "fabrication numérique", "électronique", "médiation", "expériences", "recherche",
    "conférences", "débats", "lecture", "patrimoine", "nature", "tourisme scientifique", "politique culturelle",
    "montagne", "aéronautique", "industrie", "évolution", "expositions", "quartiers", "histoire des sciences",
    "réparation", "économie sociale", "mer", "physique", "botanique", "archéologie", "volcans", "glaciers",
    "algorithmes", "cartographie", "météorologie", "agriculture", "alimentation", "génétique", "neurosciences",
    "informatique", "photographie", "cinéma scientifique", "jeux",
    "océan", "forêt", "sols", "déchets", "mobilité", "vélo", "transition écologique", "zététique",
    "esprit critique",
]
# Tags that are not themes of a title.
PAGE_TITLES = ("À propos", "Déclaration d'accessibilité", "Mentions légales")
OTHER_TAGS = ["familles", "éducation", "égalité filles-garçons", "handicap", "inclusion", "seniors", "bénévolat",
              "emploi", "partenariat", "exposition", "réseau CSTI"]
QUALIFIERS = ["pour tous", "en famille", "au collège", "au lycée", "en ville", "à la campagne", "et société",
              "participative", "et numérique", "au quotidien", "et patrimoine", "et territoires"]
ACTOR_KINDS = [("association", 26), ("fablab", 10), ("museum", 8), ("research", 8), ("university", 4),
               ("library", 10), ("company", 6), ("tourism", 4), ("third_place", 7), ("after_school", 6),
               ("school", 6), ("local_authority", 4), ("other", 1)]
ACTOR_NAMES = {
    "association": ["Association Sciences en {c}", "Club d'astronomie de {c}", "Les Curieux de {c}",
                    "Sciences pour tous – {c}", "Club de sciences de {c}", "{T} en {c}"],
    "fablab": ["Fablab de {c}", "Makerspace de {c}", "Atelier numérique de {c}", "LabFab {c}"],
    "museum": ["Muséum de {c}", "Musée des sciences de {c}", "Centre de culture scientifique de {c}",
               "Planétarium de {c}", "Écomusée de {c}", "Maison de la {t} de {c}"],
    "research": ["Laboratoire de {t} de {c}", "Institut de recherche sur la {t} – {c}", "Station de recherche de {c}"],
    "university": ["Université de {c} – culture scientifique", "École d'ingénieurs de {c} – médiation"],
    "library": ["Médiathèque de {c} – espace sciences", "Bibliothèque de {c}", "Médiathèque {n} de {c}"],
    "company": ["Entreprise {T} de {c}", "Ateliers industriels de {c}", "Visites d'entreprise à {c}"],
    "tourism": ["Office de tourisme de {c} – visites techniques", "Sentiers de {t} de {c}"],
    "third_place": ["Tiers-lieu de {c}", "La Fabrique de {c}", "Repair café de {c}"],
    "after_school": ["Centre de loisirs de {c}", "MJC de {c} – club {t}", "Mercredis scientifiques de {c}"],
    "school": ["Collège de {c} – club {t}", "Lycée de {c} – atelier {t}", "École de {c} – classe sciences"],
    "local_authority": ["Ville de {c} – mission culture scientifique", "Communauté de communes de {c}"],
    "other": ["Collectif {t} de {c}"],
}
ARTICLE_TITLES = {
    "news": [t for t, _s in NEWS] + ["Actualité : {t} à {c}", "Le réseau de {c} se mobilise pour la {t}"],
    "report": [t for t, _s in REPORTS] + ["Reportage : {t} à {c}", "Reportage : une journée {t} à {c}"],
    "feedback": [t for t, _s in FEEDBACK] + ["Retour d'expérience : {t} à {c}"],
    "format": [f"Fiche format : {name}" for name, *_rest in FORMATS] + ["Fiche format : atelier {t}"],
}
ANNOUNCEMENT_TITLES = {kind: [t for k, t, _s, _d in ANNOUNCEMENTS if k == kind] for kind, *_ in ANNOUNCEMENTS}
PARAGRAPHS = [
    "Ouvert à toutes et tous, sans inscription préalable. Venez avec vos questions, nos médiatrices et "
    "médiateurs vous accueillent tout au long de la journée.",
    "Ce projet associe des chercheuses et des chercheurs, des associations de culture scientifique et les "
    "habitants du territoire, pour rendre la science accessible près de chez soi.",
    "## Déroulé\n\n- Accueil et présentation\n- Manipulations en petits groupes\n- Temps d'échange avec les "
    "intervenants\n- Bilan partagé",
    "Les ateliers s'adressent aux familles, aux scolaires et aux curieux de tous âges. Le matériel est fourni ; "
    "les groupes sont limités à quinze personnes pour laisser chacun manipuler.",
    "Nous remercions nos partenaires : la médiathèque, le laboratoire voisin et les bénévoles qui rendent ces "
    "rencontres possibles chaque année.",
    "**Accessibilité** : le lieu est accessible aux personnes à mobilité réduite ; une boucle magnétique est "
    "disponible sur demande à l'accueil.",
    "Pour aller plus loin, consultez les ressources pédagogiques du réseau et les fiches formats de médiation, "
    "libres de réutilisation.",
    "Les résultats des observations sont partagés avec les scientifiques et publiés en données ouvertes à la fin "
    "de la saison.",
]
AUDIENCES = ["general_public", "children", "teenagers", "families", "school_groups", "students", "professionals",
             "seniors"]
RESOURCE_KINDS = [("exhibition", 30), ("kit", 25), ("game", 12), ("video", 8), ("book", 12), ("equipment", 10),
                  ("other", 3)]
RESOURCE_AUDIENCES = ["nursery_school", "primary_school", "middle_school", "high_school", "higher_education",
                      "libraries", "tourism", "companies", "third_places", "after_school"]
LOAN_STATUSES = ["returned", "declined", "cancelled", "requested", "accepted"]
EVENT_KINDS = [("talk", 20), ("workshop", 25), ("exhibition", 10), ("visit", 10), ("show", 6), ("meeting", 5),
               ("online", 6), ("training", 6), ("forum", 2), ("festival", 2), ("other", 3)]
EXTRA_TITLES = {"training": [t for t, *_r in TRAININGS], "forum": ["Forum de la culture scientifique — {c}"],
                "festival": ["Festival des sciences de {c}", "Village des sciences de {c}"],
                "other": ["Rencontre : {t}", "Portes ouvertes : {t}"]}


_ELISIONS = [(re.compile(r"\bde Le "), "du "), (re.compile(r"\bde Les "), "des "), (re.compile(r"\bà Le "), "au "),
             (re.compile(r"\bà Les "), "aux "), (re.compile(r"\bde (?=[AEIOUYÉÈÊÎÔÂ])"), "d'")]


def elide(text: str) -> str:
    """French elisions a commune's name calls for: "de Le Havre" → "du Havre", "de Albi" → "d'Albi"."""
    for pattern, replacement in _ELISIONS:
        text = pattern.sub(replacement, text)
    return text


class Rows:
    """Row buffers written in batches, parents before children (the tables' dependency order),
    one transaction per batch."""

    def __init__(self, engine, metadata):
        self.engine = engine
        self.order = [t.name for t in metadata.sorted_tables]
        self.tables = metadata.tables
        self.buffers: dict[str, list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.pending = 0

    def add(self, table: str, row: dict) -> None:
        self.buffers.setdefault(table, []).append(row)
        self.pending += 1
        if self.pending >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with self.engine.begin() as conn:
            for name in self.order:
                rows = self.buffers.pop(name, None)
                if rows:
                    conn.execute(insert(self.tables[name]), rows)
                    self.counts[name] = self.counts.get(name, 0) + len(rows)
        self.pending = 0


class Generator:
    def __init__(self, engine, scale: Scale, seed: int = DEFAULT_SEED, today: date | None = None):
        from ..extensions import db
        from ..models import Content  # noqa: F401  (registers every mapper, hence every table)

        self.rng = random.Random(seed)
        self.scale = scale
        self.zone = ZoneInfo("Europe/Paris")
        self.today = today or datetime.now(self.zone).date()
        # Every timestamp is relative to the start of the day: the same seed on the same day
        # gives the same rows.
        self.now = datetime.combine(self.today, time.min, tzinfo=self.zone).astimezone(UTC)
        self.rows = Rows(engine, db.metadata)
        self.ids = {name: itertools.count(1) for name in ("user", "comment")}
        # Content ids interleaved across kinds, as on a site where everything is published over
        # the years (in blocks per kind, PostgreSQL's planner merge-joins through whole tables).
        total = sum(getattr(scale, kind) for kind in CONTENT_KINDS) + len(PAGE_TITLES)
        self.content_ids = list(range(1, total + 1))
        random.Random(seed + 1).shuffle(self.content_ids)
        self.bodies = [self._markdown(p) for p in self._body_texts()]
        self.comment_bodies = [self._markdown(c) for c in COMMENTS + [
            "Très intéressant, merci pour le partage.", "Est-ce que ce sera reconduit l'an prochain ?",
            "Nous serions partants pour un partenariat.", "Bravo pour l'organisation !"]]
        from werkzeug.security import generate_password_hash

        self.password_hash = generate_password_hash(BENCH_PASSWORD)
        self.published: dict[str, list[int]] = {}  # kind -> published content ids
        self.by_territory: dict[str, dict[int, list[int]]] = {}  # kind -> territory id -> published ids

    # --- helpers ---------------------------------------------------------------------------
    def _body_texts(self):
        rng = random.Random(7)
        return ["\n\n".join(rng.sample(PARAGRAPHS, rng.randint(2, 5))) for _ in range(60)]

    @staticmethod
    def _markdown(source):
        return source, render_markdown(source)

    def _when(self, days_back: int, days_forward: int = 0) -> datetime:
        """A UTC time between ``days_back`` days ago and ``days_forward`` days ahead."""
        return self.now + timedelta(seconds=self.rng.randint(-days_back * 86400, days_forward * 86400))

    def _theme(self):
        return self.rng.choice(self.themes)

    def _title(self, pattern: str, commune: str) -> str:
        theme = self._theme()
        title = pattern.format(t=theme, T=theme.capitalize(), Theme=theme.capitalize(), theme=theme, c=commune,
                               n=self.rng.choice(LAST_NAMES), year=self.today.year)
        return elide(title)

    def _place(self, territory, town=False):
        """A commune of the territory (the more populated, the likelier; ``town``: one of its
        largest) and a point near it."""
        if town:
            commune = self.rng.choice(territory["towns"])
        else:
            commune = self.rng.choices(territory["communes"], cum_weights=territory["weights"])[0]
        jitter = territory["departments"][commune["department"]][2] / 25
        return commune, (round(commune["lat"] + self.rng.uniform(-jitter, jitter), 6),
                         round(commune["lng"] + self.rng.uniform(-jitter, jitter), 6))

    def _status(self) -> str:
        roll = self.rng.random()
        return "published" if roll < 0.95 else "pending" if roll < 0.98 else "draft" if roll < 0.99 else "archived"

    def _content(self, kind, title, territory, author, status, published_at, summary="", body=None):
        cid = self.content_ids.pop()
        title = " ".join(title.split())
        body, body_html = body or self.rng.choice(self.bodies)
        created = published_at - timedelta(hours=self.rng.randint(1, 72))
        self.rows.add("content", {
            "id": cid, "kind": kind, "title": title, "slug": slugify(title) or "sans-titre",
            "sort_key": fold(title)[:200], "summary": summary[:500], "body": body, "body_html": body_html,
            "territory_id": territory["id"] if territory else None, "author_id": author, "status": status,
            "moderation_note": "",
            "cover_image": None, "featured_rank": None, "created_at": created,
            "updated_at": published_at + timedelta(days=self.rng.randint(0, 30)) if self.rng.random() < 0.3
            else published_at,
            "published_at": published_at if status in ("published", "archived") else None,
        })
        if status == "published" and territory:
            self.published.setdefault(kind, []).append(cid)
            self.by_territory.setdefault(kind, {}).setdefault(territory["id"], []).append(cid)
        # Tags: one to three, the popular ones more often (a tag page then has many items).
        for tag in set(self.rng.choices(self.tag_ids, cum_weights=self.tag_weights, k=self.rng.randint(1, 3))):
            self.rows.add("content_tag", {"content_id": cid, "tag_id": tag})
        return cid

    def _audiences(self, cid, k):
        for code in self.rng.sample(AUDIENCES, k):
            self.rows.add("content_audience", {"content_id": cid, "code": code})

    def _owners(self, cid, territory, k):
        local = self.by_territory.get("actor", {}).get(territory["id"]) or self.published.get("actor", [])
        for actor in set(self.rng.sample(local, min(k, len(local)))):
            self.rows.add("content_owner", {"content_id": cid, "actor_id": actor})

    def _member(self, territory=None) -> int:
        if territory is not None and self.rng.random() < 0.8:
            return self.rng.choice(self.members_of[territory["id"]])
        return self.rng.randint(1, self.user_count)

    def _to_utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    # --- the dataset -------------------------------------------------------------------------
    def run(self, log=print) -> dict[str, int]:
        steps = [("territories and communes", self.territories), ("members", self.members), ("tags", self.tags),
                 ("structures", self.structures), ("events", self.events), ("articles", self.articles),
                 ("announcements", self.announcements), ("projects", self.projects),
                 ("resources and loans", self.resources), ("dossiers", self.dossiers),
                 ("pages and featured items", self.pages), ("follows", self.follows),
                 ("comments and notifications", self.comments), ("reactions", self.reactions),
                 ("registrations", self.registrations)]
        for label, step in steps:
            started = timer.monotonic()
            step()
            self.rows.flush()
            log(f"  {label}: {timer.monotonic() - started:.1f} s")
        return dict(self.rows.counts)

    def territories(self):
        wanted = {dep: (slug, centre) for slug, _n, deps, _z in TERRITORIES for dep, centre in deps.items()}
        communes = {slug: [] for slug, *_ in TERRITORIES}
        with COMMUNES_CSV.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["department"] not in wanted:
                    continue
                slug, (lat, lng, spread) = wanted[row["department"]]
                digest = hashlib.sha1(row["insee"].encode()).digest()
                dlat = (digest[0] / 255 * 2 - 1) * spread
                dlng = (digest[1] / 255 * 2 - 1) * spread * 1.4
                communes[slug].append({"insee": row["insee"], "name": row["name"], "department": row["department"],
                                       "postcode": row["postcodes"].split()[0], "lat": round(lat + dlat, 5),
                                       "lng": round(lng + dlng, 5), "weight": int(row["population"] or 0) ** 0.6})
        self.territory_rows = []
        for index, (slug, name, departments, zoom) in enumerate(TERRITORIES[:self.scale.territories], start=1):
            lat = sum(c[0] for c in departments.values()) / len(departments)
            lng = sum(c[1] for c in departments.values()) / len(departments)
            self.rows.add("territory", {
                "id": index, "slug": slug, "name": name, "center_lat": round(lat, 3), "center_lng": round(lng, 3),
                "zoom": zoom, "color_primary": COLOURS[index - 1], "color_secondary": "#f2a900",
                "publish_policy": "everyone" if index % 3 == 0 else "contributors", "trusted_after": 5, "logo": None, "created_at": self.now - timedelta(days=900),
                "description": f"Le réseau de la culture scientifique, technique et industrielle en **{name}** : "
                               "structures, événements, projets et ressources partagées.",
            })
            rows = sorted(communes[slug], key=lambda c: c["insee"])
            self.territory_rows.append({"id": index, "slug": slug, "name": name, "departments": departments,
                                        "communes": rows, "towns": sorted(
                                            rows, key=lambda c: (-c["weight"], c["insee"]))[:max(10, len(rows) // 50)],
                                        "weights": list(itertools.accumulate(c["weight"] + 1 for c in rows))})

    def members(self):
        count = self.scale.members
        self.user_count = count
        self.members_of = {t["id"]: [] for t in self.territory_rows}
        territories = self.territory_rows
        for uid in range(1, count + 1):
            if uid == 1:
                name, email, admin = "Administration Bench", MARKER_EMAIL, True
            else:
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                name, admin = f"{first} {last}", False
                email = f"{slugify(first)}.{slugify(last)}.{uid}@bench.csti.example"
            created = self._when(1000)
            self.rows.add("user", {
                "id": uid, "email": email, "password_hash": self.password_hash, "name": name, "bio": "",
                "website": "", "avatar": None, "locale": "fr", "is_admin": admin, "email_confirmed_at": created,
                "session_version": 1, "created_at": created,
                "last_login_at": self._when(90) if self.rng.random() < 0.6 else None,
            })
            home = territories[(uid - 1) % len(territories)] if uid > 1 else None
            chosen = [home] if home else []
            if home and self.rng.random() < 0.2:
                chosen.append(self.rng.choice(territories))
            for territory in {t["id"]: t for t in chosen}.values():
                role = "member"
                if uid <= len(territories) + 1 and territory is home:
                    role = "animator"
                elif self.rng.random() < 0.06:
                    role = "contributor"
                self.rows.add("membership", {"user_id": uid, "territory_id": territory["id"], "role": role,
                                             "created_at": created})
                self.members_of[territory["id"]].append(uid)

    def tags(self):
        themes = list(dict.fromkeys(THEMES + MORE_THEMES))
        names = themes + OTHER_TAGS
        for theme, qualifier in itertools.product(themes, QUALIFIERS):
            names.append(f"{theme} {qualifier}")
        names = list({slugify(n, 50): n for n in reversed(names)}.values())[::-1][:self.scale.tags]
        self.themes = [n for n in names if n in themes]
        self.tag_ids = list(range(1, len(names) + 1))
        # Zipf-like popularity: the first themes are on many items, the long tail on few.
        self.tag_weights = list(itertools.accumulate(1 / rank for rank in self.tag_ids))
        for tid, name in zip(self.tag_ids, names, strict=True):
            self.rows.add("tag", {"id": tid, "slug": slugify(name, 50), "name": name})

    def structures(self):
        kinds, weights = zip(*ACTOR_KINDS, strict=True)
        cum = list(itertools.accumulate(weights))
        for i in range(self.scale.structures):
            territory = self.territory_rows[i % len(self.territory_rows)]
            kind = self.rng.choices(kinds, cum_weights=cum)[0]
            commune, (lat, lng) = self._place(territory, town=kind in ("museum", "research", "university"))
            title = self._title(self.rng.choice(ACTOR_NAMES[kind]), commune["name"])
            status = self._status()
            cid = self._content("actor", title, territory, self._member(territory), status, self._when(1000),
                                summary=f"{title} : ateliers, rencontres et médiation scientifique à "
                                        f"{commune['name']}.")
            slug = slugify(title)[:30]
            self.rows.add("actor", {
                "id": cid, "actor_kind": kind, "address": f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS)}",
                "postcode": commune["postcode"], "commune": commune["name"], "insee": commune["insee"],
                "department": commune["department"], "latitude": lat, "longitude": lng,
                "website": f"https://{slug}.example.org/", "email": f"contact@{slug}.example.org",
                "phone": f"0{self.rng.randint(1, 5)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} "
                         f"{self.rng.randint(10, 99)} {self.rng.randint(10, 99)}",
                "social": {}, "logo": None, "siret": "", "rna": "", "source_ref": "",
            })
            self._audiences(cid, self.rng.randint(1, 3))
            if self.rng.random() < 0.3:
                self.rows.add("actor_member", {"user_id": self._member(territory), "actor_id": cid,
                                               "role": "manager", "created_at": self._when(500)})

    def events(self):
        kinds, weights = zip(*EVENT_KINDS, strict=True)
        cum = list(itertools.accumulate(weights))
        self.site_events = []
        for i in range(self.scale.events):
            territory = self.territory_rows[i % len(self.territory_rows)]
            kind = self.rng.choices(kinds, cum_weights=cum)[0]
            venue_id = None
            local_venues = self.by_territory.get("actor", {}).get(territory["id"], [])
            commune, (lat, lng) = self._place(territory)
            if local_venues and self.rng.random() < 0.6 and kind != "online":
                venue_id = self.rng.choice(local_venues)
            pattern = self.rng.choice(EXTRA_TITLES.get(kind) or TITLES[kind])
            title = self._title(pattern, commune["name"])
            # Two years back, one year ahead: about a third of the agenda is upcoming.
            day = self.today + timedelta(days=self.rng.randint(-730, 365))
            start = datetime.combine(day, time(self.rng.choice([9, 10, 14, 15, 18, 20]), self.rng.choice([0, 30])))
            hours = {"exhibition": 24 * self.rng.randint(10, 60), "meeting": 2, "online": 1, "training": 7,
                     "forum": 8, "festival": 10}.get(kind, self.rng.choice([1, 2, 3]))
            starts = [start]
            roll = self.rng.random()
            recurrence, until = "none", None
            if roll < 0.04 and kind in ("workshop", "talk", "other"):
                recurrence = "weekly"
                starts = [start + timedelta(weeks=w) for w in range(self.rng.randint(6, 20))]
                until = starts[-1]
            elif roll < 0.07:
                starts += [start + timedelta(days=d) for d in sorted(self.rng.sample(range(1, 30), 3))]
            status = self._status()
            published = self._to_utc(start) - timedelta(days=self.rng.randint(5, 90))
            if published > self.now:  # announced more than 90 days ahead: published lately
                published = self._when(60)
            cid = self._content("event", title, territory, self._member(territory), status, published,
                                summary=f"{title} — {commune['name']}.")
            registration = self.rng.choices(["none", "site", "external"], cum_weights=[65, 85, 100])[0]
            free = self.rng.random() < 0.7
            row = {
                "id": cid, "event_kind": kind, "starts_at": self._to_utc(starts[0]),
                "ends_at": self._to_utc(starts[0] + timedelta(hours=hours)), "all_day": False,
                "recurrence": recurrence, "recurrence_until": self._to_utc(until) if until else None,
                "extra_dates": [s.isoformat(timespec="minutes") for s in starts[1:]] if recurrence == "none" else [],
                "exceptions": [], "attendance_mode": "online" if kind == "online" else "in_person",
                "venue_id": venue_id, "venue_name": "" if venue_id else f"Salle {self.rng.choice(LAST_NAMES)}",
                "address": "" if venue_id else f"{self.rng.randint(1, 80)} {self.rng.choice(STREETS)}",
                "postcode": commune["postcode"], "commune": commune["name"], "insee": commune["insee"],
                "department": commune["department"], "latitude": None if venue_id else lat,
                "longitude": None if venue_id else lng,
                "online_url": "https://visio.example.org/csti" if kind == "online" else "",
                "schedule_status": self.rng.choices(["scheduled", "postponed", "cancelled", "full"],
                                                    cum_weights=[92, 95, 98, 100])[0],
                "is_free": free, "price_text": "" if free else self.rng.choice(["5 € / 3 € tarif réduit", "8 €",
                                                                                "Prix libre"]),
                "age_min": None, "age_max": None, "accessibility": self.rng.sample(
                    ["motor", "hearing", "visual", "psychic", "intellectual"], self.rng.randint(0, 2)),
                "accessibility_text": "", "registration_mode": registration,
                "registration_url": "https://billetterie.example.org/" if registration == "external" else "",
                "capacity": self.rng.choice([12, 20, 30, 50, 100]) if registration == "site" else None,
                "registration_deadline": None, "waiting_list": True, "registration_closed": False,
                "objectives": "", "prerequisites": "", "trainer": "", "duration_text": "", "certificate": False,
            }
            if kind == "training":
                _t, objectives, prerequisites, trainer, duration = self.rng.choice(TRAININGS)
                row.update(objectives=objectives, prerequisites=prerequisites, trainer=trainer,
                           duration_text=duration, certificate=self.rng.random() < 0.5)
            self.rows.add("event", row)
            for local in starts:
                self.rows.add("event_occurrence", {"event_id": cid, "starts_at": self._to_utc(local),
                                                   "ends_at": self._to_utc(local + timedelta(hours=hours)),
                                                   "territory_id": territory["id"] if territory else None,
                                                   # deterministic, and the generator's draws unchanged
                                                   "uid": str(UUID(bytes=hashlib.md5(f"{cid} {local}".encode()).digest(),
                                                                   version=4))})
            self._audiences(cid, self.rng.randint(1, 3))
            if venue_id is not None:
                self.rows.add("content_owner", {"content_id": cid, "actor_id": venue_id})
            elif self.rng.random() < 0.7:
                self._owners(cid, territory, 1)
            if registration == "site" and status == "published":
                self.site_events.append((cid, row["capacity"]))

    def articles(self):
        kinds = ["news", "report", "feedback", "format"]
        for i in range(self.scale.articles):
            territory = self.territory_rows[i % len(self.territory_rows)]
            kind = self.rng.choices(kinds, cum_weights=[50, 70, 85, 100])[0]
            commune, _point = self._place(territory)
            title = self._title(self.rng.choice(ARTICLE_TITLES[kind]), commune["name"])
            cid = self._content("article", title, territory, self._member(territory), self._status(),
                                self._when(1000), summary=f"{title}. Ce qu'il faut en retenir.")
            row = {"id": cid, "article_kind": kind, "format_name": "", "format_audience": "", "duration_text": "",
                   "material": "", "steps": "", "steps_html": "", "what_worked": "", "what_worked_html": ""}
            if kind == "format":
                name, audience, duration, material = self.rng.choice(FORMATS)
                row.update(format_name=name, format_audience=audience, duration_text=duration, material=material,
                           steps=STEPS, steps_html=self.steps_html,
                           what_worked="Les participants ont apprécié de pouvoir changer d'avis.",
                           what_worked_html=self.worked_html)
            self.rows.add("article", row)
            if self.rng.random() < 0.5:
                self._owners(cid, territory, 1)

    @cached_property
    def steps_html(self):
        return render_markdown(STEPS)

    @cached_property
    def worked_html(self):
        return render_markdown("Les participants ont apprécié de pouvoir changer d'avis.")

    def announcements(self):
        kinds = list(ANNOUNCEMENT_TITLES)
        for i in range(self.scale.announcements):
            territory = self.territory_rows[i % len(self.territory_rows)]
            kind = self.rng.choice(kinds)
            commune, _point = self._place(territory)
            title = self._title(self.rng.choice(ANNOUNCEMENT_TITLES[kind]), commune["name"])
            published = self._when(400)
            cid = self._content("announcement", title, territory, self._member(territory), self._status(),
                                published, summary=f"{title} — réponse attendue avant la date limite.")
            deadline = None
            if self.rng.random() < 0.8:
                deadline = published.date() + timedelta(days=self.rng.randint(10, 120))
            self.rows.add("announcement", {"id": cid, "announcement_kind": kind, "deadline": deadline,
                                           "link": "", "contact_email": "contact@bench.csti.example"})
            if self.rng.random() < 0.7:
                self._owners(cid, territory, 1)

    def projects(self):
        stages = ["idea", "in_progress", "finished"]
        for i in range(self.scale.projects):
            territory = self.territory_rows[i % len(self.territory_rows)]
            base, _stage, summary, needs = self.rng.choice(PROJECTS)
            commune, _point = self._place(territory)
            author = self._member(territory)
            cid = self._content("project", elide(f"{base} à {commune['name']}"), territory, author, self._status(),
                                self._when(700), summary=summary)
            stage = self.rng.choices(stages, cum_weights=[30, 80, 100])[0]
            self.rows.add("project", {"id": cid, "stage": stage, "website": ""})
            team = {self._member(territory) for _ in range(self.rng.randint(1, 3))} - {author}
            for uid in sorted(team):
                self.rows.add("project_member", {"project_id": cid, "user_id": uid, "created_at": self._when(300)})
            for kind, description, met in needs:
                self.rows.add("project_need", {"project_id": cid, "kind": kind, "description": description,
                                               "is_met": met or self.rng.random() < 0.2,
                                               "created_at": self._when(300)})
            if stage != "idea":
                for days in sorted(self.rng.sample(range(1, 300), self.rng.randint(1, 3)), reverse=True):
                    body, html = self.rng.choice(self.comment_bodies)
                    self.rows.add("project_update", {"project_id": cid, "author_id": author, "body": body,
                                                     "body_html": html,
                                                     "created_at": self.now - timedelta(days=days)})
            if self.rng.random() < 0.6:
                self._owners(cid, territory, 1)

    def resources(self):
        """Resources owned by structures, each with audiences among the school levels and partners,
        then their loans: per lendable resource, one after the other on its own timeline over
        ±1 year, so accepted (and returned) loans never overlap for one resource."""
        kinds, weights = zip(*RESOURCE_KINDS, strict=True)
        cum = list(itertools.accumulate(weights))
        by_kind = {}
        for _owner, kind, title, summary, *_rest in DEMO_RESOURCES:
            by_kind.setdefault(kind, []).append((title, summary))
        by_kind["other"] = [("Ressource partagée du réseau", "Une ressource du réseau à découvrir.")]
        self.resources_for: dict[str, list[int]] = {}
        lendable_ids = []  # (resource id, kind, territory, author)
        for i in range(self.scale.resources):
            territory = self.territory_rows[i % len(self.territory_rows)]
            kind = self.rng.choices(kinds, cum_weights=cum)[0]
            base, summary = self.rng.choice(by_kind[kind])
            commune, _point = self._place(territory)
            title = elide(f"{base} – {commune['name']}")
            author = self._member(territory)
            status = self._status()
            cid = self._content("resource", title, territory, author, status, self._when(900), summary=summary)
            lendable = kind != "video" and self.rng.random() < 0.9
            free = self.rng.random() < 0.4
            panels = self.rng.randint(6, 20) if kind == "exhibition" else None
            self.rows.add("resource", {
                "id": cid, "resource_kind": kind, "lendable": lendable, "is_free": free,
                "price": "" if free else self.rng.choice(["50 € la semaine", "150 € la semaine", "300 € le mois"]),
                "deposit": self.rng.choice(["", "200 €", "500 €", "1 000 €"]),
                "insurance": "Assurance responsabilité civile de l'emprunteur." if lendable else "",
                "conditions": "", "dimensions": f"{panels} panneaux de 80 × 200 cm" if panels else "",
                "weight_kg": self.rng.randint(2, 300) if lendable else None, "panels": panels,
                "transport": "", "setup_minutes": self.rng.choice([15, 30, 60, 120]) if lendable else None,
                "video_url": "",
            })
            for code in self.rng.sample(AUDIENCES, self.rng.randint(0, 2)) + self.rng.sample(
                    RESOURCE_AUDIENCES, self.rng.randint(1, 3)):
                self.rows.add("content_audience", {"content_id": cid, "code": code})
                if status == "published":
                    self.resources_for.setdefault(code, []).append(cid)
            self._owners(cid, territory, 1)
            if lendable and status == "published":
                lendable_ids.append((cid, kind, territory, author))
        self.bookings(lendable_ids)

    def bookings(self, resources):
        if not resources:
            return
        left = self.scale.bookings
        start, end = self.today - timedelta(days=365), self.today + timedelta(days=365)
        # The mean step between two loans of one resource so that the count fits in two years.
        per_resource = max(1.0, left / len(resources))
        step = max(4, int(730 / per_resource))
        cursors = {cid: start + timedelta(days=self.rng.randint(0, step)) for cid, *_r in resources}
        next_id = itertools.count(1)
        while left > 0:
            added = 0
            for cid, kind, territory, owner in resources:
                if left <= 0:
                    break
                shortest, longest = LENGTHS.get(kind, LENGTHS["other"])
                length = min(self.rng.randint(shortest, longest), max(1, step - 1))
                # A gap of (step - length) on average, a little less: the timelines reach about a
                # year ahead when the count is met.
                starts = cursors[cid] + timedelta(days=self.rng.randint(0, max(0, int(1.8 * (step - length)))))
                if starts > end:
                    continue
                ends = starts + timedelta(days=length - 1)
                cursors[cid] = ends + timedelta(days=1)
                if ends < self.today:
                    status = self.rng.choices(LOAN_STATUSES, cum_weights=[70, 82, 92, 94, 100])[0]
                elif starts <= self.today:
                    status = self.rng.choices(LOAN_STATUSES, cum_weights=[0, 5, 10, 15, 100])[0]
                else:
                    status = self.rng.choices(LOAN_STATUSES, cum_weights=[0, 10, 20, 60, 100])[0]
                asked = datetime.combine(starts - timedelta(days=self.rng.randint(7, 60)), time(9), tzinfo=UTC)
                asked = min(asked, self.now)
                answered = status in ("accepted", "returned", "declined")
                borrowers = self.by_territory.get("actor", {}).get(territory["id"]) or self.published["actor"]
                self.rows.add("booking", {
                    "id": next(next_id), "resource_id": cid, "borrower_id": self.rng.choice(borrowers),
                    "requested_by_id": self._member(territory), "starts_on": starts, "ends_on": ends,
                    "status": status, "message": "Pour une semaine d'animations avec les écoles.",
                    "answer": "Entendu." if answered else "", "answered_by_id": owner if answered else None,
                    "answered_at": min(asked + timedelta(days=2), self.now) if answered else None,
                    "created_at": asked, "updated_at": min(asked + timedelta(days=2), self.now) if answered else asked})
                left -= 1
                added += 1
            if not added:  # every timeline is full: the rest would overlap
                break

    def dossiers(self):
        pool = [cid for kind in ("actor", "event", "article", "project", "announcement")
                for cid in self.published.get(kind, [])]
        flagged = 0
        for i in range(self.scale.dossiers):
            territory = self.territory_rows[i % len(self.territory_rows)]
            private = self.rng.random() < 0.2
            title = self._title(self.rng.choice(["Sélection : {t}", "Ressources {t} pour la classe",
                                                 "Idées de sorties : {t}", "{T} près de {c}"]),
                                self._place(territory)[0]["name"])
            author = self._member(territory)
            cid = self._content("dossier", title, territory, author, "draft" if private else self._status(),
                                self._when(500), summary="Une sélection de structures, d'événements et d'articles.")
            self.rows.add("dossier", {"id": cid, "is_private": private})
            items = self.rng.sample(pool, self.rng.randint(5, 15))
            # One public dossier in a hundred is presented on a partner's page (libraries, tourism),
            # gathering resources made for that partner.
            if not private and flagged * 100 <= i:  # the first public one of each hundred
                partner = ("libraries", "tourism")[flagged % 2]
                flagged += 1
                made_for = self.resources_for.get(partner, [])
                items = self.rng.sample(made_for, min(len(made_for), self.rng.randint(5, 15))) + items[:3]
                self.rows.add("dossier_partner", {"dossier_id": cid, "code": partner, "flagged_by_id": 2,
                                                  "created_at": self._when(100)})
            for position, item in enumerate(dict.fromkeys(items)):
                self.rows.add("dossier_item", {"dossier_id": cid, "content_id": item, "position": position,
                                               "note": "", "added_by_id": author, "created_at": self._when(300)})

    def pages(self):
        for title in PAGE_TITLES:
            cid = self._content("page", title, None, 1, "published", self.now - timedelta(days=900))
            self.rows.add("page", {"id": cid, "in_footer": True})
        self.rows.flush()
        # "À la une": two articles and two upcoming events per territory.
        featured = []
        for territory in self.territory_rows:
            for kind in ("article", "event"):
                featured += [(cid, rank) for rank, cid in
                             enumerate(self.by_territory.get(kind, {}).get(territory["id"], [])[-2:], start=1)]
        with self.rows.engine.begin() as conn:
            for cid, rank in featured:
                conn.execute(text("UPDATE content SET featured_rank = :rank WHERE id = :id"), {"rank": rank, "id": cid})

    def follows(self):
        followable = [cid for kind in ("actor", "project", "dossier", "event") for cid in self.published.get(kind, [])]
        per_user = self.scale.follows / self.user_count
        left = self.scale.follows
        seen_by = {}
        # Some members follow many things, most a few; rounds over the members until the count is reached.
        for uid in itertools.cycle(range(1, self.user_count + 1)):
            if left <= 0:
                break
            k = min(left, max(0, round(self.rng.expovariate(1 / per_user))))
            seen = seen_by.setdefault(uid, set())
            for _ in range(k):
                roll = self.rng.random()
                if roll < 0.6:
                    key = ("content_id", self.rng.choice(followable))
                elif roll < 0.75:
                    key = ("followed_user_id", self.rng.randint(1, self.user_count))
                else:
                    key = ("tag_id", self.rng.choices(self.tag_ids, cum_weights=self.tag_weights)[0])
                if key in seen or key == ("followed_user_id", uid):
                    continue
                seen.add(key)
                row = {"follower_id": uid, "content_id": None, "followed_user_id": None, "tag_id": None,
                       "created_at": self._when(600)}
                row[key[0]] = key[1]
                self.rows.add("follow", row)
                left -= 1

    def comments(self):
        targets = [(kind, share) for kind, share in (("article", 40), ("event", 25), ("project", 20), ("actor", 10),
                                                     ("announcement", 5)) if self.published.get(kind)]
        kinds = [k for k, _s in targets]
        cum = list(itertools.accumulate(s for _k, s in targets))
        top_level = []
        authors = {}  # content id -> the member notified of its comments
        notifications = 0
        replies = self.scale.comments // 4
        for i in range(self.scale.comments):
            body, html = self.rng.choice(self.comment_bodies)
            created = self._when(700)
            cid = next(self.ids["comment"])
            if i >= self.scale.comments - replies and top_level:
                parent_id, content_id = self.rng.choice(top_level)
            else:
                kind = self.rng.choices(kinds, cum_weights=cum)[0]
                parent_id, content_id = None, self.rng.choice(self.published[kind])
                top_level.append((cid, content_id))
            author = self.rng.randint(1, self.user_count)
            self.rows.add("comment", {"id": cid, "content_id": content_id, "author_id": author,
                                      "parent_id": parent_id, "body": body, "body_html": html, "status": "visible",
                                      "edited": False, "created_at": created, "updated_at": created})
            if notifications < self.scale.notifications:
                recipient = authors.setdefault(content_id, self.rng.randint(1, self.user_count))
                if recipient != author:
                    notifications += 1
                    self.rows.add("notification", {
                        "user_id": recipient, "kind": "reply" if parent_id else "comment", "actor_id": author,
                        "content_id": content_id, "comment_id": cid,
                        "read_at": created + timedelta(days=1) if self.rng.random() < 0.7 else None,
                        "created_at": created})

    def reactions(self):
        pool = [cid for kind in ("article", "event", "project", "actor", "dossier")
                for cid in self.published.get(kind, [])]
        seen = set()
        while len(seen) < self.scale.reactions:
            pair = (self.rng.choice(pool), self.rng.randint(1, self.user_count))
            if pair in seen:
                continue
            seen.add(pair)
            self.rows.add("reaction", {"content_id": pair[0], "user_id": pair[1], "kind": "like",
                                       "created_at": self._when(600)})

    def registrations(self):
        if not self.site_events:
            return
        left = self.scale.registrations
        while left > 0:
            for event_id, capacity in self.site_events:
                if left <= 0:
                    break
                people = {self.rng.randint(1, self.user_count) for _ in range(min(left, self.rng.randint(0, capacity)))}
                for position, uid in enumerate(sorted(people), start=1):
                    created = self._when(200)
                    self.rows.add("registration", {
                        "event_id": event_id, "user_id": uid, "position": position,
                        "status": "confirmed" if position <= capacity * 0.9 else "waiting", "attended": None,
                        "created_at": created, "updated_at": created})
                left -= len(people)
            break  # one pass: events are many more than needed at both scales


# --- the database ---------------------------------------------------------------------------
def bench_engine(url: str):
    """An engine for the load only: on SQLite no fsync (``synchronous=OFF``) and a large cache;
    the app's own engine keeps its settings."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _fast(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN")
    return engine


def has_data(engine) -> bool:
    """True when the database holds users (a real site or an earlier bench dataset)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("user"):
            return False
        return conn.execute(text('SELECT 1 FROM "user" LIMIT 1')).first() is not None


def is_bench_database(engine) -> bool:
    """True when this module made the database (its administrator is the marker)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("user"):
            return False
        return conn.execute(text('SELECT 1 FROM "user" WHERE email = :e'), {"e": MARKER_EMAIL}).first() is not None


def empty_database(engine) -> None:
    """Drop every table (the whole schema on PostgreSQL, with its extensions' objects)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        return
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
    metadata.drop_all(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")


def finish(engine) -> None:
    """Sequences after explicit ids (PostgreSQL), the write-ahead log folded into the file
    (SQLite), and the planner's statistics, as ``make serve`` leaves them (``flask csti analyze``)."""
    from ..database import analyze

    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        analyze(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("content", "user", "comment", "territory", "tag", "booking"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT max(id) FROM \"{table}\"))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
