"""Demo resource centre (issue #16): about forty exhibitions, kits, games, videos, books and
equipment that demo structures own and lend, their loans in every state (requested, accepted,
declined, cancelled, returned — accepted ones never overlap for one resource, several in the
coming weeks), and two public dossiers presented on the libraries' and tourism partners' pages.

Who has what to do (password ``demo-csti-2026``):
- claire.martin@csti.example manages « Sciences en Garonne » (Occitanie), which lends kits and
  games: requests wait for her answer;
- sophie.nguyen@csti.example manages the « Médiathèque Émile-Zola » (Occitanie) and
  marie.chevalier@csti.example the « Bibliothèque de Meylan » (Grenoble-Alpes): their libraries
  have asked for loans (pending, accepted, declined…).

Run again, it adds nothing (resources are found by title, bookings only for new resources)."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..blueprints.actors.operations import add_member
from ..blueprints.dossiers.operations import add_item, set_visibility
from ..extensions import db
from ..models import PUBLISHED, User
from ..models.actors import MANAGER, Actor
from ..models.base import utcnow
from ..models.dossiers import Dossier, DossierPartner
from ..models.resources import ACCEPTED, CANCELLED, DECLINED, REQUESTED, RETURNED, Booking, Resource

# Structures that own resources, with the demo member who manages each (added when missing).
OWNERS = {
    "Sciences en Garonne": "claire.martin@csti.example",
    "Muséum d'histoire naturelle de la Garonne": "mehdi.benali@csti.example",
    "Maison de l'espace et des étoiles": "mehdi.benali@csti.example",
    "Espace pyrénéen des sciences": "mehdi.benali@csti.example",
    "FabLab des Carmes": "mehdi.benali@csti.example",
    "Station marine de Sète": "anne.rouxel@csti.example",
    "Médiathèque Émile-Zola – espace sciences": "sophie.nguyen@csti.example",
    "Centre de culture scientifique de l'Isère": "lucie.bernard@csti.example",
    "Laboratoire de glaciologie – médiation": "thomas.girard@csti.example",
    "Fablab de la Casemate": "thomas.girard@csti.example",
    "Planétarium de Vaulx-Milieu": "lucie.bernard@csti.example",
    "Bibliothèque de Meylan – espace sciences": "marie.chevalier@csti.example",
    "Espace des sciences de Rennes": "yann.le-gall@csti.example",
    "Océanopolis – service éducatif": "anne.rouxel@csti.example",
    "Les Petits Débrouillards Bretagne": "erwan.kerjean@csti.example",
    "LabFab rennais": "anne.rouxel@csti.example",
    "Médiathèque des Champs Libres – sciences": "julien.morel@csti.example",
}
# Structures that borrow, with the demo member who asks on their behalf (made a manager).
BORROWERS = {
    "occitanie": [("Médiathèque Émile-Zola – espace sciences", "sophie.nguyen@csti.example"),
                  ("Centre de loisirs Les Petits Chercheurs", "ines.fabre@csti.example"),
                  ("Office de tourisme de Carcassonne – visites techniques", "ines.fabre@csti.example"),
                  ("Lycée Arago – club sciences", "sophie.nguyen@csti.example")],
    "grenoble-alpes": [("Bibliothèque de Meylan – espace sciences", "marie.chevalier@csti.example"),
                       ("Collège Jules-Vallès – atelier astronomie", "julien.morel@csti.example"),
                       ("Office de tourisme du Vercors – géotourisme", "marie.chevalier@csti.example")],
    "bretagne": [("Médiathèque des Champs Libres – sciences", "julien.morel@csti.example"),
                 ("Lycée Kerichen – club océan", "erwan.kerjean@csti.example"),
                 ("Office de tourisme de Saint-Malo – marées et sciences", "erwan.kerjean@csti.example")],
}

ASSURANCE = "Le matériel doit être couvert par l'assurance responsabilité civile de l'emprunteur (attestation demandée)."
ASSURANCE_VALEUR = "Assurance « clou à clou » à la charge de l'emprunteur, valeur déclarée : {value}."

# owner, kind, title, summary, audiences, tags, details (lendable/free/conditions/logistics)
RESOURCES = [
    # --- Occitanie ---------------------------------------------------------------------------
    ("Sciences en Garonne", "kit", "Malle « Petits chimistes de la cuisine »",
     "Vingt expériences sans danger avec ce qu'on trouve dans une cuisine : pH du chou rouge, émulsions, cristaux.",
     ["children", "primary_school", "after_school", "libraries"], ["chimie", "expériences"],
     dict(is_free=True, deposit="150 € (chèque non encaissé)", insurance=ASSURANCE,
          dimensions="2 caisses de 60 × 40 × 35 cm", weight_kg=18, transport="À retirer à Toulouse (quartier Saint-Cyprien).",
          setup_minutes=20, conditions="Prêt de 2 semaines maximum ; consommables à renouveler par l'emprunteur.")),
    ("Sciences en Garonne", "kit", "Kit « Électricité en jeu »",
     "Piles, ampoules, moteurs et interrupteurs pour construire ses premiers circuits, avec fiches pour les 8-12 ans.",
     ["children", "primary_school", "middle_school", "after_school"], ["électronique", "expériences"],
     dict(is_free=True, deposit="100 €", insurance=ASSURANCE, dimensions="1 caisse de 50 × 35 × 30 cm", weight_kg=9,
          transport="Retrait et retour au local de l'association.", setup_minutes=15)),
    ("Sciences en Garonne", "game", "Jeu de plateau « Le cycle de l'eau »",
     "Un jeu coopératif de 4 à 30 joueurs où chacun incarne une goutte d'eau, des nuages jusqu'aux nappes phréatiques.",
     ["children", "families", "primary_school", "libraries", "tourism"], ["eau", "climat"],
     dict(is_free=False, price="30 € la semaine, gratuit pour les adhérents", deposit="80 €",
          insurance=ASSURANCE, dimensions="Boîte de 45 × 45 × 12 cm", weight_kg=3, setup_minutes=10,
          transport="Envoi postal possible (frais à la charge de l'emprunteur).")),
    ("Sciences en Garonne", "game", "Escape game « Panique au laboratoire »",
     "Une heure d'énigmes scientifiques pour des équipes de 5 : cadenas, lampe UV, messages codés et chimie amusante.",
     ["teenagers", "middle_school", "high_school", "libraries", "after_school"], ["chimie", "jeux"],
     dict(is_free=False, price="60 € la semaine", deposit="200 €", insurance=ASSURANCE,
          dimensions="3 caisses de 60 × 40 × 40 cm", weight_kg=25, setup_minutes=45,
          transport="Retrait à Toulouse ; livraison possible en Haute-Garonne (40 €).",
          conditions="Une formation d'une heure à l'animation est proposée à la première réservation.")),
    ("Muséum d'histoire naturelle de la Garonne", "exhibition", "Exposition « Insectes pollinisateurs »",
     "Quatorze panneaux et deux vitrines sur les abeilles sauvages, les syrphes et les papillons, et sur ce qui les menace.",
     ["general_public", "families", "primary_school", "middle_school", "libraries", "tourism"],
     ["biodiversité", "insectes"],
     dict(is_free=False, price="250 € le mois", deposit="1 000 €", insurance=ASSURANCE_VALEUR.format(value="8 000 €"),
          panels=14, dimensions="14 panneaux de 80 × 200 cm sur pieds, 2 vitrines de 60 × 60 × 120 cm",
          weight_kg=120, setup_minutes=120, transport="Un véhicule utilitaire de 6 m³ ; deux personnes pour le montage.",
          conditions="Surface conseillée : 60 m². Livret de visite fourni.")),
    ("Muséum d'histoire naturelle de la Garonne", "exhibition", "Exposition « Dinosaures d'Occitanie »",
     "Moulages de fossiles et fresque de 6 mètres sur les dinosaures découverts dans la région.",
     ["general_public", "children", "families", "primary_school", "tourism"], ["paléontologie", "patrimoine"],
     dict(is_free=False, price="400 € le mois", deposit="2 000 €", insurance=ASSURANCE_VALEUR.format(value="15 000 €"),
          panels=10, dimensions="10 panneaux de 100 × 200 cm, 6 moulages sur socles, fresque de 6 m",
          weight_kg=310, setup_minutes=240, transport="Camion de 12 m³ fourni par le muséum (forfait 150 €).")),
    ("Muséum d'histoire naturelle de la Garonne", "video", "Vidéo « Dans les coulisses du muséum »",
     "Douze minutes avec les préparateurs et les conservatrices : comment une collection est étudiée et conservée.",
     ["general_public", "high_school", "higher_education"], ["patrimoine", "recherche"],
     dict(lendable=False, is_free=True, video_url="https://www.youtube.com/watch?v=CSTIdemo001",
          conditions="Libre de diffusion en classe et en médiathèque, en citant le muséum.")),
    ("Maison de l'espace et des étoiles", "exhibition", "Exposition « Le ciel à l'œil nu »",
     "Douze panneaux pour apprendre à reconnaître les constellations, les planètes et la Lune, sans instrument.",
     ["general_public", "families", "primary_school", "middle_school", "libraries"], ["astronomie"],
     dict(is_free=False, price="150 € la semaine", deposit="500 €", insurance=ASSURANCE_VALEUR.format(value="3 000 €"),
          panels=12, dimensions="12 kakémonos enroulables de 85 × 200 cm", weight_kg=40, setup_minutes=45,
          transport="Tient dans un coffre de voiture break.")),
    ("Maison de l'espace et des étoiles", "equipment", "Planétarium gonflable",
     "Un dôme de 5 m de diamètre et son projecteur numérique pour des séances de 25 personnes.",
     ["children", "families", "primary_school", "middle_school", "tourism"], ["astronomie", "spatial"],
     dict(is_free=False, price="350 € la journée avec un médiateur", deposit="3 000 €",
          insurance=ASSURANCE_VALEUR.format(value="20 000 €"), dimensions="Dôme de 5 m, hauteur 3,5 m",
          weight_kg=95, setup_minutes=60, transport="Livré et installé par la Maison de l'espace.",
          conditions="Salle de 6 × 6 m minimum, hauteur 4 m, prise 16 A.")),
    ("Maison de l'espace et des étoiles", "book", "Guide « Observer le ciel avec sa classe »",
     "Un guide pédagogique de 80 pages : cartes du ciel par saison, fiches d'activités et conseils de sécurité.",
     ["primary_school", "middle_school", "professionals", "libraries"], ["astronomie", "éducation"],
     dict(lendable=False, is_free=True, conditions="Téléchargeable librement (licence CC BY-SA).")),
    ("Espace pyrénéen des sciences", "exhibition", "Exposition « Glaciers des Pyrénées, mémoire du climat »",
     "Photographies d'hier et d'aujourd'hui, carottes de glace et témoignages de glaciologues sur 16 panneaux.",
     ["general_public", "high_school", "higher_education", "tourism"], ["climat", "montagne"],
     dict(is_free=False, price="300 € le mois", deposit="1 500 €", insurance=ASSURANCE_VALEUR.format(value="10 000 €"),
          panels=16, dimensions="16 panneaux de 100 × 180 cm, autoportants", weight_kg=160, setup_minutes=180,
          transport="Véhicule utilitaire de 8 m³ à prévoir par l'emprunteur.")),
    ("Espace pyrénéen des sciences", "kit", "Valise « Eau de montagne »",
     "Maquette de bassin versant, tests de qualité de l'eau et cartes du réseau hydrographique pyrénéen.",
     ["children", "middle_school", "after_school", "tourism"], ["eau", "montagne"],
     dict(is_free=True, deposit="200 €", insurance=ASSURANCE, dimensions="Valise de 70 × 50 × 30 cm", weight_kg=14,
          setup_minutes=20, transport="Retrait à Tarbes.")),
    ("FabLab des Carmes", "equipment", "Imprimante 3D mobile",
     "Une imprimante 3D dans sa caisse de transport, avec bobines et tutoriels, pour une initiation de groupe.",
     ["teenagers", "middle_school", "high_school", "libraries", "third_places"], ["fabrication numérique"],
     dict(is_free=False, price="50 € la semaine", deposit="600 €", insurance=ASSURANCE_VALEUR.format(value="1 200 €"),
          dimensions="Caisse de 60 × 60 × 70 cm", weight_kg=22, setup_minutes=30,
          transport="Retrait au fablab ; transport à plat interdit.",
          conditions="Une personne formée par le fablab doit être présente lors de l'utilisation.")),
    ("FabLab des Carmes", "kit", "Kit robotique « Premiers robots »",
     "Huit robots programmables par blocs, tablettes et défis progressifs pour une classe entière.",
     ["children", "primary_school", "middle_school", "libraries", "after_school"], ["robotique", "numérique"],
     dict(is_free=False, price="40 € la semaine", deposit="400 €", insurance=ASSURANCE,
          dimensions="2 mallettes de 50 × 40 × 20 cm", weight_kg=11, setup_minutes=20)),
    ("Station marine de Sète", "kit", "Malle « Le plancton de la lagune »",
     "Microscopes, filets à plancton et clés d'identification pour observer la vie invisible de l'étang de Thau.",
     ["children", "middle_school", "high_school", "tourism"], ["mer", "biodiversité"],
     dict(is_free=True, deposit="300 €", insurance=ASSURANCE, dimensions="2 caisses de 60 × 40 × 40 cm", weight_kg=26,
          setup_minutes=30, transport="Retrait à la station marine, du lundi au vendredi.")),
    ("Médiathèque Émile-Zola – espace sciences", "book", "Sélection « 50 albums pour découvrir les sciences »",
     "Une caisse d'albums et de documentaires jeunesse choisis par les bibliothécaires, avec une bibliographie commentée.",
     ["children", "nursery_school", "primary_school", "libraries"], ["lecture"],
     dict(is_free=True, insurance="Livres perdus ou abîmés remplacés par l'emprunteur.",
          dimensions="1 caisse de 40 × 30 × 40 cm", weight_kg=19, transport="Navette des médiathèques du réseau.",
          conditions="Prêt de 6 semaines aux bibliothèques et écoles de l'Hérault.")),
    ("Médiathèque Émile-Zola – espace sciences", "exhibition", "Exposition « Femmes de sciences »",
     "Quinze portraits de chercheuses d'hier et d'aujourd'hui, avec des QR codes vers des entretiens audio.",
     ["general_public", "teenagers", "middle_school", "high_school", "libraries"], ["égalité filles-garçons"],
     dict(is_free=True, deposit="300 €", insurance=ASSURANCE_VALEUR.format(value="2 500 €"), panels=15,
          dimensions="15 panneaux de 60 × 160 cm, système d'accroche fourni", weight_kg=30, setup_minutes=60)),
    # --- Grenoble-Alpes ------------------------------------------------------------------------
    ("Centre de culture scientifique de l'Isère", "exhibition", "Exposition « Énergies : quels choix pour demain ? »",
     "Douze modules interactifs sur la production, le stockage et la sobriété énergétique.",
     ["general_public", "teenagers", "high_school", "libraries", "companies"], ["énergie", "climat"],
     dict(is_free=False, price="500 € le mois", deposit="2 500 €", insurance=ASSURANCE_VALEUR.format(value="25 000 €"),
          panels=12, dimensions="12 modules de 120 × 60 × 200 cm", weight_kg=420, setup_minutes=300,
          transport="Transport par transporteur spécialisé (devis sur demande).",
          conditions="Surface de 120 m², accès de plain-pied ou monte-charge.")),
    ("Centre de culture scientifique de l'Isère", "exhibition", "Exposition « Mathématiques en jeux »",
     "Vingt manipulations pour jouer avec les nombres, les pavages et les probabilités.",
     ["general_public", "families", "primary_school", "middle_school", "libraries", "tourism"], ["mathématiques", "jeux"],
     dict(is_free=False, price="350 € le mois", deposit="1 500 €", insurance=ASSURANCE_VALEUR.format(value="12 000 €"),
          panels=8, dimensions="20 manipulations sur tables, 8 panneaux de 80 × 200 cm", weight_kg=250, setup_minutes=180,
          transport="Véhicule de 12 m³.")),
    ("Centre de culture scientifique de l'Isère", "video", "Vidéo « Comment naît une exposition ? »",
     "Un court documentaire de 9 minutes sur la conception d'une exposition, du comité scientifique au montage.",
     ["general_public", "professionals", "higher_education"], ["médiation", "expositions"],
     dict(lendable=False, is_free=True, video_url="https://vimeo.com/123456789")),
    ("Laboratoire de glaciologie – médiation", "kit", "Malle « Carottes de glace »",
     "Répliques de carottes de glace, bulles d'air fossiles et courbes du climat pour comprendre les archives glaciaires.",
     ["high_school", "higher_education", "general_public", "tourism"], ["climat", "montagne", "glaciers"],
     dict(is_free=True, deposit="400 €", insurance=ASSURANCE, dimensions="Malle de 90 × 50 × 40 cm", weight_kg=30,
          setup_minutes=30, conditions="Intervention d'un chercheur possible sur demande.")),
    ("Laboratoire de glaciologie – médiation", "book", "Livret « Le climat expliqué aux ados »",
     "Un livret de 40 pages illustré, avec expériences à faire chez soi.",
     ["teenagers", "middle_school", "libraries"], ["climat"],
     dict(lendable=False, is_free=True, conditions="PDF à télécharger, exemplaires imprimés sur demande.")),
    ("Fablab de la Casemate", "equipment", "Découpeuse vinyle et presse à chaud",
     "Un atelier mobile pour créer autocollants et tee-shirts, avec 3 ordinateurs portables configurés.",
     ["teenagers", "general_public", "third_places", "libraries"], ["fabrication numérique"],
     dict(is_free=False, price="80 € la semaine", deposit="800 €", insurance=ASSURANCE_VALEUR.format(value="2 000 €"),
          dimensions="2 caisses de 70 × 50 × 50 cm", weight_kg=35, setup_minutes=40)),
    ("Fablab de la Casemate", "kit", "Kit « Capteurs citoyens de la qualité de l'air »",
     "Dix capteurs à assembler et une plateforme de données ouvertes pour mesurer l'air de son quartier.",
     ["teenagers", "high_school", "general_public", "third_places"], ["capteur", "numérique"],
     dict(is_free=True, deposit="250 €", insurance=ASSURANCE, dimensions="Mallette de 50 × 40 × 20 cm", weight_kg=6,
          setup_minutes=30)),
    ("Planétarium de Vaulx-Milieu", "exhibition", "Exposition « Le Système solaire à l'échelle »",
     "Neuf kakémonos et des maquettes à l'échelle pour un parcours de 100 mètres du Soleil à Neptune.",
     ["children", "families", "primary_school", "middle_school", "libraries", "tourism"], ["astronomie"],
     dict(is_free=False, price="120 € la semaine", deposit="400 €", insurance=ASSURANCE_VALEUR.format(value="3 500 €"),
          panels=9, dimensions="9 kakémonos de 80 × 200 cm, 9 maquettes", weight_kg=55, setup_minutes=60)),
    ("Planétarium de Vaulx-Milieu", "game", "Jeu « Mission Mars »",
     "Un jeu de rôle coopératif pour préparer une mission habitée : énergie, eau, nourriture et imprévus.",
     ["teenagers", "middle_school", "after_school", "libraries"], ["spatial", "jeux"],
     dict(is_free=True, deposit="60 €", insurance=ASSURANCE, dimensions="Boîte de 40 × 30 × 10 cm", weight_kg=2,
          setup_minutes=10, transport="Envoi postal possible.")),
    ("Bibliothèque de Meylan – espace sciences", "kit", "Kits « Sciences à la maison » à emprunter",
     "Six sacs thématiques (aimants, lumière, son, météo…) prêtés aux familles comme des livres.",
     ["families", "children", "libraries"], ["expériences", "familles"],
     dict(is_free=True, insurance="Matériel perdu remplacé par l'emprunteur.", dimensions="6 sacs de 40 × 30 × 15 cm",
          weight_kg=12, conditions="Prêt de 3 semaines aux bibliothèques de l'agglomération.")),
    ("Bibliothèque de Meylan – espace sciences", "video", "Captation « Heure du conte scientifique »",
     "Une séance filmée de lecture et d'expériences pour les 4-7 ans, à montrer aux équipes avant de se lancer.",
     ["professionals", "libraries", "nursery_school"], ["lecture", "médiation"],
     dict(lendable=False, is_free=True)),
    # --- Bretagne ------------------------------------------------------------------------------
    ("Espace des sciences de Rennes", "exhibition", "Exposition « Océan et climat »",
     "Dix-huit panneaux et trois manipulations sur le rôle de l'océan dans la machine climatique.",
     ["general_public", "middle_school", "high_school", "libraries", "tourism"], ["océan", "climat"],
     dict(is_free=False, price="280 € le mois", deposit="1 200 €", insurance=ASSURANCE_VALEUR.format(value="9 000 €"),
          panels=18, dimensions="18 panneaux de 80 × 200 cm, 3 modules de 100 × 60 × 120 cm", weight_kg=190,
          setup_minutes=180, transport="Véhicule de 10 m³ ; montage accompagné la première fois.")),
    ("Espace des sciences de Rennes", "exhibition", "Exposition « Mission esprit critique »",
     "Un parcours ludique pour apprendre à trier les informations, repérer les biais et les fausses nouvelles.",
     ["teenagers", "middle_school", "high_school", "libraries"], ["esprit critique", "numérique"],
     dict(is_free=False, price="200 € le mois", deposit="800 €", insurance=ASSURANCE_VALEUR.format(value="6 000 €"),
          panels=10, dimensions="10 panneaux autoportants de 90 × 190 cm", weight_kg=85, setup_minutes=90)),
    ("Océanopolis – service éducatif", "kit", "Malle « Laisse de mer »",
     "Coquillages, algues séchées, loupes et fiches d'identification pour étudier l'estran en classe.",
     ["children", "primary_school", "after_school", "tourism"], ["mer", "biodiversité"],
     dict(is_free=True, deposit="150 €", insurance=ASSURANCE, dimensions="Malle de 70 × 40 × 35 cm", weight_kg=16,
          setup_minutes=15, transport="Retrait à Brest ; navette mensuelle vers Quimper et Morlaix.")),
    ("Océanopolis – service éducatif", "exhibition", "Exposition « Plastiques en mer »",
     "Huit panneaux et une vitrine d'objets collectés sur les plages bretonnes.",
     ["general_public", "families", "middle_school", "tourism", "libraries"], ["océan", "déchets"],
     dict(is_free=True, deposit="500 €", insurance=ASSURANCE_VALEUR.format(value="4 000 €"), panels=8,
          dimensions="8 panneaux de 80 × 200 cm, 1 vitrine de 100 × 50 × 100 cm", weight_kg=70, setup_minutes=60)),
    ("Océanopolis – service éducatif", "video", "Vidéo « Une journée à bord d'un navire océanographique »",
     "Un film de 15 minutes avec les scientifiques embarqués, sous-titré.",
     ["general_public", "high_school", "tourism"], ["océan", "recherche"],
     dict(lendable=False, is_free=True, video_url="https://www.youtube.com/watch?v=CSTIdemo002")),
    ("Les Petits Débrouillards Bretagne", "kit", "Malle « Énergies renouvelables »",
     "Éoliennes miniatures, panneaux solaires et turbines pour mesurer et comparer les énergies.",
     ["children", "primary_school", "middle_school", "after_school", "libraries"], ["énergie", "expériences"],
     dict(is_free=False, price="45 € la semaine", deposit="300 €", insurance=ASSURANCE,
          dimensions="2 caisses de 60 × 40 × 30 cm", weight_kg=21, setup_minutes=25)),
    ("Les Petits Débrouillards Bretagne", "game", "Jeu « Débat mouvant sur le numérique »",
     "Cartes, règles d'animation et affirmations pour faire débattre un groupe de 10 à 30 personnes.",
     ["teenagers", "high_school", "general_public", "libraries", "third_places"], ["numérique", "débats"],
     dict(is_free=True, insurance="", dimensions="Boîte de 25 × 20 × 6 cm", weight_kg=0.8, setup_minutes=5,
          transport="Envoi postal gratuit.")),
    ("Les Petits Débrouillards Bretagne", "book", "Fiches « 30 expériences avec trois fois rien »",
     "Un classeur de fiches d'expériences testées en animation, illustrées pas à pas.",
     ["children", "professionals", "after_school", "libraries"], ["expériences"],
     dict(lendable=False, is_free=True, conditions="Téléchargeable ; classeur imprimé vendu 12 €.")),
    ("LabFab rennais", "equipment", "Valise de réparation « Repair café »",
     "Outillage, fer à souder, multimètres et fiches de diagnostic pour organiser un repair café.",
     ["general_public", "seniors", "third_places", "libraries"], ["réparation", "électronique"],
     dict(is_free=True, deposit="250 €", insurance=ASSURANCE, dimensions="Valise de 55 × 45 × 25 cm", weight_kg=13,
          setup_minutes=20)),
    ("LabFab rennais", "kit", "Kit « Code et musique »",
     "Douze cartes programmables et capteurs pour composer de la musique en codant.",
     ["teenagers", "middle_school", "libraries"], ["numérique", "informatique"],
     dict(is_free=False, price="35 € la semaine", deposit="300 €", insurance=ASSURANCE,
          dimensions="Mallette de 45 × 35 × 15 cm", weight_kg=4, setup_minutes=15)),
    ("Médiathèque des Champs Libres – sciences", "book", "Malle « Mer et littoral en BD »",
     "Trente bandes dessinées et documentaires sur la mer, pour une exposition de lecture.",
     ["teenagers", "general_public", "libraries"], ["mer", "lecture"],
     dict(is_free=True, insurance="Ouvrages perdus remplacés par l'emprunteur.",
          dimensions="Malle de 50 × 35 × 35 cm", weight_kg=17, conditions="Prêt de 2 mois aux bibliothèques bretonnes.")),
    ("Médiathèque des Champs Libres – sciences", "exhibition", "Exposition « Cartes et territoires »",
     "De la carte de Cassini au GPS : douze panneaux sur la cartographie et ce qu'elle dit du monde.",
     ["general_public", "high_school", "libraries", "tourism"], ["cartographie", "patrimoine"],
     dict(is_free=True, deposit="400 €", insurance=ASSURANCE_VALEUR.format(value="3 000 €"), panels=12,
          dimensions="12 panneaux de 70 × 180 cm", weight_kg=45, setup_minutes=60)),
]

LENGTHS = {"exhibition": (14, 35), "kit": (5, 15), "game": (3, 10), "equipment": (2, 7), "book": (21, 45),
           "video": (1, 1), "other": (3, 10)}
ASKS = ["Pour notre semaine de la science avec les écoles du quartier.",
        "Nous aimerions l'installer pour la Fête de la science.",
        "Pour un cycle d'animations du mercredi avec les 8-12 ans.",
        "Pour accompagner une rencontre avec une chercheuse.",
        "Pour l'accueil des groupes pendant les vacances scolaires."]
ANSWERS = {ACCEPTED: "C'est noté, à bientôt ! Retrait le premier jour à partir de 9 h.",
           RETURNED: "Merci, tout est revenu en bon état.",
           DECLINED: "Désolés, elle est en maintenance à ces dates. Pouvez-vous proposer d'autres dates ?"}

# Two public dossiers presented on the partners' pages: (partner, owner, territory, title, summary)
PARTNER_DOSSIERS = [
    ("libraries", "sophie.nguyen@csti.example", "occitanie", "Malles et expositions pour les bibliothèques",
     "Des expositions, kits et jeux faciles à accueillir dans une médiathèque, à emprunter au réseau."),
    ("tourism", "claire.martin@csti.example", "occitanie", "Sciences et tourisme : ressources à emprunter",
     "Expositions et malles pour animer un office de tourisme, un site patrimonial ou un camping."),
]


def _actor(title):
    return db.session.scalar(select(Actor).where(Actor.title == title))


def _user(users, email):
    return users.get(email) or User.by_email(email)


def seed(territories, users, lines):
    today = date.today()
    rng = random.Random(1616)
    managers = {}
    for title, email in [*OWNERS.items(), *(b for group in BORROWERS.values() for b in group)]:
        actor, user = _actor(title), _user(users, email)
        if actor is not None and user is not None:
            add_member(actor, user, MANAGER)
            managers.setdefault(actor.id, user)
    db.session.flush()
    existing = set(db.session.scalars(select(Resource.title)))
    made = []
    for owner_title, kind, title, summary, audiences, tags, details in RESOURCES:
        owner = _actor(owner_title)
        if owner is None or title in existing:
            continue
        details = dict(details)
        how = (f"**Pour réserver** : choisissez vos dates sur cette page ; {owner.title} vous répond sous une semaine."
               if details.get("lendable", True) else f"**À consulter** : {owner.title} la présente librement.")
        resource = Resource(title=title, resource_kind=kind, summary=summary, territory=owner.territory,
                            author=managers.get(owner.id) or _user(users, OWNERS[owner_title]),
                            body=f"{summary}\n\n{how}", **details)
        resource.owners = [owner]
        resource.audiences = audiences
        for tag in tags:
            resource.add_tag(tag)
        resource.publish()
        db.session.add(resource)
        made.append(resource)
    db.session.flush()
    covers = _covers(made, rng)
    bookings = 0
    for index, resource in enumerate(made):
        if resource.lendable:
            bookings += _bookings(resource, index, today, rng, managers)
    db.session.flush()
    dossiers = _partner_dossiers(territories, users)
    lines.append(f"{len(made)} resources ({covers} covers), {bookings} loans, {dossiers} partner dossiers")


def _covers(resources, rng):
    from ..uploads import store_image
    from .images import COVER_WIDTHS, illustration, motif_for

    count = 0
    for resource in resources:
        if resource.resource_kind == "video" or rng.random() < 0.2:
            continue
        motif, alt = motif_for(resource.title, " ".join(t.name for t in resource.tags))
        resource.cover_image = store_image(illustration(motif, rng), "covers", widths=COVER_WIDTHS)
        resource.cover_alt = alt
        count += 1
    return count


def _borrowers(resource):
    slug = resource.territory.slug if resource.territory else "occitanie"
    found = []
    for title, email in BORROWERS.get(slug, []):
        actor = _actor(title)
        user = User.by_email(email)
        if actor is not None and user is not None and actor.id not in {o.id for o in resource.owners}:
            found.append((actor, user))
    return found


def _bookings(resource, index, today, rng, managers):
    """Loans from about seven months ago to four months ahead, one after the other, so accepted
    (and returned) ones never overlap; every other resource is taken within the next two weeks."""
    borrowers = _borrowers(resource)
    if not borrowers:
        return 0
    owner = resource.owners[0]
    answerer = managers.get(owner.id)
    shortest, longest = LENGTHS.get(resource.resource_kind, LENGTHS["other"])
    cursor = today - timedelta(days=rng.randint(180, 220))
    horizon = today + timedelta(days=120)
    made, forced = 0, index % 2 == 0
    # The lending structure of the animator's demo always has requests to answer.
    pending = 2 if managers.get(owner.id) and managers[owner.id].email == "claire.martin@csti.example" else 0
    while cursor < horizon:
        starts = cursor + timedelta(days=rng.randint(7, 45))
        if forced and starts > today:
            starts = max(cursor, today + timedelta(days=rng.randint(2, 10)))
        ends = starts + timedelta(days=rng.randint(shortest, longest) - 1)
        if starts <= today <= ends:
            status = ACCEPTED  # on loan now
        elif ends < today:
            status = rng.choices([RETURNED, DECLINED, CANCELLED], cum_weights=[70, 85, 100])[0]
        elif forced:
            status, forced = ACCEPTED, False
        elif pending:
            status, pending = REQUESTED, pending - 1
        else:
            status = rng.choices([ACCEPTED, REQUESTED, DECLINED, CANCELLED], cum_weights=[40, 75, 90, 100])[0]
        borrower, asker = borrowers[(index + made) % len(borrowers)]
        asked = min(starts - timedelta(days=rng.randint(10, 40)), today - timedelta(days=1))
        booking = Booking(resource=resource, borrower=borrower, requested_by=asker, starts_on=starts, ends_on=ends,
                          status=status, message=rng.choice(ASKS), created_at=_at(asked))
        if status in ANSWERS:
            booking.answer = ANSWERS[status]
        if status in (ACCEPTED, RETURNED, DECLINED):
            booking.answered_by = answerer
            booking.answered_at = _at(asked + timedelta(days=2))
        booking.updated_at = booking.answered_at or booking.created_at
        db.session.add(booking)
        made += 1
        cursor = ends + timedelta(days=1)
    return made


def _at(day):
    return min(datetime.combine(day, time(10, 0), tzinfo=UTC), utcnow())


def _partner_dossiers(territories, users):
    made = 0
    for code, email, slug, title, summary in PARTNER_DOSSIERS:
        owner = _user(users, email)
        territory = territories.get(slug)
        if owner is None or territory is None or db.session.scalar(select(Dossier.id).where(Dossier.title == title)):
            continue
        dossier = Dossier(title=title, summary=summary, territory=territory, author=owner,
                          body=f"{summary}\n\nChaque ressource indique ses conditions de prêt : dimensions, "
                               "temps de montage, caution et assurance.")
        dossier.add_tag("exposition")
        db.session.add(dossier)
        set_visibility(dossier, False, owner)
        dossier.publish()
        picked = db.session.scalars(
            select(Resource).where(Resource.status == PUBLISHED, Resource.lendable.is_(True))
            .order_by(Resource.id)).all()
        picked = [r for r in picked if code in r.audiences][:8]
        for resource in picked:
            add_item(dossier, resource, owner, "À réserver tôt : très demandé." if resource.resource_kind == "exhibition"
                     else "")
        animator = _user(users, "claire.martin@csti.example")
        dossier.partner_rows.append(DossierPartner(code=code, flagged_by_id=animator.id if animator else None))
        made += 1
    db.session.flush()
    return made
