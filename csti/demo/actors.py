"""Demo structures: about sixty actors over the three demo territories, in real communes with
plausible coordinates (fictional structures)."""
import random

from sqlalchemy import select

from ..blueprints.actors.operations import add_member, set_location
from ..extensions import db
from ..models.actors import MANAGER, Actor

# commune key: (postcode, commune, lat, lng)
PLACES = {
    "toulouse": ("31000", "Toulouse", 43.6045, 1.4440), "montpellier": ("34000", "Montpellier", 43.6108, 3.8767),
    "albi": ("81000", "Albi", 43.9289, 2.1464), "perpignan": ("66000", "Perpignan", 42.6887, 2.8948),
    "nimes": ("30000", "Nîmes", 43.8367, 4.3601), "tarbes": ("65000", "Tarbes", 43.2328, 0.0781),
    "rodez": ("12000", "Rodez", 44.3506, 2.5750), "montauban": ("82000", "Montauban", 44.0176, 1.3550),
    "carcassonne": ("11000", "Carcassonne", 43.2130, 2.3491), "cahors": ("46000", "Cahors", 44.4475, 1.4419),
    "foix": ("09000", "Foix", 42.9653, 1.6070), "mende": ("48000", "Mende", 44.5181, 3.5006),
    "sete": ("34200", "Sète", 43.4028, 3.6930), "castres": ("81100", "Castres", 43.6060, 2.2400),
    "grenoble": ("38000", "Grenoble", 45.1885, 5.7245), "echirolles": ("38130", "Échirolles", 45.1436, 5.7185),
    "smh": ("38400", "Saint-Martin-d'Hères", 45.1672, 5.7653), "meylan": ("38240", "Meylan", 45.2096, 5.7786),
    "fontaine": ("38600", "Fontaine", 45.1928, 5.6856), "voiron": ("38500", "Voiron", 45.3644, 5.5897),
    "vizille": ("38220", "Vizille", 45.0777, 5.7706), "villard": ("38250", "Villard-de-Lans", 45.0714, 5.5531),
    "crolles": ("38920", "Crolles", 45.2847, 5.8819),
    "rennes": ("35000", "Rennes", 48.1173, -1.6778), "brest": ("29200", "Brest", 48.3904, -4.4861),
    "quimper": ("29000", "Quimper", 47.9960, -4.1024), "lorient": ("56100", "Lorient", 47.7483, -3.3700),
    "vannes": ("56000", "Vannes", 47.6582, -2.7608), "saint-brieuc": ("22000", "Saint-Brieuc", 48.5141, -2.7603),
    "lannion": ("22300", "Lannion", 48.7326, -3.4566), "saint-malo": ("35400", "Saint-Malo", 48.6493, -2.0257),
    "morlaix": ("29600", "Morlaix", 48.5777, -3.8272), "pleumeur": ("22560", "Pleumeur-Bodou", 48.7733, -3.5186),
}

