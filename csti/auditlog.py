"""The audit log as people read it (docs/architecture.md §3): a territory's for its animators
(/t/<slug>/audit), every territory's for the admins (/admin/audit). Filters (action, who, target
type, dates, territory for the admins) read from the query string, newest first, paginated; each
entry with a human label, its target linked when it still exists and the viewer may see it, the
changed fields before and after; the same rows as CSV (UTF-8 with a byte-order mark, cells a
spreadsheet would run as a formula neutralised)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .bounds import year_in_range
from .dates import datetime_filter, to_local, to_utc
from .extensions import db
from .i18n import gettext as _
from .i18n import lazy_gettext as _l
from .listing import like_pattern, paginate, printable
from .models import AuditLog, Content, Territory, User

PER_PAGE = 50
MAX_PAGE = 10_000
CSV_MAX_ROWS = 50_000

# Every action the code records (grep AuditLog.record), with its label; "<kind>.approved",
# "<kind>.rejected", "<kind>.updated" and "<kind>.taken_down" for each content kind are added by ``known_actions``.
ACTIONS = {
    "territory.created": _l("Territory created"),
    "territory.updated": _l("Territory settings changed"),
    "role.set": _l("Role changed"),
    "actors.imported": _l("Structures imported"),
    "actor.proposed": _l("Structure proposed"),
    "claim.requested": _l("Structure membership requested"),
    "claim.accepted": _l("Structure membership accepted"),
    "claim.refused": _l("Structure membership refused"),
    "comment.deleted": _l("Comment deleted"),
    "document.added": _l("Document added"),
    "document.deleted": _l("Document deleted"),
    "dossier.deleted": _l("Dossier deleted"),
    "dossier.collaborator_added": _l("Dossier collaborator added"),
    "dossier.partners_changed": _l("Dossier’s partner guides changed"),
    "event.registration_close": _l("Registrations closed"),
    "event.registration_open": _l("Registrations reopened"),
    "event.message": _l("Message sent to registrants"),
    "project.member_added": _l("Project team member added"),
    "project.help_offered": _l("Help offered to a project"),
    "group.joined": _l("Working group joined"),
    "group.requested": _l("Working group membership requested"),
    "group.request_accepted": _l("Working group request accepted"),
    "group.request_refused": _l("Working group request refused"),
    "group.invited": _l("Invited to a working group"),
    "group.left": _l("Working group left"),
    "group.role_changed": _l("Working group role changed"),
    "group.member_removed": _l("Working group member removed"),
    "account.deleted": _l("Account deleted"),
    "apikey.created": _l("API key created"),
    "apikey.revoked": _l("API key revoked"),
    "user.suspended": _l("Member suspended"),
    "user.banned": _l("Member banned"),
    "user.content_hidden": _l("Member’s content hidden"),
    "user.sanction_lifted": _l("Sanction lifted"),
    "actor.merge": _l("Structures merged"),
    "tag.merge": _l("Tags merged"),
    "booking.accepted": _l("Loan request accepted"),
    "booking.declined": _l("Loan request declined"),
    "booking.cancelled": _l("Loan cancelled"),
    "booking.returned": _l("Loan marked returned"),
    "survey.answer_hidden": _l("Survey answer hidden"),
    "survey.answer_shown": _l("Survey answer shown again"),
    "survey.deleted": _l("Survey deleted"),
}
_KIND_ACTIONS = {
    "approved": _l("%(kind)s approved"),
    "rejected": _l("%(kind)s rejected"),
    "updated": _l("%(kind)s edited"),
    "taken_down": _l("%(kind)s taken down"),
}
# Field names of before/after, as people read them.
FIELDS = {
    "name": _l("Name"), "slug": _l("Address (slug)"), "description": _l("Description"),
    "center_lat": _l("Map centre: latitude"), "center_lng": _l("Map centre: longitude"), "zoom": _l("Map zoom"),
    "color_primary": _l("Main colour"), "color_secondary": _l("Second colour"), "logo": _l("Logo"),
    "publish_policy": _l("Who publishes without review"),
    "trusted_after": _l("A member is trusted after this many publications approved"),
    "role": _l("Role"), "group_role": _l("Role in the group"), "status": _l("Status"),
    "registration_closed": _l("Registrations closed"), "user_id": _l("Member (number)"),
    "document_id": _l("Document (number)"), "comment_id": _l("Comment (number)"), "reason": _l("Reason"), "title": _l("Title"),
    # Documents, events, accounts, the structures import.
    "filename": _l("File name"), "sha256": _l("File fingerprint (SHA-256)"),
    "recipients": _l("Recipients"), "sent": _l("Mails sent"), "kept_content": _l("Publications kept"),
    "created": _l("Created"), "updated": _l("Updated"), "unchanged": _l("Unchanged"),
    # Take-downs and sanctions.
    "choice": _l("Decision"), "sanction_id": _l("Sanction (number)"), "sanctioned": _l("Sanctioned"),
    "kind": _l("Kind of sanction"), "ends_at": _l("Ends on"), "hidden": _l("Items hidden"),
    "lifted": _l("Lifted"), "restored": _l("Items shown again"),
    # Merges of tags and structures.
    "source": _l("Merged tag"), "target": _l("Tag kept"), "tag": _l("Tag kept"),
    "source_items": _l("Publications of the merged tag"), "source_followers": _l("Followers of the merged tag"),
    "items_moved": _l("Publications moved"), "items_already_tagged": _l("Publications already tagged"),
    "follows_moved": _l("Follows moved"), "deleted_tag_id": _l("Deleted tag (number)"),
    "duplicate": _l("Duplicate structure"), "kept": _l("Structure kept"), "deleted": _l("Deleted structure (number)"),
    "counts": _l("What the duplicate had"), "moved": _l("Moved"), "filled": _l("Empty fields filled"),
    "id": _l("Identifier"), "territory": _l("Territory (number)"),
    "owned": _l("Publications of the structure"), "events_venue": _l("Events held there"),
    "events_organiser": _l("Events organised"), "other_owned": _l("Other publications"),
    "followers": _l("Followers"), "dossier_items": _l("Dossier entries"), "newsletter_items": _l("Newsletter entries"),
    "team": _l("Team members"), "managers": _l("Managers"), "members": _l("Members"), "claims": _l("Membership requests"),
    "tags": _l("Tags"), "audiences": _l("Audiences"), "comments": _l("Comments"), "reactions": _l("Reactions"),
    "reports": _l("Reports"), "notifications": _l("Notifications"), "documents": _l("Documents"),
    "redirects": _l("Old addresses redirected"), "loans": _l("Loans requested"),
    "partners": _l("Guide for the partners"),
    "survey": _l("Survey (number)"), "responses": _l("Responses"),
    "prefix": _l("Start of the API key"),
    "summary": _l("Summary"), "website": _l("Website"), "email": _l("E-mail"), "phone": _l("Phone"),
    "siret": _l("SIRET"), "rna": _l("RNA"), "location": _l("Location"), "social": _l("Social networks"),
}
# What a take-down chose (csti/moderation.py: unpublish, archive, delete).
CHOICES = {"unpublish": _l("Unpublished (back to draft)"), "archive": _l("Archived"), "delete": _l("Deleted")}


def _content_kinds() -> dict:
    return {k: cls for k, cls in Content.KINDS.items() if k != "content"}


def known_actions() -> dict:
    """Action → label, the static ones then those of each content kind."""
    actions = dict(ACTIONS)
    for kind, cls in sorted(_content_kinds().items()):
        for suffix, label in _KIND_ACTIONS.items():
            actions.setdefault(f"{kind}.{suffix}", label % {"kind": cls.kind_label})
    return actions


def action_groups() -> list:
    """The action select's option groups: (label, {action: label})."""
    actions = known_actions()
    return [(_("Territory, people and structures"), {k: v for k, v in actions.items() if k in ACTIONS}),
            (_("Publications"), {k: v for k, v in actions.items() if k not in ACTIONS})]


