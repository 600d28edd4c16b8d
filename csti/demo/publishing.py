"""Demo publications: articles of each kind, including mediation format sheets, with comments."""
import random
from datetime import timedelta

from sqlalchemy import select

from ..blueprints.discussion.operations import add_comment
from ..extensions import db
from ..models.actors import Actor
from ..models.articles import Article
from ..models.base import utcnow

NEWS = [
    ("Le réseau accueille trois nouveaux fablabs", "Trois ateliers de fabrication rejoignent la communauté."),
    ("Appel à participation pour la Fête de la science", "Les inscriptions des porteurs de projets sont ouvertes."),
    ("Une exposition itinérante sur le climat", "Elle circule dans les médiathèques jusqu'au printemps."),
    ("Bilan de la Nuit des chercheurs", "Plus de 3 000 visiteurs et 120 chercheurs mobilisés."),
    ("Nouvelle malle pédagogique sur l'eau", "Prêtée gratuitement aux structures du réseau."),
]
REPORTS = [
    ("Reportage : une journée au planétarium", "Dans les coulisses des séances scolaires."),
    ("Reportage : les sciences participatives au jardin", "Inventaire des pollinisateurs avec les habitants."),
    ("Reportage : la robotique au collège", "Un club qui prépare la coupe de robotique."),
]
FEEDBACK = [
    ("Retour d'expérience : un escape game sur la chimie", "Ce qui a marché, ce qu'on changerait."),
    ("Retour d'expérience : médiation en EHPAD", "Des ateliers d'astronomie pour les seniors."),
    ("Retour d'expérience : le débat mouvant en classe", "Faire débattre des collégiens sur l'IA."),
]
FORMATS = [
    ("Débat mouvant", "Collégiens, lycéens, adultes", "45 minutes", "Une salle dégagée, des affirmations imprimées"),
    ("Escape game scientifique", "Familles, adolescents", "1 heure", "Cadenas, énigmes, une salle"),
    ("Café des sciences", "Grand public", "1 h 30", "Un bar, un micro, un chercheur"),
    ("Sciences participatives : inventaire", "Familles", "2 heures", "Fiches d'identification, loupes"),
    ("Théâtre-forum scientifique", "Lycéens", "1 heure", "Deux comédiens, un animateur"),
    ("Atelier de fabrication de capteurs", "Adolescents", "3 heures", "Cartes Arduino, capteurs, ordinateurs"),
    ("Vidéo de vulgarisation en 1 minute", "Étudiants", "2 demi-journées", "Un smartphone, un micro-cravate"),
    ("Speed-searching", "Grand public", "1 heure", "Des tables, un chronomètre, des chercheurs"),
    ("Balade sonore commentée", "Tous publics", "1 h 30", "Casques, un parcours enregistré"),
    ("Jeu de rôle sur la controverse", "Étudiants", "2 heures", "Cartes de rôles, dossier documentaire"),
]
STEPS = ("1. Présenter la règle du jeu\n2. Lire la première affirmation\n3. Laisser les participants se placer\n"
         "4. Donner la parole à chaque camp\n5. Conclure avec un chercheur")
COMMENTS = ["Merci pour ce partage !", "Nous avons testé, ça marche très bien avec des 4e.",
            "Est-ce que la fiche est disponible en PDF ?", "Super initiative, bravo à l'équipe.",
            "On aimerait accueillir l'exposition chez nous."]


def seed(territories, users, lines):
    seed_articles(territories, users, lines)
    seed_announcements(territories, users, lines)
    seed_projects(territories, users, lines)


