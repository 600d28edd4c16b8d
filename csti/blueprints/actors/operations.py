"""Actor operations shared by views, the import command and the API: applying a form,
similar-name warnings, claims, members, GeoJSON and CSV rows."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, or_, select

from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import REJECTED, AuditLog
from ...models.actors import (
    ACTOR_KINDS,
    ACTOR_ROLES,
    CLAIM_ACCEPTED,
    CLAIM_PENDING,
    CLAIM_REFUSED,
    MANAGER,
    MEMBER,
    SOCIAL_NETWORKS,
    Actor,
    ActorMember,
    ClaimRequest,
)
from ...models.base import utcnow
from ...moderation import submit
from ...text import fold
from .geo import find_commune


def set_location(actor: Actor, postcode: str, commune: str = "") -> None:
    """Postcode → commune, INSEE code and department (derived, never typed)."""
    actor.postcode = (postcode or "").strip()
    found = find_commune(actor.postcode, commune) if actor.postcode else None
    if found:
        actor.commune = found.name
        actor.insee = found.insee
        actor.department = found.department
    else:
        actor.commune = (commune or "").strip()
        actor.insee = ""
        actor.department = ""


def place_coordinates(address: str, postcode: str, commune: str = "") -> tuple[float | None, float | None]:
    """(latitude, longitude) of a typed address: the configured geocoder's answer
    (``geocoding.py``), else its commune's (the town hall, ``geo.py``), else (None, None).
    A geocoder that fails or finds nothing costs the place its precision, never the save."""
    from flask import current_app

    from .geocoding import GeocodingError, enabled, geocode

    found = find_commune(postcode, commune) if postcode else None
    if found is None:
        return None, None
    if address and enabled():
        try:
            point = geocode(address, postcode, found.name)
        except GeocodingError as error:
            current_app.logger.warning("geocoding failed: %s", error)
            point = None
        if point is not None:
            return point
    return found.latitude, found.longitude


# Regions of the phone numbers written the French national way ("0590 …") in each overseas
# department; elsewhere France.
PHONE_REGIONS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "975": "PM", "976": "YT"}


def phone_numbers(text: str, department: str = "") -> list[str]:
    """The valid phone numbers found in ``text``, as E.164 ("+33561000000")."""
    import phonenumbers

    region = PHONE_REGIONS.get(department, "FR")
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text or "", region):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if number not in found:
            found.append(number)
    if not found:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return []
        if phonenumbers.is_valid_number(number):
            found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found


def normalise_phone(text: str, department: str = "") -> str:
    """The first phone number of ``text`` as E.164, or ""."""
    found = phone_numbers(text, department)
    return found[0] if found else ""


def apply_form(actor: Actor, form) -> None:
    old_location = (actor.latitude, actor.longitude)
    actor.actor_kind = form.actor_kind.data
    if actor.actor_kind != "other":
        actor.kind_label_source = ""
    actor.address = (form.address.data or "").strip()
    set_location(actor, form.postcode.data, form.commune.data)
    actor.latitude = form.latitude.data
    actor.longitude = form.longitude.data
    if (actor.latitude, actor.longitude) != old_location or not actor.has_location:
        actor.location_approximate = False  # placed by hand (or no longer placed)
    actor.website = (form.website.data or "").strip()
    actor.email = (form.email.data or "").strip().lower()
    actor.phone = normalise_phone(form.phone.data or "", actor.department) or (form.phone.data or "").strip()
    actor.siret = "".join((form.siret.data or "").split())
    actor.rna = (form.rna.data or "").strip().upper()
    actor.social = {key: getattr(form, f"social_{key}").data.strip()
                    for key in SOCIAL_NETWORKS if getattr(form, f"social_{key}").data}
    actor.audiences = form.audiences.data or []


def fill_form(form, actor: Actor) -> None:
    for name in ("actor_kind", "address", "postcode", "commune", "latitude", "longitude", "website",
                 "email", "phone", "siret", "rna"):
        getattr(form, name).data = getattr(actor, name)
    for key in SOCIAL_NETWORKS:
        getattr(form, f"social_{key}").data = (actor.social or {}).get(key, "")
    form.audiences.data = list(actor.audiences)


def similar_actors(name: str, postcode: str = "", commune: str = "", exclude_id: int | None = None):
    """Structures with the same folded name in the same commune (a likely duplicate) — the same
    words in any order ("Fablab Artilect" and "Artilect FabLab")."""

    def words(text):
        return sorted(fold(text).replace("-", " ").split())

    folded = words(name)
    if not folded:
        return []
    found = find_commune(postcode, commune) if postcode else None
    stmt = select(Actor).where(Actor.status.in_(("published", "pending")))
    if found:
        stmt = stmt.where(Actor.insee == found.insee)
    elif commune:
        stmt = stmt.where(func.lower(Actor.commune) == commune.strip().lower())
    else:
        return []
    if exclude_id:
        stmt = stmt.where(Actor.id != exclude_id)
    return [a for a in db.session.scalars(stmt).all()
            if words(a.title) == folded]


def add_member(actor: Actor, user, role: str = MANAGER) -> ActorMember:
    """Make ``user`` a member of ``actor`` with ``role`` (a manager stays one when a claim
    only asked to be a member)."""
    for m in actor.members:
        if m.user_id == user.id:
            if role == MANAGER:
                m.role = MANAGER
            return m
    member = ActorMember(user=user, role=role)
    actor.members.append(member)  # appended once, from the actor's side: it cascades into the session
    return member


def propose(actor: Actor, user, manage: bool = False) -> None:
    """A member's new structure: published when the territory lets them publish, else queued
    for its animators; ``manage``: the proposer works there and keeps the page up to date."""
    if manage:
        add_member(actor, user, MANAGER)
    submit(actor, user)
    db.session.add(actor)
    db.session.flush()
    AuditLog.record(user, "actor.proposed", actor, actor.territory, status=actor.status)


def updated(actor: Actor, user) -> None:
    """After an edit: a rejected proposal edited by its author goes back to the animators."""
    if actor.status == REJECTED and actor.author_id == getattr(user, "id", None):
        submit(actor, user)
    AuditLog.record(user, "actor.updated", actor, actor.territory)


def moderate(actor: Actor, by, approve: bool, reason: str = "") -> None:
    """An animator's decision on a proposed structure: the decision of every content type."""
    from ...moderation import decide

    decide(actor, by, approve, reason)


