"""The census import cell by cell: column names, kinds, postcodes (CEDEX, Corsica, overseas),
phone numbers, e-mails, websites, control characters."""
import pytest
from flask_babel import force_locale

from csti.blueprints.actors.census import check_row, column_key, read_rows, resolve_kind
from csti.models import Actor


@pytest.fixture
def en(app):
    with app.test_request_context(), force_locale("en"):
        yield


def row(**cells):
    base = {"name": "Club", "kind": "association", "postcode": "31000", "commune": ""}
    return check_row(2, base | cells)


@pytest.mark.parametrize("header, key", [
    ("Nom de la structure", "name"), ("NOM", "name"), ("Raison sociale", "name"), ("Type de structure", "kind"),
    ("Catégorie", "kind"), ("Site internet", "website"), ("Site Web", "website"), ("Adresse e-mail", "email"),
    ("E-mail", "email"), ("Courriel", "email"), ("Téléphone", "phone"), ("Tél.", "phone"), ("Code postal", "postcode"),
    ("CP", "postcode"), ("Ville", "commune"), ("Thématiques", "tags"), ("Mots-clés", "tags"), ("Publics visés", "audiences"),
    ("Adresse", "address"), ("Complément d'adresse", "address2"), ("N° SIRET", "siret"), ("csti_id", "csti_id"),
    ("Telephonne", "phone"),  # spelt close enough
    ("Nom du contact", None), ("Date de mise à jour", None), ("Commentaires", None), ("", None),
])
def test_column_names(header, key):
    assert column_key(header) == key


def test_unknown_and_unnamed_columns_are_listed(en):
    rows, columns, ignored = read_rows("Nom;Type;CP;Effectif;;\r\nClub;asso;31000;12;x;\r\n")
    assert columns == {"name": "Nom", "kind": "Type", "postcode": "CP"}
    assert ignored == ["Effectif", "column 5 (no name)"]  # the empty column 6 is just trailing


@pytest.mark.parametrize("label, kind", [
    ("MJC", "after_school"), ("Fab Lab", "fablab"), ("Bibliothèque municipale", "library"), ("Médiatèque", "library"),
    ("Planétarium", "museum"), ("Association loi 1901", "association"), ("CCSTI", "museum"), ("Muséum", "museum"),
    ("Tiers-lieu", "third_place"), ("Laboratoire CNRS", "research"), ("Office de tourisme", "tourism"),
    ("Collège", "school"), ("École doctorale", "university"), ("Fablab / makerspace", "fablab"),
    ("Research organisation", "research"), ("musee", "museum"),
])
def test_kinds(en, label, kind):
    assert resolve_kind(label) == (kind, True)


def test_an_unknown_kind_is_other_with_its_label(en):
    result = row(kind="Ferme pédagogique")
    assert not result.errors
    assert (result.values["kind"], result.values["kind_label"]) == ("other", "Ferme pédagogique")
    assert result.warnings[0] == "Kind “Ferme pédagogique” not recognised: recorded as “Other” with this label."


@pytest.mark.parametrize("postcode, commune, insee, department, regular", [
    ("31077 Cedex", "TOULOUSE CEDEX 4", "31555", "31", "31100"),
    ("", "31077 TOULOUSE CEDEX 4", "31555", "31", "31100"),
    ("31077", "Toulouse Cedex", "31555", "31", "31100"),
    ("34967 CEDEX 2", "Montpellier", "34172", "34", "34090"),
    ("20187 Cedex 1", "Ajaccio", "2A004", "2A", "20167"),
    ("20090", "Ajaccio", "2A004", "2A", "20090"),
    ("20600", "Furiani", "2B120", "2B", "20600"),
    ("20200", "BASTIA", "2B033", "2B", "20200"),
    ("97110", "Pointe-à-Pitre", "97120", "971", "97110"),
    ("97200", "Fort-de-France", "97209", "972", "97200"),
    ("97600", "Mamoudzou", "97611", "976", "97600"),
    ("9000", "Foix", "09122", "09", "09000"),
    ("31 000", "", "31555", "31", "31000"),
])
def test_postcodes(en, postcode, commune, insee, department, regular):
    result = row(postcode=postcode, commune=commune)
    assert not result.errors, result.errors
    v = result.values
    assert (v["insee"], v["department"], v["postcode"]) == (insee, department, regular)
    assert v["latitude"] is not None and v["approximate"]  # placed at the commune's centre