PROJECTS = [
    ("Capteurs citoyens de qualité de l'air", "in_progress", "Des capteurs fabriqués et installés par les habitants.",
     [("skills", "Électronique et soudure", False), ("volunteers", "Dix foyers pour héberger un capteur", False)]),
    ("Exposition itinérante sur les océans", "idea", "Une exposition légère pour les médiathèques rurales.",
     [("partners", "Un laboratoire d'océanographie", False), ("funding", "8 000 € pour la fabrication", False)]),
    ("Club de robotique au collège", "in_progress", "Préparer la coupe de France de robotique.",
     [("skills", "Programmation Arduino", True), ("venue", "Une salle le mercredi", False)]),
    ("Inventaire participatif des papillons", "in_progress", "Compter les papillons des jardins pendant un an.",
     [("volunteers", "Observateurs et observatrices", False)]),
    ("Podcast « Les voix de la recherche »", "idea", "Des chercheuses et chercheurs racontent leur métier.",
     [("skills", "Montage son", False), ("partners", "Une radio associative", False)]),
    ("Escape game sur l'énergie", "finished", "Un jeu d'évasion itinérant, joué par 2 000 personnes.", []),
    ("Fablab mobile dans les villages", "in_progress", "Un camion équipé qui sillonne le territoire.",
     [("funding", "Financement du carburant", False), ("volunteers", "Animateurs le week-end", False)]),
    ("Nuit des étoiles au pic", "idea", "Une soirée d'observation avec les clubs d'astronomie.",
     [("venue", "Un site sans pollution lumineuse", True), ("partners", "Un club d'astronomie", False)]),
    ("Jardin de plantes médicinales", "in_progress", "Un jardin pédagogique avec les écoles.",
     [("skills", "Botanique", False)]),
    ("Maquette de la ville en 1900", "finished", "Une maquette imprimée en 3D avec les archives.", []),
    ("Théâtre-forum sur l'intelligence artificielle", "idea", "Faire débattre les lycéens sur l'IA.",
     [("partners", "Une compagnie de théâtre", False), ("funding", "Défraiement des comédiens", False)]),
    ("Sentier géologique commenté", "in_progress", "Des bornes sonores le long d'un sentier.",
     [("skills", "Géologie", True), ("funding", "Fabrication des bornes", False)]),
    ("Cartographie des fablabs de la région", "in_progress", "Recenser et relier les ateliers de fabrication.",
     [("volunteers", "Contributeurs et contributrices", False)]),
    ("Malle pédagogique sur l'eau", "finished", "Une malle prêtée aux écoles du département.", []),
    ("Festival du film scientifique", "idea", "Trois jours de projections et de débats.",
     [("venue", "Un cinéma partenaire", False), ("partners", "Des réalisateurs", False),
      ("funding", "Droits de diffusion", False)]),
    ("Observatoire participatif du littoral", "in_progress", "Photographier le trait de côte chaque mois.",
     [("volunteers", "Photographes amateurs", False)]),
    ("Atelier de réparation d'objets", "in_progress", "Un repair café avec des ingénieurs retraités.",
     [("skills", "Électroménager", False), ("venue", "Un local le samedi", True)]),
    ("Science et cuisine au centre social", "idea", "La chimie du quotidien en cuisinant.",
     [("partners", "Un centre social", False)]),
    ("Balade sonore dans l'usine", "finished", "Un parcours audio dans le patrimoine industriel.", []),
    ("Jeu de société sur la biodiversité", "in_progress", "Un jeu coopératif pour les familles.",
     [("funding", "Impression de 500 boîtes", False), ("skills", "Illustration", False)]),
]


def seed_projects(territories, users, lines):
    from ..models.projects import Project, ProjectMember, ProjectNeed, ProjectUpdate

    if db.session.scalar(select(Project.id).limit(1)) is not None:
        lines.append("projects already present: none added")
        return
    rng = random.Random(2024)
    slugs = list(territories)
    people = [u for u in users.values() if u is not None and not u.is_admin]
    now = utcnow()
    needs = 0
    for i, (title, stage, summary, project_needs) in enumerate(PROJECTS):
        territory = territories[slugs[i % len(slugs)]]
        author, partner = rng.sample(people, 2)
        project = Project(title=title, stage=stage, summary=summary, territory=territory, author=author,
                          body=f"{summary}\n\n## Pourquoi\n\nRendre la science accessible à toutes et tous, "
                               "près de chez soi.\n\n## Comment\n\n- Des ateliers\n- Des rencontres\n- Un bilan partagé")
        project.members.append(ProjectMember(user=partner))
        for kind, description, met in project_needs:
            project.needs.append(ProjectNeed(kind=kind, description=description, is_met=met))
            needs += 1
        structure = db.session.scalar(select(Actor).where(Actor.territory_id == territory.id).order_by(Actor.id)
                                      .offset(10 + i).limit(1))
        if structure is not None:
            project.owners = [structure]
        project.add_tag(rng.choice(["sciences participatives", "fabrication numérique", "médiation", "biodiversité"]))
        project.publish()
        project.published_at = now - timedelta(days=rng.randint(5, 200))
        db.session.add(project)
        db.session.flush()
        for days, text in ((60, "Le projet démarre : première réunion de l'équipe."),
                           (20, "Nous avons trouvé nos premiers partenaires. Merci !")):
            if stage != "idea":
                db.session.add(ProjectUpdate(project_id=project.id, author=author, body=text,
                                             created_at=now - timedelta(days=days + i)))
    lines.append(f"{len(PROJECTS)} projects ({needs} needs)")


