"""Dates shown to people: Babel, in the instance's time zone (Europe/Paris)."""
from babel.dates import format_date as babel_format_date
from babel.dates import get_day_names
from flask_babel import format_date, format_datetime, format_time, get_locale


def datetime_filter(value, fmt="medium"):
    return format_datetime(value, fmt) if value else ""


def date_filter(value, fmt="long"):
    return format_date(value, fmt) if value else ""


def time_filter(value, fmt="short"):
    return format_time(value, fmt) if value else ""


def localtime_filter(value):
    """An aware UTC datetime -> the same instant in the instance's zone (for .date(), etc.)."""
    from .events import to_local

    return to_local(value) if value else value


def month_label(value):
    return babel_format_date(value, "LLLL y", locale=get_locale()).capitalize()


def weekday_label(value, width="wide"):
    return get_day_names(width, locale=get_locale())[value.weekday()]