def action_label(action: str) -> str:
    actions = known_actions()
    return str(actions.get(action, action))


def target_types() -> dict:
    """target_type (the lower-cased class name ``AuditLog.record`` writes) → label."""
    types = {"territory": _l("Territory"), "user": _l("Member"), "tag": _l("Tag")}
    for cls in _content_kinds().values():
        types[cls.__name__.lower()] = cls.kind_label
    return dict(sorted(types.items(), key=lambda kv: str(kv[1]).lower()))


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name))


def _parse_date(raw: str):
    """(date or None, error or None) of a YYYY-MM-DD value."""
    text = (raw or "").strip()[:20]
    if not text:
        return None, None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None, _("Give a date as YYYY-MM-DD.")
    if not year_in_range(value):
        return None, _("Give a date between the years %(start)d and %(end)d.", start=1900, end=2200)
    return value, None


@dataclass
class AuditFilter:
    action: str = ""
    who: str = ""
    target_type: str = ""
    territory: str = ""  # a slug: the admins' page only
    date_from: date | None = None
    date_to: date | None = None
    raw_from: str = ""
    raw_to: str = ""
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, territories=None) -> AuditFilter:
        """Unknown actions, types or territories are left aside (a forged value filters nothing);
        a date that is not one, or a range that ends before it starts, is an error of its field."""
        action = printable(args.get("action") or "").strip()[:60]
        target_type = printable(args.get("target_type") or "").strip()[:40]
        territory = printable(args.get("territory") or "").strip()[:60]
        f = cls(
            action=action if action in known_actions() else "",
            who=" ".join(printable(args.get("who") or "").split())[:100],
            target_type=target_type if target_type in target_types() else "",
            territory=territory if territories is not None and territory in {t.slug for t in territories} else "",
            raw_from=(args.get("from") or "").strip()[:20], raw_to=(args.get("to") or "").strip()[:20],
        )
        f.date_from, error = _parse_date(f.raw_from)
        if error:
            f.errors["from"] = error
        f.date_to, error = _parse_date(f.raw_to)
        if error:
            f.errors["to"] = error
        if f.date_from and f.date_to and f.date_to < f.date_from:
            f.errors["to"] = _("The end date is before the start date.")
        return f

    @property
    def active_count(self) -> int:
        return sum(bool(v) for v in (self.action, self.who, self.target_type, self.territory,
                                      self.raw_from, self.raw_to))

    def to_args(self, **changes) -> dict:
        data = {"action": self.action, "who": self.who, "target_type": self.target_type,
                "territory": self.territory, "from": self.raw_from, "to": self.raw_to}
        data.update(changes)
        return {k: v for k, v in data.items() if v}

    def select(self, territory: Territory | None = None):
        """The entries, newest first: of ``territory`` if given (an animator's page), else of
        every territory (the admins', narrowed by the territory filter)."""
        stmt = select(AuditLog)
        if territory is not None:
            stmt = stmt.where(AuditLog.territory_id == territory.id)
        elif self.territory:
            stmt = stmt.where(AuditLog.territory_id == select(Territory.id).where(
                Territory.slug == self.territory).scalar_subquery())
        if self.action:
            stmt = stmt.where(AuditLog.action == self.action)
        if self.target_type:
            stmt = stmt.where(AuditLog.target_type == self.target_type)
        if self.who:
            pattern = like_pattern(self.who.lower())
            stmt = stmt.where(AuditLog.actor_id.in_(select(User.id).where(or_(
                User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))))
        if not self.errors:
            if self.date_from:
                stmt = stmt.where(AuditLog.created_at >= to_utc(datetime.combine(self.date_from, time())))
            if self.date_to:
                stmt = stmt.where(AuditLog.created_at < to_utc(datetime.combine(self.date_to + timedelta(days=1),
                                                                                time())))
        return stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


