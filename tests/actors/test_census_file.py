"""A real-world census file (tests/actors/data/make_census.py writes it: Windows-1252,
semicolons, French headers and unknown columns, kinds written every which way, CEDEX, Corsica
and overseas postcodes, phones in every format, bad e-mails and websites, line breaks in cells,
blank lines) goes through at ≥ 95 %, every structure on the map; its export imports back
unchanged."""
import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from csti.models import Actor

from .helpers import refresh
from .test_import import actors, counts, line, upload

DATA = Path(__file__).parent / "data"
CENSUS = (DATA / "census-occitanie.csv").read_bytes()
EXPECTED = json.loads((DATA / "census-occitanie.expected.json").read_text(encoding="utf-8"))
DATA_ROWS = 320


def imported(testapp, db, territory):
    page = upload(testapp, territory, CENSUS)
    form = page.forms["import-confirm"]
    form["skip_errors"] = True
    form.submit(status=303)
    return page, {a.title: a for a in actors(db)}


def test_the_census_file_imports_at_95_percent_with_french_messages(testapp, db, occitanie, animator, log_in):
    log_in(testapp, animator)
    page = upload(testapp, occitanie, CENSUS)
    # French interface: the counts, and messages one understands.
    assert counts(page)["create"] == "304 structures à créer"
    assert counts(page)["errors"] == "16 lignes comportant des erreurs"
    assert page.html.find(id="count-approximate").get_text(strip=True).startswith("304 ")
    ignored = page.html.find(id="columns-ignored").get_text(" ", strip=True)
    assert all(name in ignored for name in ("Nom du contact", "Fonction", "Date de mise à jour", "Commentaires"))
    read = page.html.find(id="columns-read").get_text(" ", strip=True)
    assert "Nom de la structure → Nom" in read and "Site internet → Site web" in read
    assert "Adresse e-mail → E-mail" in read and "Thématiques → Thématiques" in read
    # Row numbers are the spreadsheet's: multi-line cells are one row, blank lines count.
    assert "Le nom est vide." in line(page, 13)
    assert "L'Œil de" in line(page, 22) and "n°20" in line(page, 22)
    assert "n°37" in line(page, 40)  # after the blank line of row 39
    form = page.forms["import-confirm"]
    form["skip_errors"] = True
    form.submit(status=303)
    by_name = {a.title: a for a in actors(db)}
    right = [name for name, want in EXPECTED.items() if name in by_name and (
        by_name[name].insee, by_name[name].actor_kind, by_name[name].phone) == (want["insee"], want["kind"], want["phone"])]
    assert len(right) / DATA_ROWS >= 0.95
    assert len(by_name) == len(EXPECTED)
    # Every structure is on the map, at its commune's centre when the file had no coordinates.
    assert all(a.has_location and a.location_approximate for a in by_name.values())
    assert all(a.territory_id == occitanie.id and a.is_published for a in by_name.values())
    assert all(a.phone == "" or a.phone.startswith("+") and a.phone[1:].isdigit() for a in by_name.values())
    assert all(a.website == "" or a.website.startswith(("https://", "http://")) for a in by_name.values())
    assert all(a.email == "" or "@" in a.email and " " not in a.email for a in by_name.values())


