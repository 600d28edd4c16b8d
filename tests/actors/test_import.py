"""The census import: preview, per-row errors, confirmation, idempotence — web page and CLI."""
import time

import pytest
from sqlalchemy import func, select

from csti.blueprints.actors.census import MAX_ROWS
from csti.models import Actor, AuditLog, Tag
from tests.conftest import csrf_headers

from .helpers import refresh

GOOD = """identifiant,nom,type,code postal,commune,latitude,longitude,site web,courriel,téléphone,publics,thèmes,résumé
OC-1,Fablab des Carmes,fablab,31000,Toulouse,43.6,1.44,fablab-carmes.example.org,Contact@Carmes.example.org,+33 5 61 00 00 00,grand public|adolescents,robotique|électronique,Un atelier ouvert.
OC-2,Muséum de la Garonne,Musée,31000,,43.59,1.45,https://museum.example.org,,,Familles,biodiversité,
OC-3,Les Curieux,Association,34000,Montpellier,,,,,,,"débats, médiation",Bars des sciences
"""


def actors(db):
    refresh(db)
    return db.session.scalars(select(Actor).order_by(Actor.title)).all()


def upload(testapp, territory, content, filename="recensement.csv", status=200):
    form = testapp.get("/actors/import").forms["import-form"]
    form["territory"] = str(territory.id)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    form["file"] = (filename, data, "text/csv")
    return form.submit(status=status)


def counts(page):
    return {key: page.html.find(id=f"count-{key}").get_text(strip=True)
            for key in ("create", "update", "unchanged", "errors")}


def line(page, number):
    row = page.html.find(id=f"line-{number}")
    return row.get_text(" ", strip=True) if row else None


def test_good_utf8_file_previews_then_imports(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, GOOD)
    assert counts(page) == {"create": "3 structures to create", "update": "0 structures to update",
                            "unchanged": "0 structures unchanged", "errors": "0 rows with errors"}
    assert "Preview of the import into Occitanie" in page.text
    assert "Fablab des Carmes" in line(page, 2) and "create" in line(page, 2)
    assert actors(db) == []  # nothing written before the confirmation
    response = page.forms["import-confirm"].submit()
    assert response.status_int == 303
    assert response.headers["Location"].endswith("/actors?territory=occitanie")
    assert "Import done: 3 created, 0 updated, 0 unchanged." in response.follow().text
    carmes, curieux, museum = actors(db)
    assert [a.title for a in (carmes, curieux, museum)] == ["Fablab des Carmes", "Les Curieux",
                                                            "Muséum de la Garonne"]
    assert all(a.status == "published" and a.territory_id == occitanie.id for a in (carmes, curieux, museum))
    assert (carmes.actor_kind, carmes.source_ref, carmes.postcode, carmes.commune, carmes.department) == (
        "fablab", "OC-1", "31000", "Toulouse", "31")
    assert (carmes.latitude, carmes.longitude) == (43.6, 1.44)
    assert carmes.website == "https://fablab-carmes.example.org"
    assert carmes.email == "contact@carmes.example.org" and carmes.phone == "+33561000000"  # E.164
    assert carmes.audiences == ["general_public", "teenagers"]
    assert [t.slug for t in carmes.tags] == ["electronique", "robotique"]
    assert carmes.summary == "Un atelier ouvert." and carmes.author_id == animator.id
    assert museum.actor_kind == "museum" and museum.commune == "Toulouse" and museum.audiences == ["families"]
    assert sorted(t.slug for t in curieux.tags) == ["debats", "mediation"]
    # Without coordinates: at the centre of its commune, flagged approximate.
    assert (curieux.latitude, curieux.longitude, curieux.location_approximate) == (43.59945, 3.89609, True)
    assert not carmes.location_approximate
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "actors.imported")).all()
    assert entry.details == {"created": 3, "updated": 0, "unchanged": 0} and entry.actor_id == animator.id
    # The pending upload is gone: the same confirmation cannot run twice.
    response.follow()
    testapp_en.post(page.forms["import-confirm"].action, headers=csrf_headers(page), status=404)