def page_of(stmt, number: int):
    # Counted each time, not kept (listing.count_of): writing the audit log alone does not make
    # the data version move (pagecache.IGNORED_TABLES), so a kept total would lag behind.
    page = paginate(stmt.options(selectinload(AuditLog.actor).lazyload(User.memberships)), AuditLog.id,
                    min(max(number, 1), MAX_PAGE), PER_PAGE, count=False)
    page.total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return page


# --- what a row shows ---------------------------------------------------------------------------
@dataclass
class Target:
    label: str
    url: str | None = None


def targets(entries, viewer) -> dict:
    """(target_type, target_id) → Target: the item's name, and its link when it still exists and
    ``viewer`` may see it — one query per kind of target on the page."""
    from .policy import can

    wanted: dict[str, set] = {}
    for e in entries:
        if e.target_type and e.target_id:
            wanted.setdefault(e.target_type, set()).add(e.target_id)
    found = {}
    content_types = {cls.__name__.lower() for cls in _content_kinds().values()}
    content_ids = set().union(*(ids for t, ids in wanted.items() if t in content_types)) if wanted else set()
    if content_ids:
        for item in db.session.scalars(select(Content).where(Content.id.in_(content_ids))):
            key = (type(item).__name__.lower(), item.id)
            found[key] = Target(item.title, item.url if can(viewer, "view", item) else None)
    if wanted.get("user"):
        for user in db.session.scalars(select(User).where(User.id.in_(wanted["user"]))):
            found[("user", user.id)] = Target(user.name, url_for("accounts.profile", user_id=user.id))
    if wanted.get("territory"):
        for t in db.session.scalars(select(Territory).where(Territory.id.in_(wanted["territory"]))):
            found[("territory", t.id)] = Target(t.name, url_for("territories.home", slug=t.slug))
    types = target_types()
    for kind, ids in wanted.items():
        for target_id in ids:
            found.setdefault((kind, target_id), Target(_("%(kind)s #%(id)d (deleted)",
                                                         kind=types.get(kind, kind), id=target_id)))
    return found