def test_the_hard_cases_of_the_census_file(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    page, by_name = imported(testapp_en, db, occitanie)
    # CEDEX: "31077 TOULOUSE CEDEX 4" in the town column, "31077 Cedex" in the postcode one.
    cedex = [n for n in EXPECTED if n.endswith(("n°6", "n°25", "n°44"))]
    assert {by_name[n].commune for n in cedex} <= {"Toulouse", "Montpellier", "Nîmes", "Perpignan", "Albi"}
    assert all(by_name[n].postcode in by_name[n].postcode and by_name[n].insee for n in cedex)
    assert "CEDEX postcode 31077: Toulouse (31100) used for the directory and the map." in page.text
    # Corsica and overseas departments, their phones in their own numbering.
    departments = {a.department for a in by_name.values()}
    assert {"2A", "2B", "971", "972", "974", "976"} <= departments
    assert all(a.phone.startswith(("+590", "+596", "+262")) for a in by_name.values()
               if a.department in ("971", "972", "974", "976") and a.phone)
    # Two numbers in a cell: the first kept, the other named in a remark.
    two = next(n for n in EXPECTED if n.endswith("n°1"))
    assert by_name[two].phone == EXPECTED[two]["phone"]
    assert "Several phone numbers: only the first one kept" in line(page, 3)
    # A kind nothing fits: "Other", with the file's own word kept and shown.
    farm = next(a for a in by_name.values() if a.kind_label_source == "Ferme pédagogique")
    assert farm.actor_kind == "other" and farm.actor_kind_label == "Ferme pédagogique"
    # Bad e-mail or website: left empty with a remark, the row imported anyway.
    assert "The e-mail address “contact @structure" in page.text and "is not valid: left empty." in page.text
    assert "The website “site en construction” is not a web address: left empty." in page.text
    # Line breaks in a cell: themes become tags, the address one line.
    rows = list(csv.DictReader(io.StringIO(CENSUS.decode("cp1252"), newline=""), delimiter=";"))
    cell = next(r for r in rows if "\n" in r["Thématiques"] and r["Nom de la structure"] in EXPECTED)
    themed = by_name[cell["Nom de la structure"]]
    assert sorted(t.name for t in themed.tags) == sorted(cell["Thématiques"].split("\n"))
    cell = next(r for r in rows if "\n" in r["Adresse"] and r["Nom de la structure"] in EXPECTED)
    assert by_name[cell["Nom de la structure"]].address == cell["Adresse"].replace("\n", ", ")


def test_structure_page_and_map_say_approximate(testapp_en, db, occitanie, animator, log_in):
    testapp = testapp_en
    log_in(testapp, animator)
    _page, by_name = imported(testapp, db, occitanie)
    actor = by_name[next(n for n in EXPECTED if n.endswith("n°0"))]
    page = testapp.get(f"/actor/{actor.id}-{actor.slug}")
    assert "Approximate location" in page.html.find(id="approximate-location").get_text()
    # The phone number the French way.
    digits = "0" + actor.phone[3:]
    shown = " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    assert shown in page.html.select_one("dl.facts").get_text()
    geo = testapp.get("/actors.geojson?territory=occitanie").json
    assert len(geo["features"]) == len(EXPECTED)
    point = next(f for f in geo["features"] if f["properties"]["id"] == actor.id)
    assert point["properties"]["approximate"] is True
    assert point["properties"]["approximate_note"] == "Approximate location (centre of the commune)"
    farm = next(f for f in geo["features"] if f["properties"]["kind"] == "other" and "Ferme" in f["properties"]["name"])
    assert farm["properties"]["kind_label"] == "Ferme pédagogique"


@pytest.mark.parametrize("excel", [False, True])
def test_the_export_imports_back_unchanged(testapp_en, runner, db, tmp_path, occitanie, animator, log_in, excel):
    log_in(testapp_en, animator)
    imported(testapp_en, db, occitanie)
    before = {a.id: (a.title, a.updated_at, a.phone, a.latitude, a.location_approximate, a.kind_label_source)
              for a in actors(db)}
    response = testapp_en.get("/actors.csv?territory=occitanie" + ("&format=excel" if excel else ""))
    assert response.body.startswith(b"\xef\xbb\xbf") == excel
    assert response.body.decode("utf-8-sig").splitlines()[0].count(";" if excel else ",") == 20
    # No quote added to the phone numbers (+33…): they are not formulas.
    assert b"'+" not in response.body
    export = tmp_path / "export.csv"
    export.write_bytes(response.body)
    result = runner.invoke(args=["csti", "import-actors", str(export), "--territory", "occitanie", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"0 to create, 0 to update, {len(before)} unchanged, 0 rows with errors" in result.output
    refresh(db)
    after = {a.id: (a.title, a.updated_at, a.phone, a.latitude, a.location_approximate, a.kind_label_source)
             for a in db.session.scalars(select(Actor))}
    assert after == before