# (territory, name, kind, place, audiences, tags, summary)
ACTORS = [
    ("occitanie", "Muséum d'histoire naturelle de la Garonne", "museum", "toulouse", ["general_public", "families", "school_groups"], ["biodiversité", "paléontologie"], "Collections naturalistes, expositions temporaires et ateliers pour les scolaires."),
    ("occitanie", "Maison de l'espace et des étoiles", "museum", "toulouse", ["general_public", "families", "children"], ["astronomie", "spatial"], "Planétarium, simulateurs et rencontres avec les ingénieurs du spatial."),
    ("occitanie", "FabLab des Carmes", "fablab", "toulouse", ["general_public", "teenagers", "students"], ["fabrication numérique", "électronique"], "Imprimantes 3D, découpe laser et soirées ouvertes chaque jeudi."),
    ("occitanie", "Sciences en Garonne", "association", "toulouse", ["children", "teenagers", "school_groups"], ["médiation", "expériences"], "Animations scientifiques dans les écoles et les centres de loisirs."),
    ("occitanie", "Laboratoire d'écologie des rivières", "research", "toulouse", ["professionals", "students"], ["biodiversité", "eau"], "Unité de recherche sur les écosystèmes aquatiques, ouverte aux projets de sciences participatives."),
    ("occitanie", "Université Paul-Sabatier – service culture scientifique", "university", "toulouse", ["students", "general_public"], ["recherche", "conférences"], "Conférences, cafés des sciences et Nuit des chercheurs."),
    ("occitanie", "Les Curieux de Montpellier", "association", "montpellier", ["general_public", "families"], ["médiation", "débats"], "Bars des sciences et balades naturalistes dans l'Hérault."),
    ("occitanie", "Atelier numérique du Lez", "fablab", "montpellier", ["teenagers", "general_public"], ["robotique", "fabrication numérique"], "Makerspace associatif : robotique, couture connectée, réparation."),
    ("occitanie", "Médiathèque Émile-Zola – espace sciences", "library", "montpellier", ["general_public", "children"], ["lecture", "numérique"], "Fonds documentaire scientifique, expositions et heure du conte scientifique."),
    ("occitanie", "Institut des sciences de l'évolution – médiation", "research", "montpellier", ["school_groups", "students"], ["évolution", "biodiversité"], "Chercheuses et chercheurs à la rencontre des classes."),
    ("occitanie", "Club d'astronomie de Rodez", "association", "rodez", ["general_public", "families"], ["astronomie"], "Observations du ciel et prêt de télescopes aux adhérents."),
    ("occitanie", "Maison de la géologie des Causses", "museum", "mende", ["general_public", "families"], ["géologie", "patrimoine"], "Roches, fossiles et paysages de Lozère."),
    ("occitanie", "Tiers-lieu La Fabrique albigeoise", "third_place", "albi", ["general_public", "professionals"], ["fabrication numérique", "économie sociale"], "Coworking, atelier partagé et repair café."),
    ("occitanie", "Observatoire de la Montagne Noire", "association", "castres", ["general_public", "school_groups"], ["astronomie"], "Nuits des étoiles et stages d'initiation."),
    ("occitanie", "Centre de loisirs Les Petits Chercheurs", "after_school", "montauban", ["children"], ["expériences", "nature"], "Mercredis scientifiques pour les 6-12 ans."),
    ("occitanie", "Musée de l'industrie textile", "museum", "castres", ["general_public", "seniors"], ["patrimoine industriel"], "Machines en fonctionnement et mémoire ouvrière."),
    ("occitanie", "Office de tourisme de Carcassonne – visites techniques", "tourism", "carcassonne", ["general_public", "families"], ["patrimoine", "tourisme scientifique"], "Visites d'entreprises et de sites industriels."),
    ("occitanie", "Station marine de Sète", "research", "sete", ["general_public", "school_groups"], ["mer", "biodiversité"], "Laboratoire et aquariums ouverts aux visites scolaires."),
    ("occitanie", "Lycée Arago – club sciences", "school", "perpignan", ["teenagers"], ["énergie", "robotique"], "Club de robotique et projets pour les Olympiades de physique."),
    ("occitanie", "Ville de Nîmes – mission culture scientifique", "local_authority", "nimes", ["general_public"], ["politique culturelle"], "Coordination de la Fête de la science dans le Gard."),
    ("occitanie", "Espace pyrénéen des sciences", "museum", "tarbes", ["general_public", "school_groups"], ["montagne", "climat"], "Expositions sur la montagne, le climat et l'eau."),
    ("occitanie", "Entreprise Aéro-Découverte", "company", "toulouse", ["professionals", "students"], ["aéronautique", "industrie"], "Visites d'ateliers d'assemblage et ateliers métiers."),
    ("grenoble-alpes", "Centre de culture scientifique de l'Isère", "museum", "grenoble", ["general_public", "families", "school_groups"], ["médiation", "expositions"], "Expositions, ateliers et débats sur les sciences et la société."),
    ("grenoble-alpes", "Fablab de la Casemate", "fablab", "grenoble", ["general_public", "teenagers"], ["fabrication numérique", "électronique"], "Atelier de fabrication numérique ouvert à tous."),
    ("grenoble-alpes", "Muséum des Alpes", "museum", "grenoble", ["general_public", "families"], ["biodiversité", "montagne"], "Faune et flore des Alpes, jardin des plantes."),
    ("grenoble-alpes", "Laboratoire de glaciologie – médiation", "research", "smh", ["general_public", "school_groups"], ["climat", "montagne"], "Carottes de glace et histoire du climat racontées aux classes."),
    ("grenoble-alpes", "Université Grenoble Alpes – culture scientifique", "university", "smh", ["students", "general_public"], ["recherche", "conférences"], "Conférences, expositions et festival des sciences."),
    ("grenoble-alpes", "Les Débrouillards des Alpes", "association", "echirolles", ["children", "teenagers"], ["expériences", "quartiers"], "Clubs de sciences en pied d'immeuble et stages de vacances."),
    ("grenoble-alpes", "Bibliothèque de Meylan – espace sciences", "library", "meylan", ["general_public", "children"], ["lecture", "numérique"], "Ateliers de programmation et prêt de kits scientifiques."),
    ("grenoble-alpes", "Maison de la montagne et du climat", "association", "villard", ["general_public", "families"], ["climat", "montagne"], "Sorties de terrain sur les glaciers et la neige."),
    ("grenoble-alpes", "Musée de la Révolution française – ateliers techniques", "museum", "vizille", ["general_public", "school_groups"], ["histoire des sciences", "patrimoine"], "Histoire des techniques au XVIIIe siècle."),
    ("grenoble-alpes", "Micro-électronique en fête", "company", "crolles", ["students", "professionals"], ["industrie", "numérique"], "Visites de salles blanches et rencontres avec des ingénieures."),
    ("grenoble-alpes", "Tiers-lieu La Bifurk", "third_place", "grenoble", ["general_public"], ["économie sociale", "réparation"], "Ateliers vélo, repair café et cafés des sciences."),
    ("grenoble-alpes", "MJC de Fontaine – club robotique", "after_school", "fontaine", ["children", "teenagers"], ["robotique"], "Robots Lego et défis de programmation."),
    ("grenoble-alpes", "Collège Jules-Vallès – atelier astronomie", "school", "fontaine", ["teenagers"], ["astronomie"], "Observations et fusées à eau."),
    ("grenoble-alpes", "Pays voironnais – service patrimoine", "local_authority", "voiron", ["general_public"], ["patrimoine industriel"], "Parcours du patrimoine papetier."),
    ("grenoble-alpes", "Office de tourisme du Vercors – géotourisme", "tourism", "villard", ["general_public", "families"], ["géologie", "tourisme scientifique"], "Sentiers géologiques et grottes."),
    ("grenoble-alpes", "Sciences participatives Alpes", "association", "grenoble", ["general_public", "seniors"], ["sciences participatives", "biodiversité"], "Inventaires de la faune urbaine avec les habitants."),
    ("grenoble-alpes", "Planétarium de Vaulx-Milieu", "museum", "echirolles", ["children", "families"], ["astronomie"], "Séances de planétarium et expositions sur le système solaire."),
    ("grenoble-alpes", "Cité des énergies", "museum", "le-pont", ["general_public"], ["énergie", "industrie"], "Histoire de l'hydroélectricité dans les Alpes."),
    ("bretagne", "Espace des sciences de Rennes", "museum", "rennes", ["general_public", "families", "school_groups"], ["médiation", "expositions"], "Expositions, planétarium et conférences du mardi."),
    ("bretagne", "LabFab rennais", "fablab", "rennes", ["general_public", "teenagers"], ["fabrication numérique", "électronique"], "Réseau d'ateliers de fabrication numérique."),
    ("bretagne", "Océanopolis – service éducatif", "museum", "brest", ["general_public", "families", "school_groups"], ["mer", "biodiversité"], "Aquariums et ateliers sur les océans."),
    ("bretagne", "Institut de recherche sur la mer – médiation", "research", "brest", ["school_groups", "students"], ["mer", "climat"], "Scientifiques embarqués et ateliers sur le plancton."),
    ("bretagne", "Les Petits Débrouillards Bretagne", "association", "rennes", ["children", "teenagers"], ["expériences", "quartiers"], "Animations scientifiques dans les quartiers et les écoles."),
    ("bretagne", "Cité des télécoms – espace découverte", "museum", "pleumeur", ["general_public", "families"], ["numérique", "patrimoine industriel"], "Histoire des télécommunications et radôme."),
    ("bretagne", "Planétarium de Bretagne", "museum", "pleumeur", ["general_public", "school_groups"], ["astronomie"], "Séances sous le dôme et animations."),
    ("bretagne", "Université de Bretagne occidentale – culture scientifique", "university", "brest", ["students", "general_public"], ["recherche", "conférences"], "Cafés des sciences et Nuit européenne des chercheurs."),
    ("bretagne", "Médiathèque des Champs Libres – sciences", "library", "rennes", ["general_public", "children"], ["lecture", "numérique"], "Rayon sciences, ateliers et rencontres d'auteurs."),
    ("bretagne", "Association Astro Cornouaille", "association", "quimper", ["general_public", "families"], ["astronomie"], "Soirées d'observation et nuit des étoiles."),
    ("bretagne", "Maison de la mer de Lorient", "museum", "lorient", ["general_public", "school_groups"], ["mer", "patrimoine"], "Pêche, construction navale et sciences de la mer."),
    ("bretagne", "Tiers-lieu Le Hangar", "third_place", "vannes", ["general_public"], ["réparation", "économie sociale"], "Atelier partagé, recyclerie et café des sciences."),
    ("bretagne", "Centre de loisirs Les Goélands", "after_school", "saint-brieuc", ["children"], ["nature", "expériences"], "Mercredis nature et sciences sur l'estran."),
    ("bretagne", "Lycée Kerichen – club océan", "school", "brest", ["teenagers"], ["mer", "robotique"], "Drones sous-marins et observation du littoral."),
    ("bretagne", "Agglomération de Lannion – pôle numérique", "local_authority", "lannion", ["general_public", "professionals"], ["numérique", "politique culturelle"], "Soutien aux actions de culture scientifique du Trégor."),
    ("bretagne", "Office de tourisme de Saint-Malo – marées et sciences", "tourism", "saint-malo", ["general_public", "families"], ["mer", "tourisme scientifique"], "Sorties découverte des marées et de l'usine marémotrice."),
    ("bretagne", "Station biologique de Roscoff – accueil des publics", "research", "morlaix", ["school_groups", "students"], ["mer", "biodiversité"], "Stages et visites de laboratoires de biologie marine."),
    ("bretagne", "Entreprise Algues & Co", "company", "lannion", ["professionals", "students"], ["mer", "industrie"], "Transformation des algues et visites de site."),
    ("bretagne", "Club informatique du Trégor", "association", "lannion", ["seniors", "general_public"], ["numérique"], "Initiation au numérique et à l'électronique."),
    ("bretagne", "Écomusée industriel des forges", "museum", "vannes", ["general_public", "seniors"], ["patrimoine industriel"], "Forges, machines et mémoire industrielle."),
]
PLACES["le-pont"] = ("38800", "Le Pont-de-Claix", 45.1235, 5.6984)