LATIN1 = ("Identifiant;Nom;Catégorie;CP;Ville;Latitude;Longitude;Téléphone;Public\r\n"
          "B-1;Cœur de sciences;Musée;29200;Brest;48,39;-4,48;02 98 00 00 00;Scolaires\r\n"
          "B-2;Bibliothèque d'Évian;Médiathèque;35000;Rennes;48,11;-1,68;;Grand public\r\n")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig"])
def test_latin1_semicolon_file(testapp_en, db, factory, log_in, encoding):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    log_in(testapp_en, factory.user(roles={bretagne: "animator"}))
    text = LATIN1 if encoding == "cp1252" else LATIN1.replace("Cœur", "Coeur")  # œ is not in Latin-1
    page = upload(testapp_en, bretagne, text.encode(encoding))
    assert counts(page)["create"] == "2 structures to create"
    page.forms["import-confirm"].submit(status=303)
    library, heart = actors(db)
    assert heart.title == ("Cœur de sciences" if encoding == "cp1252" else "Coeur de sciences")
    assert library.title == "Bibliothèque d'Évian" and library.actor_kind == "library"
    assert (heart.latitude, heart.longitude, heart.department) == (48.39, -4.48, "29")
    assert heart.audiences == ["school_groups"]


def test_missing_required_columns(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, "nom,commune\nFablab,Toulouse\n", status=422)
    error = page.html.find(id="file-error").get_text(strip=True)
    assert error == "Missing columns: type, code postal. See the column list below."
    assert page.html.find(id="import-confirm") is None
    assert actors(db) == []


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"nom,type,code postal\n", "The file has no data rows."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Missing columns: nom, type, code postal. See the column list below."),
])
def test_unusable_files(testapp_en, db, occitanie, animator, log_in, content, message):
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, content, status=422)
    assert page.html.find(id="file-error").get_text(strip=True) == message
    assert actors(db) == []