def notify_proposer(actor: Actor, approved: bool, reason: str, url: str) -> None:
    """Tell the proposer the decision, in their language (see csti/moderation.py)."""
    from ...i18n import gettext as _
    from ...moderation import notify_author

    notify_author(actor, approved, reason, url, subject=lambda a: _("Your structure: %(title)s", title=a.title))


def pending_claim(actor: Actor, user) -> ClaimRequest | None:
    return db.session.scalar(select(ClaimRequest).where(
        ClaimRequest.actor_id == actor.id, ClaimRequest.user_id == user.id,
        ClaimRequest.status == CLAIM_PENDING))


def claim(actor: Actor, user, role: str, message: str = "") -> ClaimRequest:
    """"This is my structure": one pending request per person and structure."""
    existing = pending_claim(actor, user)
    if existing is not None:
        return existing
    request = ClaimRequest(actor=actor, user=user, role=role if role in ACTOR_ROLES else MEMBER,
                           message=(message or "").strip())
    db.session.add(request)
    AuditLog.record(user, "claim.requested", actor, actor.territory, role=request.role)
    return request


def managed_actor_ids(user) -> list[int]:
    return list(db.session.scalars(select(ActorMember.actor_id).where(
        ActorMember.user_id == user.id, ActorMember.role == MANAGER)))


def review_queue(user):
    """(proposed structures, membership requests) waiting for ``user``: the proposals of the
    territories they animate, the claims on those territories' structures and on the structures
    they manage. None when they review nothing."""
    from ...models import PENDING, Territory
    from ...policy import can

    territory_ids = [t.id for t in db.session.scalars(select(Territory)) if can(user, "moderate", t)]
    managed = managed_actor_ids(user)
    if not territory_ids and not managed:
        return None
    pending = db.session.scalars(
        select(Actor).where(Actor.status == PENDING, Actor.territory_id.in_(territory_ids))
        .order_by(Actor.created_at, Actor.id)).all() if territory_ids else []
    claims = db.session.scalars(
        select(ClaimRequest).join(Actor, Actor.id == ClaimRequest.actor_id)
        .where(ClaimRequest.status == CLAIM_PENDING)
        .where(or_(Actor.territory_id.in_(territory_ids), Actor.id.in_(managed)))
        .order_by(ClaimRequest.created_at, ClaimRequest.id)).all()
    return pending, claims