STREETS = ["rue des Sciences", "avenue de la République", "place du Marché", "rue Pasteur", "quai des Savoirs",
           "rue Marie-Curie", "boulevard Voltaire", "rue de la Liberté", "chemin des Écoliers", "allée des Tilleuls"]


def seed(territories, users, lines):
    rng = random.Random(2026)
    if db.session.scalar(select(Actor.id).limit(1)) is not None:
        lines.append("structures already present: none added")
        return
    managers = {
        "occitanie": users.get("mehdi.benali@csti.example"),
        "grenoble-alpes": users.get("thomas.girard@csti.example"),
        "bretagne": users.get("anne.rouxel@csti.example"),
    }
    author = users.get("admin@csti.example")
    for index, (slug, name, kind, place, audiences, tags, summary) in enumerate(ACTORS):
        postcode, commune, lat, lng = PLACES[place]
        actor = Actor(title=name, actor_kind=kind, summary=summary, territory=territories[slug], author=author,
                      body=f"{summary}\n\n**{name}** participe au réseau de culture scientifique du territoire : "
                           "accueil de classes, ateliers grand public et partenariats avec les laboratoires.")
        set_location(actor, postcode, commune)
        actor.address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        # Spread structures of one commune around its centre (~1–3 km).
        actor.latitude = round(lat + rng.uniform(-0.02, 0.02), 6)
        actor.longitude = round(lng + rng.uniform(-0.025, 0.025), 6)
        actor.website = f"https://{place}.example.org/{actor.slug[:30]}"
        actor.email = f"contact@{actor.slug[:20].strip('-')}.example.org"
        actor.phone = f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        actor.audiences = audiences
        for tag in tags:
            actor.add_tag(tag)
        actor.publish()
        if index % 7 == 0 and managers.get(slug):
            add_member(actor, managers[slug], MANAGER)
        db.session.add(actor)
    # One proposal waiting for review in each territory.
    for slug, proposer in (("occitanie", "sophie.nguyen@csti.example"), ("bretagne", "erwan.kerjean@csti.example"),
                           ("grenoble-alpes", "marie.chevalier@csti.example")):
        postcode, commune, lat, lng = PLACES[{"occitanie": "foix", "bretagne": "morlaix", "grenoble-alpes": "voiron"}[slug]]
        actor = Actor(title=f"Club sciences de {commune}", actor_kind="association", territory=territories[slug],
                      author=users.get(proposer), summary="Nouveau club de sciences proposé par un membre.",
                      status="pending", latitude=lat, longitude=lng)
        set_location(actor, postcode, commune)
        actor.audiences = ["children", "teenagers"]
        db.session.add(actor)
    db.session.flush()
    lines.append(f"{len(ACTORS)} structures published, 3 waiting for review")
