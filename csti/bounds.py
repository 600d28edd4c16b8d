"""The ranges of what the database and the date arithmetic hold: whole numbers from the request
(ids, counts) within an SQL ``integer``, dates within years the site can mean. Beyond, PostgreSQL
fails with "integer out of range" and time-zone arithmetic overflows — a 500 instead of a 404 or a
message next to the field."""
from __future__ import annotations

from wtforms.validators import ValidationError

from .i18n import lazy_gettext as _l

# An Integer column is PostgreSQL's 32-bit `integer` (SQLite holds more): the common range.
DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)
# Dates accepted from people and URLs: beyond, they are typing errors.
MIN_YEAR, MAX_YEAR = 1900, 2200


def bounded_int(value) -> int:
    """``int()`` for request values, refusing (ValueError) what no Integer column can hold."""
    number = int(value)
    if not DB_INT_MIN <= number <= DB_INT_MAX:
        raise ValueError(f"{value!r} is out of range")
    return number


def parse_id(value) -> int | None:
    """A database id written in ASCII digits, or None (``"²".isdigit()`` is true, ``int("²")``
    fails; an id beyond DB_INT_MAX matches nothing)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= DB_INT_MAX else None


def year_in_range(value) -> bool:
    """A date or datetime (or None) within MIN_YEAR..MAX_YEAR."""
    return value is None or MIN_YEAR <= value.year <= MAX_YEAR


class InYears:
    """WTForms validator: a date or date-time between MIN_YEAR and MAX_YEAR."""

    def __call__(self, form, field):
        if not year_in_range(field.data):
            raise ValidationError(_l("Give a date between the years %(start)d and %(end)d.",
                                     start=MIN_YEAR, end=MAX_YEAR))
