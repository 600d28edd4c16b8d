"""The regional census import: a CSV file of structures, previewed row by row before
anything is written, then imported in one transaction. Idempotent: a row matches an
existing structure by its identifier column, else by name and commune, and updates it.

Accepted: UTF-8 (with or without BOM) or Latin-1/Windows-1252, comma or semicolon separated.
Column names are matched accent- and case-insensitively against the aliases below (the
README documents them).
"""
from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_number
from sqlalchemy import select

from ...extensions import db
from ...i18n import gettext as _
from ...models.actors import ACTOR_KINDS, Actor
from ...models.audiences import AUDIENCES
from ...models.tags import Tag
from ...text import fold, slugify
from .geo import department_of_postcode, departments, find_commune, find_in_department, postcode_exists
from .operations import is_formula, phone_numbers, set_location

MAX_ROWS = 10_000
MAX_BYTES = 20 * 1024 * 1024

# Column names, compared once normalised (see _norm: no case, accents, punctuation, plurals, nor
# words such as "de la structure"), then by close spelling.
COLUMNS = {
    "csti_id": ["csti_id", "identifiant csti"],
    "ref": ["identifiant", "id", "ref", "reference", "code structure", "numero"],
    "name": ["nom", "name", "structure", "raison sociale", "denomination", "intitule", "organisme",
             "etablissement", "nom usuel", "libelle"],
    "kind": ["type", "kind", "categorie", "category", "typologie", "nature", "famille", "type acteur"],
    "summary": ["resume", "summary", "accroche", "presentation courte"],
    "description": ["description", "presentation", "activites"],
    "address": ["adresse", "address", "rue", "adresse postale", "voie", "adresse ligne 1", "adresse 1"],
    "address2": ["complement adresse", "adresse ligne 2", "adresse 2", "complement"],
    "postcode": ["code postal", "cp", "postcode", "zip", "zip code", "postal code"],
    "commune": ["commune", "ville", "city", "localite", "town"],
    "latitude": ["latitude", "lat"],
    "longitude": ["longitude", "lon", "lng", "long"],
    "approximate": ["approximate_location", "localisation approximative"],
    "website": ["site web", "site", "website", "url", "site internet", "internet", "web", "lien"],
    "email": ["email", "courriel", "mail", "adresse email", "adresse mail", "mel", "email contact"],
    "phone": ["telephone", "tel", "phone", "telephone fixe", "standard", "tel fixe", "numero telephone"],
    "audiences": ["publics", "public", "audiences", "public cible", "publics vises"],
    "tags": ["themes", "thematiques", "tags", "mots-cles", "domaines", "disciplines"],
    "siret": ["siret", "numero siret"],
    "rna": ["rna", "numero rna"],
}
REQUIRED = ("name", "kind", "postcode")
# What the preview calls each field (the first name is the one the README and messages use).
FIELD_NAMES = {key: names[0] for key, names in COLUMNS.items()}
DELIMITERS = (",", ";", "\t")
_STOP_WORDS = {"de", "la", "le", "les", "du", "des", "d", "l", "a", "au", "aux", "et", "en", "the", "of",
               "structure", "n", "no"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Control characters (a pasted Word text, a stray NUL) go; a newline in a quoted cell stays.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")
PLACEHOLDERS = {"", "n/a", "na", "nc", "n c", "neant", "aucun", "aucune", "non", "non renseigne", "inconnu",
                "-", "--", "/", "?", "x", "0", "none", "null", "nan", "sans", "pas de site", "pas d email"}


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _norm(header: str) -> str:
    """'Nom de la structure' → 'nom'; 'Adresse e-mail' → 'adresse email'; 'Thématiques' → 'thematique'."""
    text = _NON_ALNUM.sub(" ", fold(header).replace("e-mail", "email").replace("e mail", "email"))
    words = [_singular(w) for w in text.split()]
    kept = [w for w in words if w not in _STOP_WORDS]
    return " ".join(kept or words)


ALIASES = {_norm(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


def column_key(header: str) -> str | None:
    """Our field for a column name: an alias once normalised, else the one spelt closest."""
    norm = _norm(header)
    if not norm:
        return None
    if norm in ALIASES:
        return ALIASES[norm]
    close = difflib.get_close_matches(norm, list(ALIASES), n=1, cutoff=0.86)
    return ALIASES[close[0]] if close else None


# --- kinds ------------------------------------------------------------------------------------
# The words of the census files (folded), the longest match first: "école doctorale" is a
# university, "école" a school. Matched as whole words inside the cell ("Bibliothèque
# municipale de Foix" → library), then by close spelling ("Médiatèque").
KIND_WORDS = {
    "association": ["association", "asso", "association loi 1901", "loi 1901", "associatif", "federation",
                    "reseau associatif", "petits debrouillards", "club", "societe savante", "amicale",
                    "club astronomie", "club d astronomie", "education populaire"],
    "fablab": ["fablab", "fab lab", "fab-lab", "makerspace", "maker space", "hackerspace", "hacklab",
               "atelier de fabrication numerique", "atelier numerique", "repair cafe", "living lab"],
    "museum": ["musee", "museum", "museum d histoire naturelle", "centre de sciences", "centre de culture scientifique",
               "ccsti", "planetarium", "observatoire", "aquarium", "ecomusee", "jardin botanique", "parc zoologique",
               "zoo", "cite des sciences", "espace des sciences", "maison des sciences", "science centre",
               "science center", "centre d interpretation", "site patrimonial", "patrimoine", "maison du patrimoine",
               "conservatoire botanique", "cite de l espace"],
    "research": ["laboratoire", "labo", "laboratoire cnrs", "cnrs", "inserm", "inrae", "inria", "cea", "ird",
                 "ifremer", "cnes", "onera", "brgm", "organisme de recherche", "recherche", "institut de recherche",
                 "unite de recherche", "umr", "station de recherche", "station biologique", "centre de recherche"],
    "university": ["universite", "university", "enseignement superieur", "ecole d ingenieurs", "ecole d ingenieur",
                   "ecole doctorale", "grande ecole", "iut", "ecole normale superieure", "ens", "inspe",
                   "campus", "faculte", "cnam", "insa"],
    "library": ["bibliotheque", "mediatheque", "bibliotheque municipale", "bibliotheque departementale",
                "bibliotheque universitaire", "library", "ludotheque", "centre de documentation", "archives"],
    "company": ["entreprise", "company", "societe", "sarl", "sas", "sa", "eurl", "startup", "start up", "pme",
                "industrie", "industriel", "scop", "scic", "cooperative", "bureau d etudes", "agence"],
    "tourism": ["tourisme", "office de tourisme", "office du tourisme", "syndicat d initiative",
                "parc naturel regional", "parc national", "site touristique", "base de loisirs", "point info tourisme"],
    "third_place": ["tiers lieu", "tiers-lieu", "tiers lieux", "espace de coworking", "coworking", "friche",
                    "espace public numerique", "epn", "lieu hybride", "cafe associatif", "maison france services",
                    "france services", "pole numerique"],
    "after_school": ["periscolaire", "mjc", "maison des jeunes et de la culture", "maison des jeunes",
                     "centre social", "centre socioculturel", "centre socio culturel", "centre de loisirs",
                     "accueil de loisirs", "alsh", "centre aere", "foyer rural", "maison de quartier",
                     "espace jeunes", "point jeunes", "colonie de vacances", "scoutisme", "extrascolaire"],
    "school": ["ecole", "ecole primaire", "ecole elementaire", "ecole maternelle", "college", "lycee",
               "lycee professionnel", "lycee agricole", "etablissement scolaire", "groupe scolaire",
               "rectorat", "academie", "canope", "reseau canope", "cfa", "school"],
    "local_authority": ["collectivite", "mairie", "commune", "ville", "conseil departemental", "conseil regional",
                        "departement", "region", "communaute de communes", "communaute d agglomeration",
                        "metropole", "agglomeration", "syndicat mixte", "prefecture", "drac", "service public",
                        "collectivite territoriale", "pays", "ccas"],
    "other": ["autre", "other", "divers"],
}
AUDIENCE_WORDS = {
    "grand public": "general_public", "tout public": "general_public", "tous publics": "general_public",
    "enfants": "children", "jeune public": "children", "adolescents": "teenagers", "ados": "teenagers",
    "jeunes": "teenagers", "familles": "families", "scolaires": "school_groups", "etudiants": "students",
    "professionnels": "professionals", "enseignants": "professionals", "seniors": "seniors",
}


def _kind_words(text: str) -> tuple[str, ...]:
    return tuple(_NON_ALNUM.sub(" ", fold(text)).split())


@lru_cache(maxsize=1)
def _aliases():
    """({kind words: code}, {audience slug: code}): kinds and audiences as codes, as labels in
    French and English, and as the common words above."""
    from flask_babel import force_locale

    kinds = {_kind_words(c): c for c in ACTOR_KINDS}
    for code, words in KIND_WORDS.items():
        kinds.update({_kind_words(w): code for w in words})
    audiences = {slugify(k): v for k, v in AUDIENCE_WORDS.items()} | {slugify(c): c for c in AUDIENCES}
    for locale in ("fr", "en"):
        with force_locale(locale):
            kinds |= {_kind_words(str(label)): code for code, label in ACTOR_KINDS.items()}
            audiences |= {slugify(str(label)): code for code, label in AUDIENCES.items()}
    kinds.pop((), None)
    return kinds, audiences


def resolve_kind(label: str) -> tuple[str, bool]:
    """(kind code, recognised): the code of a census file's kind label; ("other", False) when
    nothing fits (the caller keeps the label)."""
    kinds, _audiences = _aliases()
    words = _kind_words(label)
    if not words:
        return "other", False
    if words in kinds:
        return kinds[words], True
    # Whole words inside the cell, the longest alias first ("Bibliothèque municipale de Foix").
    best = None
    for alias, code in kinds.items():
        n = len(alias)
        if n <= len(words) and (best is None or n > len(best[0])):
            if any(words[i:i + n] == alias for i in range(len(words) - n + 1)):
                best = (alias, code)
    if best is not None and best[1] != "other":
        return best[1], True
    # Spelling: "Médiatèque", "Fablabe", "Bibliotheques".
    joined = {" ".join(alias): code for alias, code in kinds.items()}
    close = difflib.get_close_matches(" ".join(words), list(joined), n=1, cutoff=0.84)
    if close and joined[close[0]] != "other":
        return joined[close[0]], True
    return "other", best is not None


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, columns, size)."""


@dataclass
class Row:
    line: int
    values: dict
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    action: str = "create"  # create | update | unchanged | skip
    existing_id: int | None = None


@dataclass
class Preview:
    rows: list
    columns: dict  # our key -> the file's header
    ignored_columns: list

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def warning_rows(self):
        return [r for r in self.rows if r.warnings and not r.errors]

    @property
    def approximate_count(self):
        """Rows placed at their commune's centre (no coordinates in the file)."""
        return sum(1 for r in self.rows if not r.errors and r.values.get("approximate"))

    def count(self, action):
        return sum(1 for r in self.rows if not r.errors and r.action == action)


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is too large (%(mb)d MB at most).", mb=MAX_BYTES // (1024 * 1024)))
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file's encoding is not recognised: save it as UTF-8 or Latin-1."))


def clean(cell: str) -> str:
    """A cell without control characters (tabs become spaces; a line break stays) nor edge spaces."""
    cell = cell.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", cell).strip()


def neutralise(value: str) -> tuple[str, bool]:
    """(value, whether it was changed): a formula is kept as text, prefixed with a quote."""
    if is_formula(value):
        return "'" + value, True
    return value, False


def _delimiter(text: str) -> str:
    """The separator of the header line (the one used most there): csv.Sniffer guesses
    wrongly on files whose cells hold commas and semicolons."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (header.count(d), -DELIMITERS.index(d)))


def _open(text: str):
    """(the CSV reader past the header, the cleaned header); ImportFileError when there is none."""
    text = text.lstrip("\r\n")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [clean(h) for h in next(reader)]
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error:
        raise ImportFileError(_("The file is not a CSV file we can read.")) from None
    return reader, header


def _map_columns(header: list[str]):
    """({key: index}, [names of columns not imported], [indexes of unnamed columns]): the first
    column of a key wins; ImportFileError when a required column is missing."""
    mapping, ignored, unnamed = {}, [], []
    for index, name in enumerate(header):
        key = column_key(name)
        if key and key not in mapping:
            mapping[key] = index
        elif name:
            ignored.append(name)
        else:
            unnamed.append(index)
    missing = [k for k in REQUIRED if k not in mapping]
    if missing:
        names = ", ".join(COLUMNS[k][0] for k in missing)
        raise ImportFileError(_("Missing columns: %(names)s. See the column list below.", names=names))
    return mapping, ignored, unnamed


def _data_rows(reader):
    """(row number, cleaned cells) of each row after the header that is not blank."""
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(_("Row %(line)d cannot be read: %(error)s", line=number, error=str(error))) from None
        cells = [clean(c) for c in cells]
        if any(cells):
            yield number, cells


def read_rows(text: str):
    """([(row, {key: cell})], {key: header}, [columns not imported]); ImportFileError when the
    file as a whole is unusable. ``row`` is the spreadsheet's row number (the header is row 1; a
    quoted cell over several lines is one row; blank lines count, as a spreadsheet shows them)."""
    reader, header = _open(text)
    mapping, ignored, unnamed = _map_columns(header)
    rows, filled = [], set()
    for number, cells in _data_rows(reader):
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows: split it into several files.",
                                    n=format_number(MAX_ROWS)))
        filled.update(i for i in unnamed if i < len(cells) and cells[i])
        rows.append((number, {key: (cells[i] if i < len(cells) else "") for key, i in mapping.items()}))
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    ignored += [_("column %(n)d (no name)", n=i + 1) for i in sorted(filled)]
    return rows, {k: header[i] for k, i in mapping.items()}, ignored


def _words(name: str) -> list[str]:
    """A commune's name without case, accents, dashes or apostrophes (as geo.find_commune)."""
    return fold(name).replace("-", " ").replace("'", " ").split()


def _split(value: str) -> list[str]:
    for sep in ("|", ";", "\n", " / "):
        if sep in value:
            return [v.strip() for v in value.split(sep) if v.strip()]
    return [v.strip() for v in value.split(",") if v.strip()]


def _placeholder(value: str) -> bool:
    return " ".join(_NON_ALNUM.sub(" ", fold(value)).split()) in PLACEHOLDERS or value.strip() in PLACEHOLDERS


_POSTCODE = re.compile(r"(?<!\d)(\d{2}) ?(\d{3})(?!\d)|(?<!\d)(\d{4})(?!\d)")
_CEDEX = re.compile(r"\bcedex\b.*$", re.IGNORECASE | re.DOTALL)


def _find_postcode(text: str, short: bool = True) -> str:
    """The first postcode of a cell: "31077 Cedex" → 31077, "31 000" → 31000, and in the
    postcode column (``short``) "9000" → 09000 (a spreadsheet dropped the leading zero)."""
    for match in _POSTCODE.finditer(text or ""):
        if match.group(1):
            return match.group(1) + match.group(2)
        if short:
            return "0" + match.group(3)
    return ""


_ADDRESS_TOWN = re.compile(r"^\s*(\d{5}|\d{2} \d{3})\s+\D")  # "31000 Toulouse", not "BP 1234"


def _commune_name(text: str) -> str:
    """"31077 TOULOUSE CEDEX 4" → "TOULOUSE"."""
    text = _CEDEX.sub("", text or "")
    text = _POSTCODE.sub(" ", text)
    return " ".join(text.replace(",", " ").split()).strip(" -")


def _locate(row: Row, raw: dict) -> None:
    """Postcode and commune → the commune (INSEE code, name, regular postcode, centre)."""
    v = row.values
    cell, commune_cell = raw.get("postcode", ""), raw.get("commune", "")
    postcode = _find_postcode(cell) or _find_postcode(commune_cell, short=False)
    name = _commune_name(commune_cell) or _commune_name(cell)
    last_line = (raw.get("address") or "").splitlines()[-1:] or [""]
    if not postcode and _ADDRESS_TOWN.match(last_line[0]):  # "12 rue X\n31000 Toulouse"
        postcode = _find_postcode(last_line[0], short=False)
        name = name or _commune_name(last_line[0])
    cedex = bool(_CEDEX.search(cell) or _CEDEX.search(commune_cell))
    v["postcode"], v["commune"], v["insee"], v["commune_name"], v["department"] = postcode, name, "", name, ""
    v["centre"] = None
    if not postcode:
        if cell:
            row.errors.append(_("The postcode “%(pc)s” is not a French postcode.", pc=cell))
        else:
            row.errors.append(_("The postcode is empty."))
        return
    found = None
    if postcode_exists(postcode):
        found = find_commune(postcode, name)
        if found and name and _words(found.name) != _words(name):
            row.warnings.append(_("Commune “%(given)s” is not at %(pc)s: %(found)s used.",
                                  given=name, pc=postcode, found=found.name))
    else:
        located = find_in_department(postcode, name)
        if located is None:
            if (cedex or name) and department_of_postcode(postcode) in departments():
                row.errors.append(_("The postcode “%(pc)s” is not a commune's postcode (a CEDEX code?) and "
                                    "no commune “%(name)s” was found in its department: give the commune's "
                                    "own postcode.", pc=postcode, name=name))
            else:
                row.errors.append(_("The postcode “%(pc)s” does not exist in France.", pc=cell or postcode))
            return
        regular, found = located
        row.warnings.append(_("CEDEX postcode %(pc)s: %(commune)s (%(regular)s) used for the directory and "
                              "the map.", pc=postcode, commune=found.name, regular=regular))
        v["postcode"] = regular
    v["insee"], v["commune_name"], v["department"] = found.insee, found.name, found.department
    if found.latitude is not None:
        v["centre"] = (found.latitude, found.longitude)


def _website(row: Row, value: str) -> str:
    if _placeholder(value):
        return ""
    for candidate in re.split(r"[\s,;|]+", value):
        candidate = candidate.strip(" <>()\"'")
        if not candidate:
            continue
        if not re.match(r"https?://", candidate, re.IGNORECASE):
            candidate = "https://" + candidate
        parts = urlsplit(candidate)
        host = parts.hostname or ""
        if re.fullmatch(r"([a-z0-9-]+\.)+[a-z]{2,}", host.lower()) and len(candidate) <= 255:
            if candidate != value.strip() and " " in value.strip():
                row.warnings.append(_("Several websites: only %(url)s kept.", url=candidate))
            return candidate
    row.warnings.append(_("The website “%(value)s” is not a web address: left empty.", value=value))
    return ""


def _email(row: Row, value: str) -> str:
    if _placeholder(value):
        return ""
    candidates = [c.strip(" <>()\"'") for c in re.split(r"[\s,;/|]+", value) if c.strip(" <>()\"'")]
    valid = []
    for candidate in candidates:
        candidate = re.sub(r"^mailto:", "", candidate, flags=re.IGNORECASE)
        try:
            valid.append(validate_email(candidate, check_deliverability=False).normalized.lower())
        except EmailNotValidError:
            continue
    if not valid:
        row.warnings.append(_("The e-mail address “%(value)s” is not valid: left empty.", value=value))
        return ""
    if len(valid) > 1:
        row.warnings.append(_("Several e-mail addresses: only %(email)s kept.", email=valid[0]))
    return valid[0][:254]


def _phone(row: Row, value: str) -> str:
    if _placeholder(value):
        return ""
    found = phone_numbers(value, row.values.get("department", ""))
    if not found:
        row.warnings.append(_("The phone number “%(value)s” is not valid: left empty.", value=value))
        return ""
    if len(found) > 1:
        row.warnings.append(_("Several phone numbers: only the first one kept (%(others)s left out).",
                              others=", ".join(found[1:])))
    return found[0]


def _neutralise_formulas(row: Row, raw: dict) -> None:
    for key, value in raw.items():
        value, was_formula = neutralise(value)
        if was_formula:
            row.warnings.append(_("Column %(col)s started like a spreadsheet formula: kept as text.",
                                  col=FIELD_NAMES.get(key, key)))
        raw[key] = value


def _check_identifiers(row: Row, raw: dict) -> None:
    row.values["csti_id"] = raw.get("csti_id", "").strip()
    row.values["ref"] = raw.get("ref", "")[:64]


def _check_name(row: Row, raw: dict) -> None:
    row.values["name"] = " ".join(raw.get("name", "").split())[:200]
    if not row.values["name"]:
        row.errors.append(_("The name is empty."))


def _check_kind(row: Row, raw: dict) -> None:
    label = " ".join(raw.get("kind", "").split())
    kind, recognised = resolve_kind(label)
    row.values["kind"], row.values["kind_label"] = kind, ""
    if not label:
        row.warnings.append(_("No kind given: “Other” used."))
    elif kind == "other" and not recognised:
        row.values["kind_label"] = label[:100]
        row.warnings.append(_("Kind “%(kind)s” not recognised: recorded as “Other” with this label.", kind=label))


def _coordinate(row: Row, raw: dict, key: str, low: int, high: int) -> float | None:
    text = raw.get(key, "").replace(",", ".").replace(" ", "").lstrip("'")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not (low <= number <= high):
        row.warnings.append(_("%(col)s “%(value)s” is not a number between %(low)d and %(high)d: ignored.",
                              col=key, value=raw.get(key), low=low, high=high))
        return None
    return number


def _check_coordinates(row: Row, raw: dict) -> None:
    """Latitude and longitude (both or none), else the commune's centre, marked approximate."""
    v = row.values
    v["latitude"] = _coordinate(row, raw, "latitude", -90, 90)
    v["longitude"] = _coordinate(row, raw, "longitude", -180, 180)
    if (v["latitude"] is None) != (v["longitude"] is None):
        row.warnings.append(_("Only one of the latitude and the longitude is given: both ignored."))
        v["latitude"] = v["longitude"] = None
    v["approximate"] = v["latitude"] is not None and fold(raw.get("approximate", "")).strip() in (
        "1", "oui", "yes", "true", "vrai", "x")
    if v["latitude"] is None and not row.errors:
        if v["centre"] is None:
            row.warnings.append(_("No coordinates, and none known for this commune: not on the map."))
        else:  # said once for the whole file in the preview, not as a remark on each row
            v["latitude"], v["longitude"] = v["centre"]
            v["approximate"] = True


def _cell(key: str, clean):
    """The checker storing ``clean(row, cell)`` for one column."""
    def check(row: Row, raw: dict) -> None:
        row.values[key] = clean(row, raw.get(key, ""))

    return check


def _check_address(row: Row, raw: dict) -> None:
    address = raw.get("address", "")
    if raw.get("address2"):
        address = f"{address}, {raw['address2']}" if address else raw["address2"]
    row.values["address"] = ", ".join(part.strip() for part in address.splitlines() if part.strip())[:255]


def _check_texts(row: Row, raw: dict) -> None:
    row.values["summary"] = raw.get("summary", "")[:500]
    row.values["description"] = raw.get("description", "")[:100_000]


def _check_audiences(row: Row, raw: dict) -> None:
    _kinds, audience_aliases = _aliases()
    audiences = []
    for name in _split(raw.get("audiences", "")):
        code = audience_aliases.get(slugify(name))
        if code:
            if code not in audiences:
                audiences.append(code)
        else:
            row.warnings.append(_("Unknown audience “%(name)s” ignored.", name=name))
    row.values["audiences"] = audiences


def _check_tags(row: Row, raw: dict) -> None:
    row.values["tags"] = [t[:50] for t in _split(raw.get("tags", "")) if Tag.normalize(t)][:20]


def _siret(row: Row, value: str) -> str:
    siret = "".join(value.split())
    if siret and not (siret.isdigit() and len(siret) == 14):
        row.warnings.append(_("“%(value)s” is not a SIRET number (14 digits): left empty.", value=siret))
        return ""
    return siret


def _rna(row: Row, value: str) -> str:
    rna = value.strip().upper()
    if rna and not (len(rna) == 10 and rna[0] == "W" and rna[1:].isdigit()):
        row.warnings.append(_("“%(value)s” is not an RNA number (like W123456789): left empty.", value=rna))
        return ""
    return rna


# Field (group) → its checker, run in this order: each reads the row's cells, writes its values
# and appends its errors and warnings (the coordinates need the commune located, the phone its
# department).
CHECKERS = {
    "identifiers": _check_identifiers,  # csti_id, ref
    "name": _check_name,
    "kind": _check_kind,  # kind, kind_label
    "location": _locate,  # postcode, commune, insee, department, centre
    "coordinates": _check_coordinates,  # latitude, longitude, approximate
    "website": _cell("website", _website),
    "email": _cell("email", _email),
    "phone": _cell("phone", _phone),
    "address": _check_address,  # address, address2
    "texts": _check_texts,  # summary, description
    "audiences": _check_audiences,
    "tags": _check_tags,
    "siret": _cell("siret", _siret),
    "rna": _cell("rna", _rna),
}


def check_row(line: int, raw: dict) -> Row:
    """One row of the file: its values, and what is wrong with them (errors: the row is not
    imported) or was changed (warnings)."""
    row = Row(line=line, values={})
    _neutralise_formulas(row, raw)
    for checker in CHECKERS.values():
        checker(row, raw)
    return row


def _key(name: str, insee: str) -> tuple:
    return " ".join(fold(name).replace("-", " ").split()), insee


def _state(actor: Actor) -> dict:
    """What an import may change on a structure."""
    return {
        "title": actor.title, "kind": actor.actor_kind, "summary": actor.summary, "body": actor.body,
        "address": actor.address, "postcode": actor.postcode, "commune": actor.commune, "insee": actor.insee,
        "latitude": actor.latitude, "longitude": actor.longitude, "website": actor.website,
        "email": actor.email, "phone": actor.phone, "siret": actor.siret, "rna": actor.rna,
        "audiences": sorted(actor.audiences), "tags": sorted(t.slug for t in actor.tags), "ref": actor.source_ref,
        "kind_label": actor.kind_label_source, "approximate": bool(actor.location_approximate),
    }


OPTIONAL_FIELDS = {"summary": "summary", "description": "body", "address": "address", "website": "website",
                   "email": "email", "phone": "phone", "siret": "siret", "rna": "rna", "ref": "ref"}


def _planned(current: dict, v: dict) -> dict:
    """The state after importing row values ``v`` over ``current``: an empty cell keeps what the
    structure has (a census file does not erase what its managers wrote); tags are added."""
    state = dict(current, title=v["name"], kind=v["kind"], postcode=v["postcode"], commune=v["commune_name"],
                 insee=v["insee"], kind_label=v["kind_label"])
    for key, name in OPTIONAL_FIELDS.items():
        if v[key]:
            state[name] = v[key]
    if v["latitude"] is not None:
        # A commune's centre never replaces a point placed by hand.
        placed = current["latitude"] is not None and not current["approximate"]
        if not (v["approximate"] and placed and v["insee"] and v["insee"] == current.get("insee")):
            state["latitude"], state["longitude"] = v["latitude"], v["longitude"]
            state["approximate"] = v["approximate"]
    if v["audiences"]:
        state["audiences"] = sorted(set(v["audiences"]))
    state["tags"] = sorted(set(current["tags"]) | {Tag.normalize(t) for t in v["tags"]})
    return state


EMPTY = {"title": "", "kind": "", "summary": "", "body": "", "address": "", "postcode": "", "commune": "", "insee": "",
         "kind_label": "", "approximate": False,
         "latitude": None, "longitude": None, "website": "", "email": "", "phone": "", "siret": "", "rna": "",
         "audiences": [], "tags": [], "ref": ""}


def preview(data: bytes, territory) -> Preview:
    """Read and check the file, and say what importing it would do, row by row. Writes nothing.

    Rows match only structures of ``territory`` (an import never touches another territory's):
    by the export's ``csti_id``, else by the file's identifier (two territories' files may both
    number their rows 1, 2, 3…), else by the same name in the same commune."""
    raw_rows, columns, ignored = read_rows(decode(data))
    rows = [check_row(line, raw) for line, raw in raw_rows]
    matched = _match(rows, territory)
    _plan(rows, _current_states(list(matched)))
    return Preview(rows=rows, columns=columns, ignored_columns=ignored)


@dataclass
class _Structures:
    """The territory's structures, the rows are matched against."""
    ids: set
    by_ref: dict  # the file's identifier → id
    by_key: dict  # (name, commune) → the oldest id

    @classmethod
    def of(cls, territory) -> _Structures:
        existing = db.session.execute(select(Actor.id, Actor.source_ref, Actor.title, Actor.insee)
                                      .where(Actor.territory_id == territory.id)).all()
        by_key = {}
        for id_, _r, title, insee in sorted(existing, key=lambda e: e[0]):
            by_key.setdefault(_key(title, insee), id_)
        return cls(ids={id_ for id_, _r, _t, _i in existing},
                   by_ref={ref: id_ for id_, ref, _t, _i in existing if ref}, by_key=by_key)

    def own_id(self, row: Row, territory) -> int | None:
        """The row's ``csti_id`` when it is one of these structures (else a remark on the row)."""
        csti_id = row.values["csti_id"]
        own_id = int(csti_id) if csti_id.isdigit() and int(csti_id) in self.ids else None
        if csti_id and own_id is None:
            row.warnings.append(_("csti_id %(id)s is not a structure of %(territory)s: ignored.",
                                  id=csti_id, territory=territory.name))
        return own_id

    def find(self, own_id: int | None, ref: str, key: tuple) -> int | None:
        """The structure a row updates: by ``csti_id``, else by identifier, else by name and commune."""
        if own_id is not None:
            return own_id
        found = self.by_ref.get(ref) if ref else None
        return found if found is not None else self.by_key.get(key)


def _skip(row: Row, message: str) -> None:
    row.errors.append(message)
    row.action = "skip"


def _match(rows: list[Row], territory) -> dict[int, int]:
    """Set each valid row's ``existing_id``; a row repeating another row of the file (same
    ``csti_id``, identifier or name and commune), or matching the same structure, is an error.
    Returns {matched structure id: row number}."""
    structures = _Structures.of(territory)
    seen, matched = {}, {}
    for row in rows:
        if row.errors:
            row.action = "skip"
            continue
        own_id = structures.own_id(row, territory)
        key = _key(row.values["name"], row.values["insee"])
        ident = ("id", own_id) if own_id else ("ref", row.values["ref"]) if row.values["ref"] else key
        if ident in seen:
            _skip(row, _("Duplicate of row %(line)d in this file.", line=seen[ident]))
            continue
        seen[ident] = row.line
        row.existing_id = structures.find(own_id, row.values["ref"], key)
        if row.existing_id in matched:
            _skip(row, _("Same structure as row %(line)d of this file.", line=matched[row.existing_id]))
            row.existing_id = None
        elif row.existing_id is not None:
            matched[row.existing_id] = row.line
    return matched


def _plan(rows: list[Row], states: dict[int, dict]) -> None:
    """The action of each valid row: create, or update / unchanged against the structure's state."""
    for row in rows:
        if row.errors:
            continue
        if row.existing_id is None:
            row.action = "create"
        else:
            current = states[row.existing_id]
            row.action = "unchanged" if _planned(current, row.values) == current else "update"


def _current_states(ids: list[int]) -> dict[int, dict]:
    states = {}
    for start in range(0, len(ids), 500):
        for actor in db.session.scalars(select(Actor).where(Actor.id.in_(ids[start:start + 500]))):
            states[actor.id] = _state(actor)
    return states


def _tags(names) -> dict[str, Tag]:
    """{slug: Tag} for these names, created once each (not once per row)."""
    wanted = {}
    for name in names:
        wanted.setdefault(Tag.normalize(name), name)
    tags = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(list(wanted))))} if wanted else {}
    for slug, name in wanted.items():
        if slug and slug not in tags:
            tags[slug] = Tag.get_or_create(name)
    return tags


