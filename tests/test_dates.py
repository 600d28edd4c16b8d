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
