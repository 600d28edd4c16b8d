"""The regional census import: a CSV file of structures, previewed row by row before
anything is written, then imported in one transaction. Idempotent: a row matches an
existing structure by its identifier column, else by name and commune, and updates it.

Accepted: UTF-8 (with or without BOM) or Latin-1/Windows-1252, comma or semicolon separated.
Column names are matched accent- and case-insensitively against the aliases below (the
README documents them).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from .actors import set_location
from .extensions import db
from .geo import find_commune, postcode_exists
from .models.actors import ACTOR_KINDS, Actor
from .models.audiences import AUDIENCES
from .models.tags import Tag
from .text import fold, slugify

MAX_ROWS = 10_000
MAX_BYTES = 20 * 1024 * 1024

COLUMNS = {
    "ref": ["identifiant", "id", "ref", "reference"],
    "name": ["nom", "name", "structure", "raison sociale"],
    "kind": ["type", "kind", "categorie", "category"],
    "summary": ["resume", "summary", "accroche"],
    "description": ["description"],
    "address": ["adresse", "address", "rue"],
    "postcode": ["code postal", "code_postal", "cp", "postcode", "zip"],
    "commune": ["commune", "ville", "city"],
    "latitude": ["latitude", "lat"],
    "longitude": ["longitude", "lon", "lng", "long"],
    "website": ["site web", "site_web", "site", "website", "url"],
    "email": ["email", "e-mail", "courriel", "mail"],
    "phone": ["telephone", "tel", "phone"],
    "audiences": ["publics", "public", "audiences"],
    "tags": ["themes", "thematiques", "tags", "mots-cles"],
    "siret": ["siret"],
    "rna": ["rna"],
}
REQUIRED = ("name", "kind", "postcode")
# A spreadsheet runs a cell starting with one of these as a formula. "+" also starts phone
# numbers and coordinates, which stay as they are; "-" starts Markdown lists (descriptions):
# the CSV export neutralises both anyway.
FORMULA_STARTS = ("=", "@", "+", "\t", "\r")
NUMBER_LIKE = re.compile(r"\+[\d .,()/-]+")
DELIMITERS = (",", ";", "\t")


def _norm(header: str) -> str:
    return " ".join(fold(header).replace("_", " ").replace("-", " ").split())


ALIASES = {_norm(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
KIND_WORDS = {  # common French words of the census files
    "association": "association", "fablab": "fablab", "makerspace": "fablab", "musee": "museum",
    "centre de sciences": "museum", "ccsti": "museum", "laboratoire": "research", "recherche": "research",
    "universite": "university", "ecole": "school", "bibliotheque": "library", "mediatheque": "library",
    "entreprise": "company", "tourisme": "tourism", "tiers lieu": "third_place", "periscolaire": "after_school",
    "collectivite": "local_authority", "mairie": "local_authority", "autre": "other",
}
AUDIENCE_WORDS = {
    "grand public": "general_public", "enfants": "children", "adolescents": "teenagers", "familles": "families",
    "scolaires": "school_groups", "etudiants": "students", "professionnels": "professionals", "seniors": "seniors",
}


@lru_cache(maxsize=1)
def _aliases():
    """Kinds and audiences as codes, as labels in French and English, and as common words."""
    from flask_babel import force_locale

    kinds = {slugify(k): v for k, v in KIND_WORDS.items()} | {slugify(c): c for c in ACTOR_KINDS}
    audiences = {slugify(k): v for k, v in AUDIENCE_WORDS.items()} | {slugify(c): c for c in AUDIENCES}
    for locale in ("fr", "en"):
        with force_locale(locale):
            kinds |= {slugify(str(label)): code for code, label in ACTOR_KINDS.items()}
            audiences |= {slugify(str(label)): code for code, label in AUDIENCES.items()}
    return kinds, audiences


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


def neutralise(value: str) -> tuple[str, bool]:
    """(value, whether it was changed): a formula is kept as text, prefixed with a quote."""
    if value and value.startswith(FORMULA_STARTS) and not NUMBER_LIKE.fullmatch(value):
        return "'" + value, True
    return value, False


def _delimiter(text: str) -> str:
    """The separator of the header line (the one used most there): csv.Sniffer guesses
    wrongly on files whose cells hold commas and semicolons."""
    header = text.split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (header.count(d), -DELIMITERS.index(d)))


def read_rows(text: str):
    """([(line, {key: cell})], {key: header}, [ignored headers]); ImportFileError when the
    file as a whole is unusable. ``line`` is the file's line number, as a spreadsheet shows it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error:
        raise ImportFileError(_("The file is not a CSV file we can read.")) from None
    mapping, ignored = {}, []
    for index, name in enumerate(header):
        key = ALIASES.get(_norm(name))
        if key and key not in mapping:
            mapping[key] = index
        elif name.strip():
            ignored.append(name.strip())
    missing = [k for k in REQUIRED if k not in mapping]
    if missing:
        names = ", ".join(COLUMNS[k][0] for k in missing)
        raise ImportFileError(_("Missing columns: %(names)s. See the column list below.", names=names))
    rows = []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ImportFileError(_("Line %(line)d cannot be read: %(error)s", line=start, error=str(error))) from None
        end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows: split it into several files.",
                                    n=format_number(MAX_ROWS)))
        rows.append((start, {key: (cells[i].strip() if i < len(cells) else "") for key, i in mapping.items()}))
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    return rows, {k: header[i] for k, i in mapping.items()}, ignored