def may_decide(user, claim: ClaimRequest) -> bool:
    """The structure's managers and its territory's animators decide on claims."""
    from ...policy import is_animator

    return claim.actor.is_manager(user) or is_animator(user, claim.actor.territory)


def claim_reviewers(claim: ClaimRequest) -> list:
    """Who is told about a new claim: the structure's managers, else the territory's animators."""
    from ...models import Membership, User
    from ...models.territories import ROLE_ANIMATOR

    people = {u.id: u for u in claim.actor.managers() if u.id != claim.user_id}
    if not people and claim.actor.territory_id:
        for user in db.session.scalars(select(User).join(Membership).where(
                Membership.territory_id == claim.actor.territory_id, Membership.role == ROLE_ANIMATOR)):
            people[user.id] = user
    return list(people.values())


def notify_claim(claim: ClaimRequest, review_url: str) -> None:
    from ...mails import notify

    for reviewer in claim_reviewers(claim):
        notify(reviewer, _l("Request to join %(title)s", title=claim.actor.title), "mail/claim_new.txt",
               claim=claim, url=review_url)


def notify_claim_decision(claim: ClaimRequest, url: str) -> None:
    from ...mails import notify

    subject = (_l("You joined %(title)s", title=claim.actor.title) if claim.status == CLAIM_ACCEPTED
               else _l("Your request to join %(title)s", title=claim.actor.title))
    notify(claim.user, subject, "mail/claim_decision.txt", claim=claim, url=url)


def decide_claim(claim: ClaimRequest, by, accept: bool, reason: str = "") -> bool:
    """Accept or refuse a pending claim; False when it was already decided."""
    if claim.status != CLAIM_PENDING:
        return False
    claim.status = CLAIM_ACCEPTED if accept else CLAIM_REFUSED
    claim.reason = reason
    claim.decided_at = utcnow()
    claim.decided_by = by
    if accept:
        add_member(claim.actor, claim.user, claim.role)
    AuditLog.record(by, "claim.accepted" if accept else "claim.refused", claim.actor,
                    claim.actor.territory, user_id=claim.user_id, reason=reason,
                    before={"status": CLAIM_PENDING}, after={"status": claim.status})
    return True


# --- exports ---------------------------------------------------------------------------------
FEATURE_COLUMNS = (Actor.id, Actor.slug, Actor.title, Actor.actor_kind, Actor.commune, Actor.latitude,
                   Actor.longitude, Actor.location_approximate, Actor.kind_label_source)
APPROXIMATE = "__approximate__"  # the key of the popup's sentence in feature()'s ``labels``
APPROXIMATE_NOTE = _l("Approximate location (centre of the commune)")


def feature(actor, url: str, labels: dict | None = None) -> dict:
    """A GeoJSON point: ``actor`` is a structure or a row of its FEATURE_COLUMNS; ``labels``: the
    kinds' labels translated once for a whole map. A point placed at its commune's centre says
    so (``approximate``, and the popup's sentence in ``approximate_note``)."""
    labels = labels or {}
    kind = actor.actor_kind
    if kind == "other" and actor.kind_label_source:
        label = actor.kind_label_source
    else:
        label = labels.get(kind) or str(ACTOR_KINDS.get(kind, kind))
    approximate = bool(actor.location_approximate)
    properties = {"id": actor.id, "name": actor.title, "kind": kind,
                  "kind_label": label, "commune": actor.commune, "url": url,
                  "approximate": approximate}
    if approximate:
        properties["approximate_note"] = labels.get(APPROXIMATE) or str(APPROXIMATE_NOTE)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(actor.longitude, 6), round(actor.latitude, 6)]},
        "properties": properties,
    }


# "csti_id" is this site's number; "ref" the census identifier (see census.py), so that an
# export edited in a spreadsheet imports back onto the same structures (csti_id only within the
# importer's territory). "approximate_location": 1 when the point is the commune's centre.
CSV_COLUMNS = ["csti_id", "ref", "name", "kind", "summary", "address", "postcode", "commune", "department",
               "latitude", "longitude", "approximate_location", "website", "email", "phone", "audiences", "tags",
               "territory", "siret", "rna", "url"]

