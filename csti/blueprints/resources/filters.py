"""The resource centre's list filters (issue #16): the publications' ones (kind, territory,
theme, owning structure, text: ``listing.ContentFilter``) plus audiences, free or paid, and
availability on chosen dates — all SQL, read once from the query string.

``from``/``to`` (ISO dates, ``to`` optional: the same day) keep the lendable resources no
accepted or returned loan meets (``Resource.available_clause``). A date that is not one, out of
the years the site means (``bounds``), or an end before the start is an error next to its field
(the list answers 422 and shows every resource as if no date were chosen)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ...bounds import MAX_YEAR, MIN_YEAR
from ...i18n import lazy_gettext as _l
from ...listing import ContentFilter, audience_clause, multi
from ...models.audiences import ALL_AUDIENCES, AUDIENCES, PARTNERS, SCHOOL_LEVELS
from ...models.resources import RESOURCE_KINDS, Resource

# The audience filter's groups, as the form shows them.
AUDIENCE_GROUPS = (
    ("public", _l("Public"), AUDIENCES),
    ("school", _l("School levels"), SCHOOL_LEVELS),
    ("partners", _l("Partners"), PARTNERS),
)
DATE_ERRORS = {
    "date": _l("Not a date: use the form 2027-03-15."),
    "years": _l("Give a date between the years %(start)d and %(end)d.", start=MIN_YEAR, end=MAX_YEAR),
    "order": _l("The last day is before the first."),
    "missing": _l("Give the first day too."),
}


def _date(text: str | None) -> tuple[date | None, str | None]:
    """(the date, None), (None, None) when absent, (None, error code) when wrong."""
    text = (text or "").strip()
    if not text:
        return None, None
    try:
        value = date.fromisoformat(text[:10]) if len(text) == 10 else None
    except ValueError:
        value = None
    if value is None:
        # "20270-01-01" or "99999-…" are dates out of range rather than not dates at all.
        head = text.split("-")[0]
        return None, "years" if head.isdigit() and len(head) > 4 else "date"
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return None, "years"
    return value, None


@dataclass
class ResourceFilter(ContentFilter):
    audiences: list[str] = field(default_factory=list)
    free: str = ""  # "", "1" free, "0" paid
    start: date | None = None  # ?from=
    end: date | None = None  # ?to= (the same day when absent)
    raw_start: str = ""  # as typed, shown back when wrong
    raw_end: str = ""
    errors: dict = field(default_factory=dict)  # "from"/"to" → a code of DATE_ERRORS

    @classmethod
    def from_args(cls, args, kinds=RESOURCE_KINDS) -> ResourceFilter:
        base = ContentFilter.from_args(args, kinds)
        f = cls(**base.__dict__)
        f.audiences = multi(args, "audience", ALL_AUDIENCES)
        f.free = args.get("free", "") if args.get("free") in ("0", "1") else ""
        f.raw_start = (args.get("from") or "").strip()[:20]
        f.raw_end = (args.get("to") or "").strip()[:20]
        start, start_error = _date(f.raw_start)
        end, end_error = _date(f.raw_end)
        if start_error:
            f.errors["from"] = start_error
        if end_error:
            f.errors["to"] = end_error
        if not f.errors:
            if end and not start:
                f.errors["from"] = "missing"
            elif start and end and end < start:
                f.errors["to"] = "order"
        if not f.errors:
            f.start, f.end = start, end or start
        return f

    def shown(self, name: str) -> str:
        """The value of the ``from``/``to`` field: the date chosen, else what was typed when it is a
        calendar date (an inverted range, a year out of range) — never what ``type=date`` refuses."""
        if not self.errors:
            if name == "from":
                return self.start.isoformat() if self.start else ""
            return self.end.isoformat() if self.end and self.end != self.start else ""
        raw = self.raw_start if name == "from" else self.raw_end
        try:
            return raw if len(raw) == 10 and date.fromisoformat(raw) else ""
        except ValueError:
            return ""

    def error_message(self, name: str) -> str:
        code = self.errors.get(name)
        return str(DATE_ERRORS[code]) if code else ""

    def to_args(self, **changes) -> dict:
        data = {"audience": self.audiences, "free": self.free,
                "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end and self.end != self.start else None}
        data.update(changes)
        return super().to_args(**data)

    @property
    def active(self) -> bool:
        return super().active or bool(self.audiences or self.free or self.start)

    @property
    def active_count(self) -> int:
        return super().active_count + len(self.audiences) + bool(self.free) + bool(self.start)

    def apply(self, stmt, model=Resource, kind_column=None):
        stmt = super().apply(stmt, model, kind_column)
        if self.audiences:  # several audiences widen the selection
            stmt = stmt.where(audience_clause(model, self.audiences))
        if self.free:
            stmt = stmt.where(model.is_free.is_(self.free == "1"))
        if self.start:
            stmt = stmt.where(model.available_clause(self.start, self.end or self.start))
        return stmt