def apply(result: Preview, territory, user) -> dict:
    """Write the valid rows (one transaction: the caller commits). Returns counts."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    todo = [r for r in result.rows if not r.errors]
    counts["unchanged"] = sum(1 for r in todo if r.action == "unchanged")
    todo = [r for r in todo if r.action in ("create", "update")]
    tags = _tags(name for r in todo for name in r.values["tags"])
    existing = {}
    ids = [r.existing_id for r in todo if r.existing_id]
    for start in range(0, len(ids), 500):
        existing.update({a.id: a for a in db.session.scalars(select(Actor).where(
            Actor.id.in_(ids[start:start + 500]), Actor.territory_id == territory.id))})
    with db.session.no_autoflush:
        for row in todo:
            v = row.values
            if row.existing_id is not None and row.existing_id not in existing:
                continue  # no longer a structure of this territory: never touch another's
            actor = existing.get(row.existing_id)
            created = actor is None
            if created:
                actor = Actor(author=user, territory=territory)
            plan = _planned(EMPTY if created else _state(actor), v)
            actor.title = plan["title"]
            actor.actor_kind = plan["kind"]
            actor.source_ref = plan["ref"]
            actor.summary = plan["summary"]
            if created or actor.body != plan["body"]:
                actor.body = plan["body"]  # rendered again only when it changed
            actor.address = plan["address"]
            set_location(actor, plan["postcode"], plan["commune"])
            actor.latitude, actor.longitude = plan["latitude"], plan["longitude"]
            actor.location_approximate = plan["approximate"]
            actor.kind_label_source = plan["kind_label"]
            for key in ("website", "email", "phone", "siret", "rna"):
                setattr(actor, key, plan[key])
            actor.audiences = plan["audiences"]
            for name in v["tags"]:
                tag = tags.get(Tag.normalize(name))
                if tag is not None and tag not in actor.tags:
                    actor.tags.append(tag)
            if created:
                actor.publish()
                db.session.add(actor)
                counts["created"] += 1
            else:
                counts["updated"] += 1
    return counts


# --- pending uploads: kept on disk between the preview and the confirmation ----------------
def _pending_dir():
    """In ``DOCUMENT_DIR`` (private, and shared by every app server, docs/architecture.md §22): the
    confirmation may reach another server than the preview did."""
    from pathlib import Path

    from flask import current_app

    path = Path(current_app.config["DOCUMENT_DIR"]) / "pending-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


PENDING_MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept


def store_pending(data: bytes, territory_id: int, user_id: int) -> str:
    import json
    import secrets
    import time

    for old in _pending_dir().iterdir():  # uploads previewed and never confirmed
        try:  # another worker or server (a shared directory) may be deleting it too
            if old.suffix in (".csv", ".json") and old.stat().st_mtime < time.time() - PENDING_MAX_AGE:
                old.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
    token = secrets.token_urlsafe(16)
    (_pending_dir() / f"{token}.csv").write_bytes(data)
    (_pending_dir() / f"{token}.json").write_text(json.dumps({"territory": territory_id, "user": user_id}))
    return token


def load_pending(token: str):
    """(bytes, meta) of a pending upload, or None."""
    import json
    import re

    if not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", token or ""):
        return None
    data_file, meta_file = _pending_dir() / f"{token}.csv", _pending_dir() / f"{token}.json"
    if not data_file.is_file() or not meta_file.is_file():
        return None
    return data_file.read_bytes(), json.loads(meta_file.read_text())


def drop_pending(token: str) -> None:
    for suffix in (".csv", ".json"):
        (_pending_dir() / f"{token}{suffix}").unlink(missing_ok=True)
