"""Write census-occitanie.csv: a messy census file as a French regional network exports it
from Excel, and census-occitanie.expected.json: what importing each row should give.

    python tests/actors/data/make_census.py

Windows-1252, semicolons, French column names plus columns csti does not know, trailing empty
columns, blank lines, line breaks in quoted cells, kinds written every which way, CEDEX
postcodes, Corsica and overseas departments, phone numbers in every format (two in a cell),
e-mail addresses and websites good and bad. The communes are real (csti/data/communes-fr.csv);
everything else is made up (example.fr / example.org addresses). Deterministic.
"""
from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import phonenumbers

HERE = Path(__file__).resolve().parent
COMMUNES = HERE.parent.parent.parent / "csti" / "data" / "communes-fr.csv"
ROWS = 320

HEADER = ["Nom de la structure", "Type de structure", "Adresse", "Code postal", "Ville", "Téléphone",
          "Adresse e-mail", "Site internet", "Thématiques", "Publics visés", "Nom du contact", "Fonction",
          "Date de mise à jour", "Commentaires", "", "", ""]

# (label in the file, kind csti should find)
KINDS = [
    ("MJC", "after_school"), ("Maison des Jeunes et de la Culture", "after_school"), ("Fab Lab", "fablab"),
    ("FabLab", "fablab"), ("fablab", "fablab"), ("Makerspace", "fablab"), ("Bibliothèque municipale", "library"),
    ("Médiathèque", "library"), ("Médiatèque", "library"), ("MEDIATHEQUE INTERCOMMUNALE", "library"),
    ("Planétarium", "museum"), ("Association loi 1901", "association"), ("Association", "association"),
    ("asso", "association"), ("CCSTI", "museum"), ("Muséum", "museum"), ("Muséum d'histoire naturelle", "museum"),
    ("Musée", "museum"), ("Observatoire", "museum"), ("Tiers-lieu", "third_place"), ("Tiers lieu", "third_place"),
    ("Laboratoire CNRS", "research"), ("Laboratoire", "research"), ("Unité de recherche INRAE", "research"),
    ("Office de tourisme", "tourism"), ("Office du Tourisme", "tourism"), ("Collège", "school"),
    ("Lycée", "school"), ("École primaire", "school"), ("Université", "university"), ("IUT", "university"),
    ("Centre social", "after_school"), ("Entreprise", "company"), ("Mairie", "local_authority"),
    ("Communauté de communes", "local_authority"), ("Espace public numérique", "third_place"),
    ("Maison de la nature", "other"), ("Ferme pédagogique", "other"), ("", "other"),
]
THEMES = ["astronomie", "robotique", "biodiversité", "numérique", "climat", "géologie", "santé", "énergie",
          "mathématiques", "patrimoine industriel", "électronique", "océans"]
PUBLICS = ["Grand public", "Scolaires", "Familles", "Enfants", "Adolescents", "Étudiants", "Seniors"]
FIRST = ["Claire", "Yann", "Lucie", "Mehdi", "Anaïs", "Paul", "Inès", "Jean-Marc", "Sophie", "Théo"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "place du Marché", "chemin des Écoles", "boulevard Victor Hugo",
           "rue Pasteur", "allée des Sciences", "route de Narbonne", "quai de la Daurade", "rue Marie Curie"]
AREA = {"971": "0590", "972": "0596", "974": "0262", "976": "0269", "2A": "0495", "2B": "0495"}
COUNTRY = {"971": "+590", "972": "+596", "974": "+262", "976": "+262"}
OVERSEAS = ["97105", "97120", "97209", "97213", "97411", "97415", "97611"]
CORSICA = ["2A004", "2A247", "2B033", "2B096"]
DEPARTMENTS = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}
CEDEX = [("31077", "TOULOUSE", "31555", 4), ("34967", "MONTPELLIER", "34172", 2), ("30907", "NIMES", "30189", 0),
         ("66020", "PERPIGNAN", "66136", 1), ("81013", "ALBI", "81004", 9)]


def communes():
    with COMMUNES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_insee = {r["insee"]: r for r in rows}
    local = [r for r in rows if r["department"] in DEPARTMENTS and int(r["population"] or 0) > 3000]
    return by_insee, local


def phone(rng, department):
    """(cell text, E.164 csti should store): a number of a range in use (phonenumbers says so)."""
    while True:
        text, e164 = _phone(rng, department)
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            return text, e164


def _mobile(rng):
    while True:
        mobile = rng.choice(["06", "07"]) + f"{rng.randrange(10**8):08d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(mobile, "FR")):
            return mobile