# OWASP's CSV injection guidance: a spreadsheet runs a cell starting with = + - @ (or tab/CR) as a
# formula. "=", tab and CR always are; "+", "-" and "@" followed by a number or a phone number
# ("+33 5 61 00 00 00", "-4.48") are data, and "+"/"-" followed by plain text ("- un atelier", a
# Markdown list) too: only operators, calls and references (( ) ! | & ^ * + " $ @ =) make them one.
_NUMBER_OR_PHONE = re.compile(r"\s*[\d(][\d\s.,()/%-]*")
_FORMULA_SYNTAX = re.compile(r'[=()!|&^*+"$@]')


def is_formula(text: str) -> bool:
    if not text:
        return False
    first, rest = text[0], text[1:]
    if first in "=\t\r":
        return True
    if first not in "+-@":
        return False
    if _NUMBER_OR_PHONE.fullmatch(rest):
        return False
    return first == "@" or bool(_FORMULA_SYNTAX.search(rest))


def neutralise(value) -> str:
    """A cell that a spreadsheet would run as a formula is prefixed with a quote (kept as text)."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (int, float)):
        return str(value)  # numbers (a negative longitude) are data, not formulas
    text = "" if value is None else str(value)
    return "'" + text if is_formula(text) else text


def csv_rows(actors, url_for_actor, excel: bool = False):
    """The export, line by line: plain CSV (UTF-8, commas), or for French spreadsheets
    (``excel``: semicolons, and a byte-order mark without which they read UTF-8 as
    Windows-1252). The census import reads both back."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if excel else ",")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" if excel else "") + out.getvalue()
    for actor in actors:
        out.seek(0)
        out.truncate()
        kind = actor.kind_label_source if actor.actor_kind == "other" and actor.kind_label_source else actor.actor_kind
        writer.writerow([neutralise(v) for v in (
            actor.id, actor.source_ref, actor.title, kind, actor.summary, actor.address, actor.postcode,
            actor.commune, actor.department, actor.latitude, actor.longitude,
            bool(actor.location_approximate and actor.has_location), actor.website,
            actor.email, actor.phone, "|".join(actor.audiences), "|".join(t.name for t in actor.tags),
            actor.territory.slug if actor.territory else "", actor.siret, actor.rna, url_for_actor(actor),
        )])
        yield out.getvalue()


def activity(actor, limit: int = 6) -> dict:
    """What a structure's page lists: its upcoming events (organised or hosted there) and its
    latest current publications (the registry's ``structure_page`` types; an expired
    announcement is not current: ``Content.current_clause``). A few bounded queries."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import contains_eager

    from ... import registry
    from ...listing import card_options
    from ...models import PUBLISHED, Content, content_owner
    from ...models.base import utcnow
    from ...models.events import Event, EventOccurrence

    owned = select(content_owner.c.content_id).where(content_owner.c.actor_id == actor.id)
    stmt = (select(EventOccurrence).join(Event, Event.id == EventOccurrence.event_id)
            .options(contains_eager(EventOccurrence.event))
            .where(Event.status == PUBLISHED, Event.public_clause(), EventOccurrence.ends_at >= utcnow(),
                   or_(Event.venue_id == actor.id, Event.id.in_(owned)))
            .order_by(EventOccurrence.starts_at).limit(limit * 4))
    seen, events = set(), []
    for occurrence in db.session.scalars(stmt).unique():
        if occurrence.event_id not in seen:
            seen.add(occurrence.event_id)
            events.append((occurrence, occurrence.event))
        if len(events) == limit:
            break
    kinds = registry.structure_kinds()
    current = [or_(Content.kind != kind, Content.id.in_(select(model.id).where(clause)))
               for kind in kinds
               for model in [registry.get(kind).model] if (clause := model.current_clause()) is not None]
    publications = db.session.scalars(
        select(Content).where(Content.status == PUBLISHED, Content.public_clause(), Content.id.in_(owned), Content.kind.in_(kinds), *current)
        .options(*card_options(Content))  # each kind's card columns by one query, not one per item
        .order_by(Content.published_at.desc(), Content.id.desc()).limit(limit)).all()
    return {"events": events, "publications": publications}