def _words(name: str) -> list[str]:
    """A commune's name without case, accents, dashes or apostrophes (as geo.find_commune)."""
    return fold(name).replace("-", " ").replace("'", " ").split()


def _split(value: str) -> list[str]:
    for sep in ("|", ";"):
        if sep in value:
            return [v.strip() for v in value.split(sep) if v.strip()]
    return [v.strip() for v in value.split(",") if v.strip()]


def check_row(line: int, raw: dict) -> Row:
    row = Row(line=line, values={})
    v = row.values
    for key, value in raw.items():
        value, was_formula = neutralise(value)
        if was_formula:
            row.warnings.append(_("Column %(col)s started like a spreadsheet formula: kept as text.", col=key))
        raw[key] = value
    v["ref"] = raw.get("ref", "")[:64]
    v["name"] = " ".join(raw.get("name", "").split())[:200]
    if not v["name"]:
        row.errors.append(_("The name is empty."))
    kind_aliases, audience_aliases = _aliases()
    kind = kind_aliases.get(slugify(raw.get("kind", "")))
    if kind is None:
        row.errors.append(_("Unknown kind “%(kind)s”.", kind=raw.get("kind", "")))
    v["kind"] = kind or "other"
    postcode = raw.get("postcode", "").replace(" ", "")
    if len(postcode) == 4 and postcode.isdigit():
        postcode = "0" + postcode  # spreadsheets drop the leading zero
    if not postcode:
        row.errors.append(_("The postcode is empty."))
    elif not postcode_exists(postcode):
        row.errors.append(_("The postcode “%(pc)s” does not exist in France.", pc=raw.get("postcode", "")))
    v["postcode"], v["commune"] = postcode, raw.get("commune", "")[:120]
    found = find_commune(postcode, v["commune"]) if postcode_exists(postcode) else None
    if found and v["commune"] and _words(found.name) != _words(v["commune"]):
        row.warnings.append(_("Commune “%(given)s” is not at %(pc)s: %(found)s used.",
                              given=v["commune"], pc=postcode, found=found.name))
    v["insee"] = found.insee if found else ""
    v["commune_name"] = found.name if found else v["commune"]
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        text = raw.get(key, "").replace(",", ".")
        if not text:
            v[key] = None
            continue
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or not (low <= number <= high):
            row.errors.append(_("%(col)s “%(value)s” is not a number between %(low)d and %(high)d.",
                                col=key, value=raw.get(key), low=low, high=high))
            v[key] = None
        else:
            v[key] = number
    if (v["latitude"] is None) != (v["longitude"] is None):
        row.errors.append(_("Give both the latitude and the longitude, or neither."))
    website = raw.get("website", "")
    if website and not website.startswith(("http://", "https://")):
        website = "https://" + website if "." in website and " " not in website else website
        if not website.startswith("https://"):
            row.errors.append(_("The website is not a web address."))
    v["website"] = website[:255]
    email = raw.get("email", "").lower()
    if email and ("@" not in email or " " in email or "." not in email.split("@")[-1]):
        row.errors.append(_("The e-mail address is not valid."))
    v["email"] = email[:254]
    v["phone"] = raw.get("phone", "")[:30]
    v["address"] = raw.get("address", "")[:255]
    v["summary"] = raw.get("summary", "")[:500]
    v["description"] = raw.get("description", "")[:100_000]
    audiences = []
    for name in _split(raw.get("audiences", "")):
        code = audience_aliases.get(slugify(name))
        if code:
            audiences.append(code)
        else:
            row.warnings.append(_("Unknown audience “%(name)s” ignored.", name=name))
    v["audiences"] = audiences
    v["tags"] = [t[:50] for t in _split(raw.get("tags", "")) if Tag.normalize(t)][:20]
    siret = "".join(raw.get("siret", "").split())
    if siret and not (siret.isdigit() and len(siret) == 14):
        row.errors.append(_("A SIRET number has 14 digits."))
    v["siret"] = siret[:14]
    rna = raw.get("rna", "").upper()
    if rna and not (len(rna) == 10 and rna[0] == "W" and rna[1:].isdigit()):
        row.errors.append(_("An RNA number looks like W123456789."))
    v["rna"] = rna[:10]
    return row