def test_no_file_chosen(testapp_en, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    form = testapp_en.get("/actors/import").forms["import-form"]
    form["territory"] = str(occitanie.id)
    page = form.submit(status=422)
    assert page.html.find(id="file-error").get_text(strip=True) == "Choose a CSV file."


BAD_ROWS = """nom,type,code postal,latitude,longitude
Bon club,association,31000,43.6,1.44
Code postal inconnu,association,99999,,
Mauvaises coordonnées,fablab,31000,123,1.44
Genre inconnu,vaisseau spatial,31000,,
"Nom sur
deux lignes",association,,abc,
Autre bon club,fablab,34000,,
"""


def test_rows_with_errors_are_listed_and_block_the_import(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, BAD_ROWS)
    assert counts(page)["errors"] == "2 rows with errors"
    assert counts(page)["create"] == "4 structures to create"
    assert page.html.find(id="count-warnings").get_text(strip=True) == "2 rows imported with remarks"
    assert "The postcode “99999” does not exist in France." in line(page, 3)
    assert "error" in line(page, 3)
    # Bad coordinates, an unknown kind: remarks, the row is still imported.
    assert "latitude “123” is not a number between -90 and 90: ignored." in line(page, 4)
    assert "Approximate location (centre of the commune)" in line(page, 4)
    assert "Kind “vaisseau spatial” not recognised: recorded as “Other” with this label." in line(page, 5)
    # Spreadsheet rows: the quoted cell over two lines is row 6, whatever the file's lines.
    assert "Nom sur deux lignes" in line(page, 6) and "latitude “abc” is not a number" in line(page, 6)
    assert "Autre bon club" in line(page, 7) and line(page, 8) is None
    assert page.html.find(id="skip_errors") is not None
    # Confirming without "skip" is refused, with the preview and a message; nothing written.
    refused = page.forms["import-confirm"].submit(status=422)
    assert "Some rows have errors" in refused.html.select_one(".form-errors").get_text()
    assert refused.html.find(id="import-confirm") is not None
    assert actors(db) == []
    # With "skip the rows with errors": the good rows only.
    form = refused.forms["import-confirm"]
    form["skip_errors"] = True
    response = form.submit(status=303)
    followed = response.follow()
    assert "Import done: 4 created, 0 updated, 0 unchanged." in followed.text
    assert "2 rows with errors were not imported." in followed.text
    assert [a.title for a in actors(db)] == ["Autre bon club", "Bon club", "Genre inconnu", "Mauvaises coordonnées"]
    unknown = actors(db)[2]
    assert unknown.actor_kind == "other" and unknown.kind_label_source == "vaisseau spatial"
    assert unknown.actor_kind_label == "vaisseau spatial"


def test_reimport_is_idempotent(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    upload(testapp_en, occitanie, GOOD).forms["import-confirm"].submit(status=303)
    before = [(a.id, a.title, a.updated_at) for a in actors(db)]
    page = upload(testapp_en, occitanie, GOOD)
    assert counts(page) == {"create": "0 structures to create", "update": "0 structures to update",
                            "unchanged": "3 structures unchanged", "errors": "0 rows with errors"}
    response = page.forms["import-confirm"].submit(status=303)
    assert "Import done: 0 created, 0 updated, 3 unchanged." in response.follow().text
    assert [(a.id, a.title, a.updated_at) for a in actors(db)] == before
    assert db.session.scalar(select(func.count(Tag.id))) == 5

    # One changed row is one update; a structure matched by name and commune when the
    # file has no identifier column.
    changed = GOOD.replace("Un atelier ouvert.", "Un atelier ouvert à tous.")
    page = upload(testapp_en, occitanie, changed)
    assert counts(page)["update"] == "1 structure to update" and counts(page)["unchanged"] == "2 structures unchanged"
    page.forms["import-confirm"].submit(status=303)
    without_ids = "nom,type,code postal,commune\nLES CURIEUX,association,34000,Montpellier\n"
    page = upload(testapp_en, occitanie, without_ids)
    assert counts(page)["create"] == "0 structures to create"
    page.forms["import-confirm"].submit(status=303)
    assert len(actors(db)) == 3
    assert next(a for a in actors(db) if a.source_ref == "OC-1").summary == "Un atelier ouvert à tous."


def test_an_empty_cell_keeps_what_the_structure_has(testapp_en, db, occitanie, animator, make_actor, log_in):
    make_actor(occitanie, "Les Curieux", postcode="34000", summary="Écrit par l'équipe", website="https://a.example")
    log_in(testapp_en, animator)
    upload(testapp_en, occitanie, "nom,type,code postal,résumé,site\nLes Curieux,association,34000,,\n"
           ).forms["import-confirm"].submit(status=303)
    [actor] = actors(db)
    assert actor.summary == "Écrit par l'équipe" and actor.website == "https://a.example"


def test_identifiers_belong_to_their_territory(testapp_en, db, occitanie, factory, log_in):
    bretagne = factory.territory(slug="bretagne")
    admin = factory.user(admin=True)
    log_in(testapp_en, admin)
    upload(testapp_en, occitanie, "id,nom,type,code postal\n1,Club toulousain,association,31000\n"
           ).forms["import-confirm"].submit(status=303)
    page = upload(testapp_en, bretagne, "id,nom,type,code postal\n1,Club brestois,association,29200\n")
    assert counts(page)["create"] == "1 structure to create"
    page.forms["import-confirm"].submit(status=303)
    assert [(a.title, a.territory.slug) for a in actors(db)] == [("Club brestois", "bretagne"),
                                                                 ("Club toulousain", "occitanie")]


def test_duplicate_rows_in_one_file(testapp_en, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    content = "nom,type,code postal\nClub,association,31000\nCLUB,association,31000\nClub,association,34000\n"
    page = upload(testapp_en, occitanie, content)
    assert "Duplicate of row 2 in this file." in line(page, 3)
    assert counts(page)["create"] == "2 structures to create"


def test_too_many_rows_are_refused(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    rows = "".join(f"Club {n},association,31000\n" for n in range(MAX_ROWS + 1))
    page = upload(testapp_en, occitanie, "nom,type,code postal\n" + rows, status=422)
    assert page.html.find(id="file-error").get_text(strip=True) == (
        "The file has more than 10,000 rows: split it into several files.")
    assert actors(db) == []


def test_formulas_are_neutralised(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    content = ("nom,type,code postal,résumé,téléphone,adresse,latitude,longitude\n"
               "\"=cmd|' /C calc'!A0\",association,31000,+SUM(1),+33 5 61 00 00 00,@x,+43.6,-1.5\n")
    page = upload(testapp_en, occitanie, content)
    assert "started like a spreadsheet formula" in line(page, 2)
    page.forms["import-confirm"].submit(status=303)
    [actor] = actors(db)
    assert actor.title == "'=cmd|' /C calc'!A0"
    assert actor.summary == "'+SUM(1)" and actor.address == "'@x"
    assert actor.phone == "+33561000000"  # a phone number is not a formula
    assert (actor.latitude, actor.longitude) == (43.6, -1.5)


def test_an_import_token_belongs_to_its_uploader(testapp_en, db, occitanie, animator, factory, log_in):
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, GOOD)
    action = page.forms["import-confirm"].action
    testapp_en.reset()
    log_in(testapp_en, factory.user(roles={occitanie: "animator"}))
    headers = csrf_headers(testapp_en.get("/actors/import"))
    testapp_en.post(action, headers=headers, status=403)
    testapp_en.post("/actors/import/not-a-real-token-at-all", headers=headers, status=404)
    testapp_en.post("/actors/import/..%2F..%2Fsecret_key", headers=headers, status=404)
    assert actors(db) == []


@pytest.mark.parametrize("role", [None, "member", "contributor"])
def test_non_animators_cannot_import(testapp_en, db, occitanie, factory, log_in, role):
    log_in(testapp_en, factory.user(roles={occitanie: role} if role else None))
    testapp_en.get("/actors/import", status=403)
    headers = csrf_headers(testapp_en.get("/actors"))
    testapp_en.post("/actors/import", {"territory": str(occitanie.id)}, headers=headers, status=403)


def test_animator_imports_only_into_their_territory(testapp_en, db, occitanie, animator, factory, log_in):
    other = factory.territory()
    log_in(testapp_en, animator)
    form = testapp_en.get("/actors/import").forms["import-form"]
    assert [value for value, _selected, _label in form["territory"].options] == [str(occitanie.id)]
    form["territory"].force_value(str(other.id))
    form["file"] = ("f.csv", GOOD.encode(), "text/csv")
    form.submit(status=422)
    assert actors(db) == []


def big_file(n):
    communes = [("31000", "Toulouse", 43.6, 1.44), ("34000", "Montpellier", 43.61, 3.87),
                ("29200", "Brest", 48.39, -4.48), ("38000", "Grenoble", 45.18, 5.72)]
    kinds = ["association", "fablab", "musée", "médiathèque", "laboratoire"]
    lines = ["identifiant;nom;type;code postal;commune;latitude;longitude;publics;thèmes;résumé"]
    for i in range(n):
        postcode, commune, lat, lng = communes[i % 4]
        lines.append(f"R{i};Structure n°{i};{kinds[i % 5]};{postcode};{commune};{lat + i / 1e5:.5f};"
                     f"{lng:.5f};grand public|enfants;thème {i % 12}|sciences;Résumé {i}")
    return ("\n".join(lines) + "\n").encode("cp1252")


@pytest.mark.slow  # 3-5 s
def test_a_5000_row_file_previews_and_imports(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    started = time.perf_counter()
    page = upload(testapp_en, occitanie, big_file(5000))
    assert counts(page)["create"] == "5000 structures to create"
    assert len(page.html.select(".import-preview tbody tr")) == 200
    page.forms["import-confirm"].submit(status=303)
    refresh(db)
    assert db.session.scalar(select(func.count(Actor.id))) == 5000
    assert db.session.scalar(select(func.count(Actor.id)).where(Actor.status == "published")) == 5000
    sample = db.session.scalar(select(Actor).where(Actor.source_ref == "R4321"))
    assert (sample.title, sample.commune, sample.actor_kind) == ("Structure n°4321", "Montpellier", "fablab")
    assert sorted(t.slug for t in sample.tags) == ["sciences", "theme-1"]
    assert db.session.scalar(select(func.count(Tag.id))) == 13
    # Re-importing it changes nothing.
    page = upload(testapp_en, occitanie, big_file(5000))
    assert counts(page)["unchanged"] == "5000 structures unchanged"
    assert time.perf_counter() - started < 120


# --- CLI -----------------------------------------------------------------------------------------
@pytest.fixture
def csv_file(tmp_path):
    def write(content, name="census.csv"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return str(path)

    return write


def test_cli_imports_and_is_idempotent(runner, db, occitanie, csv_file):
    path = csv_file(GOOD)
    result = runner.invoke(args=["csti", "import-actors", path, "--territory", "occitanie", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "3 to create, 0 to update, 0 unchanged, 0 rows with errors" in result.output
    assert "Imported: 3 created, 0 updated, 0 unchanged." in result.output
    assert len(actors(db)) == 3
    assert all(a.author_id is None and a.is_published for a in actors(db))
    result = runner.invoke(args=["csti", "import-actors", path, "--territory", "occitanie", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Imported: 0 created, 0 updated, 3 unchanged." in result.output
    assert len(actors(db)) == 3


def test_cli_dry_run_writes_nothing(runner, db, occitanie, csv_file):
    result = runner.invoke(args=["csti", "import-actors", csv_file(GOOD), "--territory", "occitanie", "--dry-run",
                                  "--lang", "en"])
    assert result.exit_code == 0
    assert "3 to create" in result.output and "Imported" not in result.output
    assert actors(db) == []


def test_cli_rows_with_errors(runner, db, occitanie, csv_file):
    path = csv_file(BAD_ROWS)
    result = runner.invoke(args=["csti", "import-actors", path, "--territory", "occitanie", "--lang", "en"])
    assert result.exit_code == 1
    assert "row 3: The postcode “99999” does not exist in France." in result.output
    assert "row 6: The postcode is empty." in result.output
    assert "nothing imported" in result.output
    assert actors(db) == []
    result = runner.invoke(args=["csti", "import-actors", path, "--territory", "occitanie", "--skip-errors",
                                  "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Imported: 4 created" in result.output
    assert len(actors(db)) == 4


def test_cli_bad_file_and_bad_territory(runner, db, occitanie, csv_file):
    result = runner.invoke(args=["csti", "import-actors", csv_file("nom\nX\n"), "--territory", "occitanie", "--lang", "en"])
    assert result.exit_code == 1 and "Missing columns: type, code postal" in result.output
    result = runner.invoke(args=["csti", "import-actors", csv_file(GOOD), "--territory", "nowhere"])
    assert result.exit_code == 2 and "no territory 'nowhere'" in result.output
    result = runner.invoke(args=["csti", "import-actors", "/nonexistent.csv", "--territory", "occitanie"])
    assert result.exit_code == 2
    assert actors(db) == []


def test_postcodes_and_communes(testapp_en, db, occitanie, animator, log_in):
    log_in(testapp_en, animator)
    content = ("nom,type,code postal,commune\n"
               "Club alpin,association,38400,saint martin d'heres\n"  # spelt loosely: no warning
               "Club ariégeois,association,9000,Foix\n"  # a spreadsheet dropped the leading zero
               "Club égaré,association,31000,Paris\n"
               "Club sans code,association,,Albi\n")
    page = upload(testapp_en, occitanie, content)
    assert "is not at" not in line(page, 2)
    assert "Commune “Paris” is not at 31000: Toulouse used." in line(page, 4)
    assert "The postcode is empty." in line(page, 5)
    form = page.forms["import-confirm"]
    form["skip_errors"] = True
    form.submit(status=303)
    communes = {a.title: (a.postcode, a.commune, a.department) for a in actors(db)}
    assert communes == {"Club alpin": ("38400", "Saint-Martin-d'Hères", "38"),
                        "Club ariégeois": ("09000", "Foix", "09"),
                        "Club égaré": ("31000", "Toulouse", "31")}


# --- territories: an import never touches another territory's structures ------------------------
def test_a_same_named_structure_of_another_territory_is_not_overwritten(testapp_en, db, occitanie, animator,
                                                                        factory, make_actor, log_in):
    other = factory.territory(slug="ailleurs", name="Ailleurs")
    theirs = make_actor(other, "Club des sciences", postcode="31000", summary="Leur texte",
                        website="https://leur.example")
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, "nom,type,code postal,résumé,site\n"
                                         "Club des sciences,association,31000,Notre texte,https://notre.example\n")
    assert counts(page)["create"] == "1 structure to create" and counts(page)["update"] == "0 structures to update"
    page.forms["import-confirm"].submit(status=303)
    refresh(db)
    theirs = db.session.get(Actor, theirs.id)
    assert (theirs.summary, theirs.website, theirs.territory_id) == ("Leur texte", "https://leur.example", other.id)
    ours = db.session.scalar(select(Actor).where(Actor.territory_id == occitanie.id))
    assert ours.title == "Club des sciences" and ours.summary == "Notre texte" and ours.id != theirs.id


def test_csti_id_updates_a_renamed_structure_of_the_territory(testapp_en, db, occitanie, animator, make_actor,
                                                              log_in):
    ours = make_actor(occitanie, "Fablab des Carmes", postcode="31000")
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, f"csti_id,nom,type,code postal\n{ours.id},Carmes Lab,fablab,31000\n")
    assert counts(page)["update"] == "1 structure to update" and counts(page)["create"] == "0 structures to create"
    page.forms["import-confirm"].submit(status=303)
    [actor] = actors(db)
    assert (actor.id, actor.title) == (ours.id, "Carmes Lab")


def test_csti_id_of_another_territory_is_ignored(testapp_en, db, occitanie, animator, factory, make_actor, log_in):
    other = factory.territory(slug="ailleurs", name="Ailleurs")
    theirs = make_actor(other, "Leur musée", kind="museum", postcode="29200")
    log_in(testapp_en, animator)
    page = upload(testapp_en, occitanie, f"csti_id,nom,type,code postal\n{theirs.id},Pris en otage,fablab,31000\n"
                                         "999999,Inconnu,fablab,31000\n")
    assert f"csti_id {theirs.id} is not a structure of Occitanie: ignored." in line(page, 2)
    assert "csti_id 999999 is not a structure of Occitanie: ignored." in line(page, 3)
    assert counts(page)["create"] == "2 structures to create"
    page.forms["import-confirm"].submit(status=303)
    refresh(db)
    theirs = db.session.get(Actor, theirs.id)
    assert (theirs.title, theirs.actor_kind, theirs.territory_id) == ("Leur musée", "museum", other.id)
    assert sorted(a.title for a in actors(db) if a.territory_id == occitanie.id) == ["Inconnu", "Pris en otage"]


def test_identifiers_of_another_territory_do_not_match(runner, db, occitanie, factory, make_actor, csv_file):
    other = factory.territory(slug="ailleurs")
    theirs = make_actor(other, "Leur club", postcode="31000")
    theirs.source_ref = "R1"
    db.session.commit()
    result = runner.invoke(args=["csti", "import-actors", csv_file("id,nom,type,code postal\nR1,Notre club,association,31000\n"),
                                 "--territory", "occitanie", "--lang", "en"])
    assert "Imported: 1 created, 0 updated" in result.output, result.output
    refresh(db)
    assert db.session.get(Actor, theirs.id).title == "Leur club"