ANNOUNCEMENTS = [
    ("call_projects", "Appel à projets : Fête de la science {year}", "Les porteurs de projets ont jusqu'à la date limite pour déposer leur dossier.", 40),
    ("call_partners", "Cherche laboratoire partenaire pour un atelier ADN", "Une médiathèque cherche des chercheurs pour trois ateliers.", 25),
    ("call_partners", "Fablab cherche structures pour une résidence", "Accueil d'artistes et de makers pendant deux semaines.", 60),
    ("job", "Poste : médiateur ou médiatrice scientifique (CDD 12 mois)", "Animation d'ateliers et d'expositions auprès des scolaires.", 20),
    ("job", "Stage : communication d'un festival des sciences", "Six mois, à partir du printemps.", 35),
    ("volunteering", "Bénévoles pour la Nuit des étoiles", "Accueil du public et installation des télescopes.", 15),
    ("volunteering", "Bénévoles pour un inventaire participatif des papillons", "Deux matinées d'observation.", 50),
    ("lending", "À prêter : exposition « L'eau dans tous ses états »", "Douze panneaux et trois manipulations, prêt gratuit.", None),
    ("lending", "Emprunt : cherche une malle robotique pour mars", "Pour un club de collégiens.", 30),
    ("other", "Enquête sur les pratiques de médiation numérique", "Quinze minutes pour répondre au questionnaire.", 45),
    # Expired: they have left the lists (shown under "Expired announcements").
    ("call_projects", "Appel à projets : sciences et société (clos)", "Les lauréats ont été annoncés.", -20),
    ("job", "Poste : chargé·e de projet culture scientifique (pourvu)", "Le recrutement est terminé.", -45),
    ("volunteering", "Bénévoles pour le village des sciences (terminé)", "Merci aux 80 bénévoles !", -5),
]


def seed_announcements(territories, users, lines):
    from ..models.announcements import Announcement, local_today

    if db.session.scalar(select(Announcement.id).limit(1)) is not None:
        lines.append("announcements already present: none added")
        return
    rng = random.Random(31)
    slugs = list(territories)
    writers = [u for u in users.values() if u is not None and not u.is_admin]
    today = local_today()
    now = utcnow()
    expired = 0
    for i, (kind, title, summary, days) in enumerate(ANNOUNCEMENTS):
        territory = territories[slugs[i % len(slugs)]]
        item = Announcement(title=title.format(year=today.year), summary=summary, announcement_kind=kind,
                            territory=territory, author=rng.choice(writers),
                            deadline=today + timedelta(days=days) if days is not None else None,
                            body=f"{summary}\n\n## Modalités\n\nÉcrivez-nous en précisant votre structure et vos "
                                 "disponibilités.", contact_email="contact@csti.example")
        structure = db.session.scalar(select(Actor).where(Actor.territory_id == territory.id).order_by(Actor.id)
                                      .offset(i).limit(1))
        if structure is not None:
            item.owners = [structure]
        item.add_tag(rng.choice(["médiation", "partenariat", "emploi", "bénévolat", "exposition"]))
        item.publish()
        item.published_at = now - timedelta(days=rng.randint(1, 60) + max(0, -(days or 0)))
        expired += days is not None and days < 0
        db.session.add(item)
    lines.append(f"{len(ANNOUNCEMENTS)} announcements ({expired} expired)")


def seed_articles(territories, users, lines):
    if db.session.scalar(select(Article.id).limit(1)) is not None:
        lines.append("articles already present: none added")
        return
    rng = random.Random(777)
    slugs = list(territories)
    writers = [u for u in users.values() if u is not None and not u.is_admin]
    now = utcnow()
    articles = []

    def new(kind, title, summary, index, **fields):
        slug = slugs[index % len(slugs)]
        author = rng.choice(writers)
        article = Article(title=title, summary=summary, article_kind=kind, territory=territories[slug], author=author,
                          body=f"{summary}\n\n## Le projet\n\nUn texte de démonstration décrivant l'action, "
                               "ses publics et ses partenaires.\n\n- Objectif : partager\n- Public : tous",
                          **fields)
        structure = db.session.scalar(select(Actor).where(Actor.territory_id == territories[slug].id).limit(1))
        if structure is not None:
            article.owners = [structure]
        article.add_tag(rng.choice(["médiation", "astronomie", "climat", "robotique", "biodiversité"]))
        article.publish()
        article.published_at = now - timedelta(days=rng.randint(1, 300))
        db.session.add(article)
        articles.append(article)

    for i, (title, summary) in enumerate(NEWS):
        new("news", title, summary, i)
    for i, (title, summary) in enumerate(REPORTS):
        new("report", title, summary, i)
    for i, (title, summary) in enumerate(FEEDBACK):
        new("feedback", title, summary, i)
    for i, (name, audience, duration, material) in enumerate(FORMATS):
        new("format", f"Fiche format : {name}", f"Le format « {name} » expliqué pas à pas.", i,
            format_name=name, format_audience=audience, duration_text=duration, material=material, steps=STEPS,
            what_worked="Les participants ont apprécié de pouvoir changer d'avis en cours de route.")
    db.session.flush()
    # "À la une": two articles and the forum of each territory.
    from ..models.events import Event

    for territory in territories.values():
        ranked = [a for a in articles if a.territory_id == territory.id][:2]
        forum = db.session.scalar(select(Event).where(Event.territory_id == territory.id, Event.event_kind == "forum"))
        for rank, item in enumerate(([forum] if forum else []) + ranked, start=1):
            item.featured_rank = rank
    comments = 0
    for article in articles[::2]:
        for text in rng.sample(COMMENTS, 2):
            commenter = rng.choice([u for u in writers if u.id != article.author_id])
            add_comment(article, commenter, text)
            comments += 1
    lines.append(f"{len(articles)} articles ({len(FORMATS)} mediation format sheets), {comments} comments")
