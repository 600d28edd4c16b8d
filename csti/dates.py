"""Dates and times: the instance's time zone (Europe/Paris) and the conversions to and from
UTC (the database stores aware UTC), and the dates shown to people (Babel)."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_datetime_format, get_day_names
from flask import current_app

from .i18n import current_locale


def local_zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris"))
    except RuntimeError:  # outside an app
        return ZoneInfo("Europe/Paris")


def to_utc(local: datetime) -> datetime:
    """A naive local (Europe/Paris) datetime -> aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=local_zone())
    return local.astimezone(ZoneInfo("UTC"))


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def _shown(value):
    """What Flask-Babel's ``format_date``/``format_time`` format: a datetime in the instance's
    zone (a naive one is UTC), a date as it is."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(local_zone())
    return value


def format_date(value, fmt="medium") -> str:
    """Flask-Babel's ``format_date`` (the instance's zone and the current locale) straight
    from Babel: 7 µs instead of 21, for the cards' and the agenda's dates."""
    return babel_format_date(_shown(value), fmt, locale=current_locale())


def format_time(value, fmt="medium") -> str:
    """Flask-Babel's ``format_time``, like ``format_date``."""
    return babel_format_time(_shown(value), fmt, locale=current_locale())


def datetime_filter(value, fmt="medium"):
    """A date and time for people: the date at ``fmt`` (short, medium, long, full) and the time
    always short — hours and minutes, never seconds nor a time zone name ("2 janv. 2026, 14:00",
    "Jan 2, 2026, 2:00 PM"). Babel's own datetime formats add seconds from "medium" up."""
    if not value:
        return ""
    pattern = get_datetime_format(fmt, locale=current_locale()).replace("'", "")
    return pattern.replace("{0}", format_time(value, "short")).replace("{1}", format_date(value, fmt))


def date_filter(value, fmt="long"):
    return format_date(value, fmt) if value else ""


def iso_filter(value):
    """A machine-readable date or datetime for <time datetime>: whole seconds (HTML allows
    at most three digits of a fraction, Python writes six)."""
    if not value:
        return ""
    if hasattr(value, "hour"):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def time_filter(value, fmt="short"):
    return format_time(value, fmt) if value else ""


def localtime_filter(value):
    """An aware UTC datetime -> the same instant in the instance's zone (for .date(), etc.)."""
    return to_local(value) if value else value


def upper_first(value) -> str:
    """Upper-case the first letter only ("mercredi 16 octobre" -> "Mercredi 16 octobre"); Jinja's
    ``capitalize`` lower-cases the rest, which turns English "October" into "october"."""
    text = str(value or "")
    return text[:1].upper() + text[1:]


def month_label(value, capital=True):
    """"November 2026" ("Novembre 2026" in French); ``capital=False`` within a sentence: the
    month as the language writes it there ("novembre 2026")."""
    label = babel_format_date(value, "LLLL y", locale=current_locale())
    return upper_first(label) if capital else label


def weekday_label(value, width="wide"):
    return get_day_names(width, locale=current_locale())[value.weekday()]