def test_the_address_gives_the_postcode_only_from_a_town_line(en):
    result = row(postcode="", commune="", address="12 rue Pasteur\n31000 Toulouse")
    assert not result.errors and result.values["insee"] == "31555"
    result = row(postcode="", commune="", address="12 rue Pasteur\nBP 1234")
    assert result.errors == ["The postcode is empty."]


def test_a_postcode_of_no_department_is_an_error(en):
    assert row(postcode="99999", commune="Paris").errors == ["The postcode “99999” does not exist in France."]


def test_a_cedex_code_without_a_known_commune_is_an_error(en):
    result = row(postcode="31077 Cedex", commune="Nulle-Part")
    assert result.errors == ["The postcode “31077” is not a commune's postcode (a CEDEX code?) and no commune "
                             "“Nulle-Part” was found in its department: give the commune's own postcode."]


@pytest.mark.parametrize("cell, department, stored", [
    ("05 61 00 00 00", "31", "+33561000000"), ("0561000000", "31", "+33561000000"),
    ("+33 5 61 00 00 00", "31", "+33561000000"), ("05.61.00.00.00", "31", "+33561000000"),
    ("(0)5 61 00 00 00", "31", "+33561000000"), ("+33 (0)5 61 00 00 00", "31", "+33561000000"),
    ("05-61-00-00-00", "31", "+33561000000"), ("0590 12 34 56", "971", "+590590123456"),
    ("02 62 12 34 56", "974", "+262262123456"), ("04 95 12 34 56", "2A", "+33495123456"),
])
def test_phones(en, cell, department, stored):
    postcode = {"31": "31000", "971": "97110", "974": "97400", "2A": "20000"}[department]
    result = row(phone=cell, postcode=postcode)
    assert result.values["phone"] == stored and not [w for w in result.warnings if "phone" in w]


def test_two_phones_and_bad_phones(en):
    two = row(phone="05 61 00 00 00 / 06 12 34 56 78")
    assert two.values["phone"] == "+33561000000"
    assert "Several phone numbers: only the first one kept (+33612345678 left out)." in two.warnings
    bad = row(phone="à venir")
    assert bad.values["phone"] == "" and not bad.errors
    assert "The phone number “à venir” is not valid: left empty." in bad.warnings
    assert row(phone="n/a").values["phone"] == "" and not [w for w in row(phone="n/a").warnings if "phone" in w]


@pytest.mark.parametrize("cell, stored, warned", [
    ("www.site.fr", "https://www.site.fr", False), ("site.fr/page", "https://site.fr/page", False),
    ("http://site.fr", "http://site.fr", False), ("n/a", "", False), ("", "", False),
    ("site en construction", "", True), ("http://", "", True),
])
def test_websites(en, cell, stored, warned):
    result = row(website=cell)
    assert result.values["website"] == stored and not result.errors
    assert any("web address" in w for w in result.warnings) == warned


@pytest.mark.parametrize("cell, stored, warned", [
    ("Contact@Site.FR", "contact@site.fr", False), (" mailto:a@site.fr ", "a@site.fr", False),
    ("n/a", "", False), ("contact @site.fr", "", True), ("contact.site.fr", "", True),
    ("a@site.fr; b@site.fr", "a@site.fr", True),
])
def test_emails(en, cell, stored, warned):
    result = row(email=cell)
    assert result.values["email"] == stored and not result.errors
    assert bool([w for w in result.warnings if "e-mail" in w]) == warned


def test_control_characters_are_dropped_but_newlines_kept(en):
    rows, _columns, _ignored = read_rows('nom,type,code postal,description\r\n'
                                         '"Club\x00 des\x07 sciences\x1b",association,31000,"Ligne 1\r\nLigne\t2\x0c"\r\n')
    [(number, cells)] = rows
    assert number == 2
    assert cells["name"] == "Club des sciences"
    assert cells["description"] == "Ligne 1\nLigne 2"


@pytest.mark.parametrize("phone, shown", [
    ("+33561000000", "05 61 00 00 00"), ("+590590123456", "0590 12 34 56"), ("+262262123456", "0262 12 34 56"),
    ("+41223456789", "+41 22 345 67 89"), ("05 61 00 00 00", "05 61 00 00 00"), ("pas un numéro", "pas un numéro"),
])
def test_phone_display(phone, shown):
    assert Actor(phone=phone).phone_display == shown