def _phone(rng, department):
    area = AREA.get(department, rng.choice(["05", "04"]) if department != "31" else "05")
    if len(area) == 4:
        digits = area + f"{rng.randrange(10**6):06d}"
    elif rng.random() < 0.2:
        digits = _mobile(rng)
    else:
        digits = area + f"{rng.randrange(10**8):08d}"
    if digits[:2] in ("06", "07") and department in COUNTRY:
        digits = "0690" + digits[4:] if department == "971" else digits
    e164 = COUNTRY.get(department, "+33") + digits[1:]
    pairs = " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    style = rng.randrange(8)
    if style == 0:
        text = digits
    elif style == 1:
        text = pairs.replace(" ", ".")
    elif style == 2 and department not in COUNTRY:
        text = "+33 " + " ".join([digits[1]] + [digits[i:i + 2] for i in range(2, 10, 2)])
    elif style == 3 and department not in COUNTRY:
        text = "(0)" + digits[1] + " " + " ".join(digits[i:i + 2] for i in range(2, 10, 2))
    elif style == 4:
        text = pairs.replace(" ", "-")
    elif style == 5:
        mobile = _mobile(rng)
        text = pairs + " / " + " ".join(mobile[i:i + 2] for i in range(0, 10, 2))
    else:
        text = pairs
    return text, e164


def main():
    rng = random.Random(2026)
    by_insee, local = communes()
    lines = [HEADER]
    expected = {}
    for n in range(ROWS):
        label, kind = KINDS[n % len(KINDS)]
        if n % 23 == 5:
            commune = by_insee[OVERSEAS[(n // 23) % len(OVERSEAS)]]
        elif n % 29 == 7:
            commune = by_insee[CORSICA[(n // 29) % len(CORSICA)]]
        else:
            commune = rng.choice(local)
        department = commune["department"]
        postcode = commune["postcodes"].split()[0]
        town = commune["name"]
        name = f"{label or 'Structure'} {['des Savoirs', 'du Quartier', 'Les Curieux', 'Science en fête', 'La Fabrique'][n % 5]} n°{n}"
        if n % 17 == 3:
            name = f"L'Œil de {town} n°{n}"
        postcode_cell, town_cell = postcode, town
        style = n % 11
        if style == 1:
            town_cell = town.upper()
        elif style == 2 and postcode.startswith("0"):
            postcode_cell = postcode[1:]  # Excel dropped the leading zero
        elif style == 3:
            postcode_cell = postcode[:2] + " " + postcode[2:]
        elif style == 4:
            town_cell = town.lower().replace("é", "e").replace("è", "e")
        insee = commune["insee"]
        if n % 19 == 6:  # a CEDEX address, in one of its spreadsheet forms
            code, city, insee, number = CEDEX[n % len(CEDEX)]
            department = code[:2]
            if n % 2:
                postcode_cell, town_cell = f"{code} Cedex", f"{city} CEDEX {number}" if number else f"{city} CEDEX"
            else:
                postcode_cell, town_cell = "", f"{code} {city} CEDEX {number}" if number else f"{code} {city} CEDEX"
        tel, e164 = phone(rng, department)
        if n % 31 == 9:
            tel, e164 = rng.choice(["n/a", "à venir", "12", "NC"]), ""
        slug = f"structure{n}"
        email = rng.choice([f"contact@{slug}.example.fr", f"Accueil@{slug}.example.org",
                            f" contact@{slug}.example.fr ", f"mailto:info@{slug}.example.fr",
                            f"contact@{slug}.example.fr; direction@{slug}.example.fr", "n/a", "",
                            f"contact @{slug}.example.fr", f"contact{slug}.example.fr"])
        site = rng.choice([f"www.{slug}.example.fr", f"http://{slug}.example.org", f"https://www.{slug}.example.fr/",
                           f"{slug}.example.fr", "n/a", "", "site en construction", f"facebook.com/{slug}"])
        themes = rng.sample(THEMES, rng.randrange(0, 4))
        theme_cell = rng.choice([", ".join(themes), "\n".join(themes), " / ".join(themes)]) if themes else ""
        publics = rng.sample(PUBLICS, rng.randrange(0, 3))
        address = f"{rng.randrange(1, 120)} {rng.choice(STREETS)}"
        if n % 7 == 2:
            address += f"\nBP {rng.randrange(100, 9999)}"
        comment = rng.choice(["", "", "Adhérent depuis 2019", "À relancer\npour la fête de la science", "Partenaire ;)"])
        row = [name, label, address, postcode_cell, town_cell, tel, email, site, theme_cell, ", ".join(publics),
               f"{rng.choice(FIRST)} {chr(65 + n % 26)}.", rng.choice(["Directrice", "Animateur", "Président", ""]),
               f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}/2025", comment, "", "", ""]
        # A few rows no tool could import: no name, an unknown postcode without a commune.
        if n % 40 == 11:
            row[0] = ""
        elif n % 40 == 31:
            row[3], row[4] = "99999", ""
        else:
            expected[name] = {"insee": insee, "kind": kind, "phone": e164}
        lines.append(row)
        if n % 37 == 36:
            lines.append([""] * len(HEADER))  # a blank line left in the sheet
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(lines)
    (HERE / "census-occitanie.csv").write_bytes(out.getvalue().encode("cp1252"))
    (HERE / "census-occitanie.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{ROWS} rows, {len(expected)} importable")


if __name__ == "__main__":
    main()
