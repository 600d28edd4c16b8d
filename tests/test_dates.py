"""Dates and times shown to people: hours and minutes, never seconds (issue #13)."""
from datetime import UTC, datetime

import pytest

from csti.dates import datetime_filter, time_filter

WINTER = datetime(2026, 1, 2, 13, 0, tzinfo=UTC)  # 14:00 in Paris


@pytest.mark.parametrize("lang, fmt, expected", [
    ("fr", "short", "02/01/2026 14:00"),
    ("fr", "medium", "2 janv. 2026, 14:00"),
    ("fr", "long", "2 janvier 2026, 14:00"),
    ("fr", "full", "vendredi 2 janvier 2026, 14:00"),
    ("en", "medium", "Jan 2, 2026, 2:00\u202fPM"),
    ("en", "full", "Friday, January 2, 2026, 2:00\u202fPM"),
])
def test_datetime_filter_has_no_seconds_nor_zone(app, lang, fmt, expected):
    with app.test_request_context(headers={"Accept-Language": lang}):
        shown = datetime_filter(WINTER, fmt)
        assert shown == expected
        assert ":00:00" not in shown and "heure" not in shown


def test_time_filter_is_hours_and_minutes(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert time_filter(WINTER) == "14:00"


def test_dates_are_formatted_as_flask_babel_formats_them(app):
    """``csti.dates.format_date``/``format_time`` (Babel straight, the locale read where
    Flask-Babel keeps it) give Flask-Babel's text: both languages, a forced locale, winter and
    summer time, a naive datetime (UTC), a date, a day that is another in Paris than in UTC."""
    from contextlib import nullcontext
    from datetime import date

    import flask_babel
    from flask_babel import force_locale

    from csti import dates

    values = [WINTER, datetime(2026, 7, 14, 21, 30, tzinfo=UTC), datetime(2026, 3, 31, 22, 45, tzinfo=UTC),
              datetime(2026, 10, 25, 0, 59), date(2026, 2, 28)]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for forced in (None, "fr", "en"):
            with force_locale(forced) if forced else nullcontext():
                for value in values:
                    for fmt in ("short", "medium", "long", "full", "d MMM", "EEEE d MMMM y"):
                        assert dates.format_date(value, fmt) == flask_babel.format_date(value, fmt), (forced, value, fmt)
                        if isinstance(value, datetime) and fmt in ("short", "medium"):
                            assert dates.format_time(value, fmt) == flask_babel.format_time(value, fmt), (forced, value)
                assert dates.format_date(values[1], "long") == ("14 juillet 2026" if forced == "fr" else "July 14, 2026")
        assert dates.format_date(values[2], "short") == "4/1/26"  # 31 March 22:45 UTC: 1 April in Paris