def _key(name: str, insee: str) -> tuple:
    return " ".join(fold(name).replace("-", " ").split()), insee


def _state(actor: Actor) -> dict:
    """What an import may change on a structure."""
    return {
        "title": actor.title, "kind": actor.actor_kind, "summary": actor.summary, "body": actor.body,
        "address": actor.address, "postcode": actor.postcode, "commune": actor.commune,
        "latitude": actor.latitude, "longitude": actor.longitude, "website": actor.website,
        "email": actor.email, "phone": actor.phone, "siret": actor.siret, "rna": actor.rna,
        "audiences": sorted(actor.audiences), "tags": sorted(t.slug for t in actor.tags), "ref": actor.source_ref,
    }


OPTIONAL_FIELDS = {"summary": "summary", "description": "body", "address": "address", "website": "website",
                   "email": "email", "phone": "phone", "siret": "siret", "rna": "rna", "ref": "ref"}


def _planned(current: dict, v: dict) -> dict:
    """The state after importing row values ``v`` over ``current``: an empty cell keeps what the
    structure has (a census file does not erase what its managers wrote); tags are added."""
    state = dict(current, title=v["name"], kind=v["kind"], postcode=v["postcode"], commune=v["commune_name"])
    for key, name in OPTIONAL_FIELDS.items():
        if v[key]:
            state[name] = v[key]
    if v["latitude"] is not None:
        state["latitude"], state["longitude"] = v["latitude"], v["longitude"]
    if v["audiences"]:
        state["audiences"] = sorted(set(v["audiences"]))
    state["tags"] = sorted(set(current["tags"]) | {Tag.normalize(t) for t in v["tags"]})
    return state


EMPTY = {"title": "", "kind": "", "summary": "", "body": "", "address": "", "postcode": "", "commune": "",
         "latitude": None, "longitude": None, "website": "", "email": "", "phone": "", "siret": "", "rna": "",
         "audiences": [], "tags": [], "ref": ""}


def preview(data: bytes, territory) -> Preview:
    """Read and check the file, and say what importing it would do, row by row. Writes nothing."""
    raw_rows, columns, ignored = read_rows(decode(data))
    rows = [check_row(line, raw) for line, raw in raw_rows]
    # Existing structures, matched by the file's identifier (within this territory: two
    # territories' files may both number their rows 1, 2, 3…), else by name and commune.
    existing = db.session.execute(select(Actor.id, Actor.source_ref, Actor.title, Actor.insee, Actor.territory_id)).all()
    by_ref = {ref: id_ for id_, ref, _t, _i, tid in existing if ref and tid == territory.id}
    by_key = {}
    for id_, _r, title, insee, _tid in sorted(existing, key=lambda e: (e[4] != territory.id, e[0])):
        by_key.setdefault(_key(title, insee), id_)
    seen, matched = {}, {}
    for row in rows:
        if row.errors:
            row.action = "skip"
            continue
        key = _key(row.values["name"], row.values["insee"])
        ident = ("ref", row.values["ref"]) if row.values["ref"] else key
        if ident in seen:
            row.errors.append(_("Duplicate of line %(line)d in this file.", line=seen[ident]))
            row.action = "skip"
            continue
        seen[ident] = row.line
        row.existing_id = by_ref.get(row.values["ref"]) if row.values["ref"] else None
        if row.existing_id is None:
            row.existing_id = by_key.get(key)
        if row.existing_id is not None:
            if row.existing_id in matched:
                row.errors.append(_("Same structure as line %(line)d of this file.", line=matched[row.existing_id]))
                row.action, row.existing_id = "skip", None
                continue
            matched[row.existing_id] = row.line
    states = _current_states(list(matched))
    for row in rows:
        if row.errors:
            continue
        if row.existing_id is None:
            row.action = "create"
        else:
            current = states[row.existing_id]
            row.action = "unchanged" if _planned(current, row.values) == current else "update"
    return Preview(rows=rows, columns=columns, ignored_columns=ignored)


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
        existing.update({a.id: a for a in db.session.scalars(select(Actor).where(Actor.id.in_(ids[start:start + 500])))})
    with db.session.no_autoflush:
        for row in todo:
            v = row.values
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
            set_location(actor, v["postcode"], v["commune"])
            actor.latitude, actor.longitude = plan["latitude"], plan["longitude"]
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
    from pathlib import Path

    from flask import current_app

    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


PENDING_MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept


def store_pending(data: bytes, territory_id: int, user_id: int) -> str:
    import json
    import secrets
    import time

    for old in _pending_dir().iterdir():  # uploads previewed and never confirmed
        if old.suffix in (".csv", ".json") and old.stat().st_mtime < time.time() - PENDING_MAX_AGE:
            old.unlink(missing_ok=True)
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
