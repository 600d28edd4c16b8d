"""The map's GeoJSON and the CSV export honour the directory's filters."""
import csv
import io
import json

import pytest


@pytest.fixture
def located(factory, make_actor):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    make_actor(bretagne, "Océanopolis", kind="museum", postcode="29200", lat=48.390412, lng=-4.486123,
               audiences=["families"], tags=["mer"])
    make_actor(bretagne, "LabFab rennais", kind="fablab", postcode="35000", lat=48.1173, lng=-1.6778)
    make_actor(bretagne, "Club sans adresse", kind="fablab", postcode="35000")  # not on the map
    make_actor(occitanie, "FabLab des Carmes", kind="fablab", postcode="31000", lat=43.6, lng=1.44)
    make_actor(occitanie, "Proposé", kind="fablab", postcode="31000", lat=43.6, lng=1.44, status="pending")
    return bretagne, occitanie


def names(collection):
    return sorted(f["properties"]["name"] for f in collection["features"])


def test_geojson_is_a_feature_collection_of_located_published_structures(testapp_en, located):
    response = testapp_en.get("/actors.geojson")
    assert response.content_type == "application/geo+json"
    data = json.loads(response.text)
    assert data["type"] == "FeatureCollection"
    assert names(data) == ["FabLab des Carmes", "LabFab rennais", "Océanopolis"]
    brest = next(f for f in data["features"] if f["properties"]["name"] == "Océanopolis")
    assert brest["type"] == "Feature"
    assert brest["geometry"] == {"type": "Point", "coordinates": [-4.486123, 48.390412]}  # [lng, lat]
    assert brest["properties"]["kind"] == "museum"
    assert brest["properties"]["commune"] == "Brest"
    assert brest["properties"]["url"].startswith("/actor/")
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize("query, expected", [
    ("kind=fablab", ["FabLab des Carmes", "LabFab rennais"]),
    ("territory=bretagne", ["LabFab rennais", "Océanopolis"]),
    ("department=29", ["Océanopolis"]),
    ("audience=families&tag=mer", ["Océanopolis"]),
    ("kind=fablab&department=35", ["LabFab rennais"]),
    ("q=carmes", ["FabLab des Carmes"]),
    ("kind=nonsense", ["FabLab des Carmes", "LabFab rennais", "Océanopolis"]),
])
def test_geojson_honours_the_filters(testapp_en, located, query, expected):
    assert names(json.loads(testapp_en.get(f"/actors.geojson?{query}").text)) == expected


def test_geojson_download(testapp_en, located):
    response = testapp_en.get("/actors.geojson?download=1&kind=museum")
    assert response.headers["Content-Disposition"] == 'attachment; filename="structures.geojson"'
    assert names(json.loads(response.text)) == ["Océanopolis"]


def test_directory_links_to_the_exports_with_its_filters(testapp_en, located):
    page = testapp_en.get("/actors?kind=fablab&territory=bretagne")
    hrefs = [a["href"] for a in page.html.select(".results a")]
    assert "/actors.csv?kind=fablab&territory=bretagne" in hrefs
    assert "/actors.geojson?download=1&kind=fablab&territory=bretagne" in hrefs


def read_csv(response):
    assert not response.body.startswith(b"\xef\xbb\xbf")  # plain UTF-8: the Excel variant has the BOM
    return list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))


def test_csv_export_honours_the_filters(testapp_en, located):
    response = testapp_en.get("/actors.csv?kind=fablab")
    assert response.content_type == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    assert response.headers["Content-Disposition"] == 'attachment; filename="structures.csv"'
    rows = read_csv(response)
    assert [r["name"] for r in rows] == ["Club sans adresse", "FabLab des Carmes", "LabFab rennais"]
    rennes = rows[2]
    assert rennes["kind"] == "fablab" and rennes["postcode"] == "35000" and rennes["commune"] == "Rennes"
    assert rennes["department"] == "35" and rennes["territory"] == "bretagne"
    assert rennes["url"].startswith("http://localhost/actor/")
    assert rows[0]["latitude"] == "" and rows[0]["longitude"] == ""
    assert len(read_csv(testapp_en.get("/actors.csv"))) == 4  # published only


def test_csv_export_neutralises_formulas(testapp_en, factory, make_actor):
    territory = factory.territory(slug="bretagne")
    make_actor(territory, "=cmd|' /C calc'!A0", postcode="29200", lat=48.39, lng=-4.48,
               summary="+SUM(1)", address="@x", phone="-1+1", website="https://example.org")
    make_actor(territory, "Normal", postcode="29200", summary="Plain text", lat=48.39, lng=-4.48,
               address="- rez-de-chaussée", phone="+33298000000")
    rows = {r["csti_id"]: r for r in read_csv(testapp_en.get("/actors.csv"))}
    bad, good = sorted(rows.values(), key=lambda r: r["name"] != "'=cmd|' /C calc'!A0")
    assert bad["name"] == "'=cmd|' /C calc'!A0"
    assert bad["summary"] == "'+SUM(1)"
    assert bad["address"] == "'@x"
    assert bad["phone"] == "'-1+1"
    # Numbers are data: a negative longitude stays a number a spreadsheet can compute with.
    assert bad["longitude"] == "-4.48" and bad["latitude"] == "48.39"
    assert good["name"] == "Normal" and good["summary"] == "Plain text"
    # Not formulas: a phone number, text after a dash (no quote added: the export round-trips).
    assert good["phone"] == "+33298000000" and good["address"] == "- rez-de-chaussée"


def test_csv_export_imports_back(testapp_en, runner, db, tmp_path, located):
    """What the directory exports, the census import reads back without creating duplicates."""
    export = tmp_path / "export.csv"
    export.write_bytes(testapp_en.get("/actors.csv?territory=bretagne").body)
    result = runner.invoke(args=["csti", "import-actors", str(export), "--territory", "bretagne", "--dry-run",
                                  "--lang", "en"])
    assert result.exit_code == 0, result.output
    # The structure without a location is placed at its commune's centre: the one change.
    assert "0 to create, 1 to update, 2 unchanged, 0 rows with errors" in result.output


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+SUM(1)", "'+SUM(1)"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Musée", "Musée"), ("", ""), (None, ""),
    (-4.48, "-4.48"), (12, "12"), ("a=b", "a=b"),
    # Data, not formulas: phone numbers, signed numbers, text after a dash or a plus.
    ("+33 5 61 00 00 00", "+33 5 61 00 00 00"), ("+33561000000", "+33561000000"), ("-4.48", "-4.48"),
    ("- un atelier ouvert", "- un atelier ouvert"), ("+ de 300 visiteurs", "+ de 300 visiteurs"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"), ("+A1*2", "'+A1*2"), ("@x", "'@x"), ("-HYPERLINK(x)", "'-HYPERLINK(x)"),
])
def test_neutralise(value, expected):
    from csti.blueprints.actors.operations import neutralise

    assert neutralise(value) == expected