def _value(field_name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if field_name == "publish_policy":
        from .blueprints.territories.forms import PUBLISH_CHOICES

        return str(dict(PUBLISH_CHOICES).get(value, value))
    if field_name == "role":
        from .templating import role_label

        return str(role_label(value))
    if field_name == "status":
        from .models.content import STATUS_LABELS

        labels = {**STATUS_LABELS, "accepted": _("Accepted"), "refused": _("Refused")}  # + a claim's
        return str(labels.get(value, value))
    if field_name == "choice":
        return str(CHOICES.get(value, value))
    if field_name == "kind" and isinstance(value, str):
        from .sanctions import KIND_LABELS

        return str(KIND_LABELS.get(value, value))
    if field_name == "partners" and isinstance(value, list):  # a dossier’s partners’ pages
        from .models.audiences import PARTNERS

        return ", ".join(str(PARTNERS.get(v, v)) for v in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field_name.endswith("_at") and isinstance(value, str):  # an ISO date and time, stored in UTC
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return datetime_filter(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if isinstance(value, dict):  # the counts of a merge…
        return "; ".join(f"{field_label(k)}: {_value(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):  # …the fields it filled
        return ", ".join(field_label(v) if isinstance(v, str) else str(v) for v in value) or "—"
    return str(value)


def changes_of(entry) -> list[tuple[str, str, str]]:
    """(field label, before, after) of each changed field: ``before``/``after`` dicts, and the
    ``old``/``new`` role of the entries written before those existed."""
    details = entry.details or {}
    before, after = details.get("before"), details.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        if "old" in details or "new" in details:
            before, after = {"role": details.get("old")}, {"role": details.get("new")}
        else:
            return []
    names = list(dict.fromkeys([*before, *after]))
    return [(field_label(n), _value(n, before.get(n)), _value(n, after.get(n))) for n in names]


def other_details(entry) -> list[tuple[str, str]]:
    """The details besides the changes (a reason, counts…), labelled."""
    details = entry.details or {}
    skip = {"before", "after", "old", "new"}
    return [(field_label(k), _value(k, v)) for k, v in details.items() if k not in skip and v not in (None, "")]


# --- CSV ------------------------------------------------------------------------------------------
def neutralise(value) -> str:
    """A cell a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a
    leading apostrophe: read as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(entries, viewer) -> str:
    """The entries as CSV, for Excel too: UTF-8 with a byte-order mark, the csv module's quoting."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Date"), _("Who"), _("E-mail"), _("Action"), _("Action code"), _("Target type"),
                     _("Target id"), _("Target"), _("Territory"), _("Changes"), _("Details")])
    found = targets(entries, viewer)
    types = target_types()
    territories = {t.id: t.name for t in db.session.scalars(select(Territory))}
    for e in entries:
        target = found.get((e.target_type, e.target_id))
        writer.writerow([neutralise(v) for v in (
            to_local(e.created_at).strftime("%Y-%m-%d %H:%M") if e.created_at else "",
            e.actor.name if e.actor else _("system"), e.actor.email if e.actor else "",
            action_label(e.action), e.action, str(types.get(e.target_type, e.target_type)), e.target_id,
            target.label if target else "", territories.get(e.territory_id, ""),
            "; ".join(f"{name}: {old} → {new}" for name, old, new in changes_of(e)),
            "; ".join(f"{name}: {value}" for name, value in other_details(e)),
        )])
    return "\ufeff" + out.getvalue()


def when(entry) -> str:
    return datetime_filter(entry.created_at)


def audit_response(territory: Territory | None, endpoint: str, viewer, csv_export: bool = False, **values):
    """The audit page (full, or its ``results`` block for htmx) or its CSV, of ``territory`` (an
    animator's page) or every territory (``None``: the admins'). An inverted or unreadable date
    range: the message next to its field and 422, no rows."""
    from flask import Response, request

    from .htmx import render

    territories = None if territory is not None else db.session.scalars(
        select(Territory).order_by(Territory.name)).all()
    filters = AuditFilter.from_args(request.args, territories)
    csv_export = csv_export or request.args.get("format") == "csv"
    status = 422 if filters.errors else 200
    if csv_export and not filters.errors:
        entries = db.session.scalars(filters.select(territory).options(
            selectinload(AuditLog.actor).lazyload(User.memberships)).limit(CSV_MAX_ROWS)).all()
        name = f"audit-{territory.slug if territory else 'all'}-{date.today().isoformat()}.csv"
        return Response(csv_text(entries, viewer), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    number = request.args.get("page", 1, type=int)
    page = None if filters.errors else page_of(filters.select(territory), number)
    entries = page.items if page else []
    args = filters.to_args()
    return render("audit/log.html", block="results", status=status, territory=territory,
                  territories=territories, filters=filters, page=page, entries=entries,
                  targets=targets(entries, viewer), action_groups=action_groups(), types=target_types(),
                  page_url=lambda n: url_for(endpoint, page=n, **values, **args),
                  page_endpoint=url_for(endpoint, **values),
                  csv_url=url_for(endpoint, format="csv", **values, **args),
                  action_label=action_label, changes_of=changes_of, other_details=other_details,
                  territory_names={t.id: t.name for t in territories} if territories else {})
