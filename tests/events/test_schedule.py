"""Dates of an event: several dates, weekly and monthly recurrences, exceptions, all-day events,
the change of time in Europe/Paris, and the bounds (csti.blueprints.events.schedule.expand / schedule)."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from csti.blueprints.events.schedule import ScheduleError, expand, schedule
from csti.models import Event, EventOccurrence
from csti.models.events import MAX_OCCURRENCES

from .helpers import PARIS


def local(value):
    """An aware UTC datetime -> naive Paris time (what people read)."""
    return value.astimezone(PARIS).replace(tzinfo=None)


def starts(event):
    return [local(o.starts_at) for o in event.occurrences]


def test_one_date(app, db, occitanie):
    event = Event(title="Conférence", territory=occitanie)
    schedule(event, datetime(2026, 6, 3, 18, 30), datetime(2026, 6, 3, 20, 0))
    assert [(local(o.starts_at), local(o.ends_at)) for o in event.occurrences] == [
        (datetime(2026, 6, 3, 18, 30), datetime(2026, 6, 3, 20, 0))]
    # Stored in UTC: 18:30 in Paris in June is 16:30 UTC.
    assert event.starts_at.utcoffset() == timedelta(0) and event.starts_at.hour == 16
    assert event.recurrence == "none" and event.recurrence_until is None


def test_several_dates_each_as_long_as_the_first(app, db, occitanie):
    event = Event(title="Festival", territory=occitanie)
    schedule(event, datetime(2026, 10, 3, 10, 0), datetime(2026, 10, 3, 18, 0),
             extra_starts=[datetime(2026, 10, 10, 14, 0), datetime(2026, 10, 4, 10, 0), datetime(2026, 10, 3, 10, 0)])
    assert [(local(o.starts_at), local(o.ends_at)) for o in event.occurrences] == [
        (datetime(2026, 10, 3, 10, 0), datetime(2026, 10, 3, 18, 0)),
        (datetime(2026, 10, 4, 10, 0), datetime(2026, 10, 4, 18, 0)),
        (datetime(2026, 10, 10, 14, 0), datetime(2026, 10, 10, 22, 0)),
    ]
    assert event.extra_dates == ["2026-10-03T10:00", "2026-10-04T10:00", "2026-10-10T14:00"]


def test_weekly_until_a_date(app, db, occitanie):
    event = Event(title="Club", territory=occitanie)
    schedule(event, datetime(2026, 1, 7, 18, 0), datetime(2026, 1, 7, 20, 0), recurrence="weekly",
             until=date(2026, 2, 4))
    assert starts(event) == [datetime(2026, 1, d, 18, 0) for d in (7, 14, 21, 28)] + [datetime(2026, 2, 4, 18, 0)]
    assert event.recurrence == "weekly"
    assert local(event.recurrence_until).date() == date(2026, 2, 4)


def test_monthly_on_the_second_tuesday(app, db, occitanie):
    event = Event(title="Café des sciences", territory=occitanie)
    # 13 January 2026 is the second Tuesday of the month.
    schedule(event, datetime(2026, 1, 13, 19, 0), datetime(2026, 1, 13, 21, 0), recurrence="monthly",
             until=date(2026, 5, 1))
    assert starts(event) == [datetime(2026, 1, 13, 19, 0), datetime(2026, 2, 10, 19, 0),
                             datetime(2026, 3, 10, 19, 0), datetime(2026, 4, 14, 19, 0)]
    assert all(s.weekday() == 1 and 8 <= s.day <= 14 for s in starts(event))


def test_monthly_on_a_fifth_weekday_means_the_last(app, db, occitanie):
    # 29 January 2026 is the fifth (and last) Thursday; February has only four.
    pairs = expand(datetime(2026, 1, 29, 9, 0), datetime(2026, 1, 29, 12, 0), "monthly", date(2026, 4, 30))
    assert [s for s, _e in pairs] == [datetime(2026, 1, 29, 9, 0), datetime(2026, 2, 26, 9, 0),
                                      datetime(2026, 3, 26, 9, 0), datetime(2026, 4, 30, 9, 0)]


def test_exceptions_skip_dates(app, db, occitanie):
    event = Event(title="Club", territory=occitanie)
    schedule(event, datetime(2026, 12, 10, 18, 0), datetime(2026, 12, 10, 19, 0), recurrence="weekly",
             until=date(2027, 1, 7), exceptions=[date(2026, 12, 24), date(2026, 12, 31)])
    assert [s.date() for s in starts(event)] == [date(2026, 12, 10), date(2026, 12, 17), date(2027, 1, 7)]
    assert event.exceptions == ["2026-12-24", "2026-12-31"]


def test_all_day_spans_whole_days(app, db, occitanie):
    event = Event(title="Exposition", territory=occitanie)
    schedule(event, datetime(2026, 5, 2, 14, 0), datetime(2026, 5, 4, 9, 0), all_day=True,
             extra_starts=[datetime(2026, 6, 6, 15, 30)])
    assert event.all_day is True
    assert [(local(o.starts_at), local(o.ends_at)) for o in event.occurrences] == [
        (datetime(2026, 5, 2, 0, 0), datetime(2026, 5, 4, 23, 59)),
        (datetime(2026, 6, 6, 0, 0), datetime(2026, 6, 8, 23, 59)),
    ]


def test_local_time_is_kept_across_the_autumn_time_change(app, db, occitanie):
    """Paris leaves summer time on 25 October 2026: 18:00 local stays 18:00 local (16:00 UTC
    before, 17:00 UTC after)."""
    event = Event(title="Club du jeudi", territory=occitanie)
    schedule(event, datetime(2026, 10, 15, 18, 0), datetime(2026, 10, 15, 19, 30), recurrence="weekly",
             until=date(2026, 11, 5))
    assert starts(event) == [datetime(2026, 10, d, 18, 0) for d in (15, 22, 29)] + [datetime(2026, 11, 5, 18, 0)]
    assert [local(o.ends_at).time() for o in event.occurrences] == [time(19, 30)] * 4
    assert [o.starts_at.hour for o in event.occurrences] == [16, 16, 17, 17]


def test_occurrences_are_rebuilt_when_rescheduled(app, db, occitanie):
    event = Event(title="Club", territory=occitanie)
    schedule(event, datetime(2026, 1, 7, 18, 0), datetime(2026, 1, 7, 20, 0), recurrence="weekly",
             until=date(2026, 3, 4))
    event.publish()
    db.session.add(event)
    db.session.commit()
    assert db.session.scalar(select(func.count(EventOccurrence.id))) == 9
    schedule(event, datetime(2026, 2, 1, 10, 0), datetime(2026, 2, 1, 12, 0))
    db.session.commit()
    assert db.session.scalar(select(func.count(EventOccurrence.id))) == 1
    assert event.recurrence == "none" and event.recurrence_until is None


@pytest.mark.parametrize("kwargs, field", [
    ({"end": datetime(2026, 1, 7, 17, 0)}, "ends_at"),
    ({"end": datetime(2027, 3, 1, 18, 0)}, "ends_at"),  # longer than a year
    ({"recurrence": "weekly"}, "recurrence_until"),  # no end to the recurrence
    ({"recurrence": "weekly", "until": date(2026, 1, 1)}, "recurrence_until"),
    ({"recurrence": "weekly", "until": date(2034, 1, 1)}, "recurrence_until"),  # > 366 dates
    ({"recurrence": "monthly", "until": date(2060, 1, 1)}, "recurrence_until"),
    ({"exceptions": [date(2026, 1, 7)]}, "exceptions"),  # nothing left
    ({"extra_starts": [datetime(2026, 2, 1, 10) + timedelta(days=n) for n in range(MAX_OCCURRENCES)]},
     "extra_dates"),
])
def test_impossible_schedules_are_refused_on_a_field(app, db, occitanie, kwargs, field):
    event = Event(title="Club", territory=occitanie)
    end = kwargs.pop("end", datetime(2026, 1, 7, 20, 0))
    with pytest.raises(ScheduleError) as error:
        schedule(event, datetime(2026, 1, 7, 18, 0), end, **kwargs)
    assert error.value.field == field and str(error.value)
    assert event.occurrences == [] and event.starts_at is None


def test_a_recurrence_may_give_exactly_the_maximum(app, db, occitanie):
    first = datetime(2026, 1, 7, 18, 0)
    until = (first + timedelta(weeks=MAX_OCCURRENCES - 1)).date()
    assert len(expand(first, first + timedelta(hours=1), "weekly", until)) == MAX_OCCURRENCES
    with pytest.raises(ScheduleError):
        expand(first, first + timedelta(hours=1), "weekly", until + timedelta(days=7))
