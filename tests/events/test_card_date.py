"""An event's card where it shows without one of its dates (a tag's page, "My content"): its
next date, not its first one nor its publication; its last one, marked past, once all are over."""
from datetime import timedelta

import pytest

from csti.dates import iso_filter

from .helpers import in_days

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


def _card(page, title):
    link = page.html.find("a", string=title)
    assert link is not None, f"no card for {title!r}"
    return link.find_parent("li", class_="card")


def _occurrence_starts(event):
    return [iso_filter(o.starts_at) for o in event.occurrences]


def test_a_recurring_event_whose_first_date_is_past_shows_its_next_one(testapp_en, db, occitanie, make_event,
                                                                         factory, log_in):
    author = factory.user(roles={occitanie: "contributor"})
    # Weekly from 20 days ago: its dates fall 6 days ago and tomorrow, never today, whose date
    # would be next or over depending on the hour the test runs.
    club = make_event(occitanie, "Club du jeudi", start=in_days(-20), recurrence="weekly",
                      until=in_days(35).date(), tags=["astronomie"], author=author)
    starts = _occurrence_starts(club)
    next_start = iso_filter(next(o.starts_at for o in club.occurrences if o.starts_at.date() > in_days(0).date()))
    assert starts[0] != next_start  # the first date is past
    for page in (testapp_en.get("/tags/astronomie"), log_in(testapp_en, author).get("/me/content")):
        card = _card(page, "Club du jeudi")
        stamp = card.select_one(".meta time")
        assert stamp["datetime"] == next_start
        assert "(past)" not in card.text


def test_an_event_all_past_shows_its_last_date_marked_past(testapp_en, db, occitanie, make_event):
    old = make_event(occitanie, "Cycle terminé", start=in_days(-30), recurrence="weekly",
                     until=in_days(-10).date(), tags=["astronomie"])
    last = max(o.starts_at for o in old.occurrences)
    card = _card(testapp_en.get("/tags/astronomie"), "Cycle terminé")
    assert card.select_one(".meta time")["datetime"] == iso_filter(last)
    assert "(past)" in card.select_one(".meta").get_text(" ", strip=True)


def test_an_event_going_on_now_shows_the_date_that_runs(testapp_en, db, occitanie, make_event):
    ongoing = make_event(occitanie, "Exposition en cours", start=in_days(-2), end=in_days(5), tags=["astronomie"],
                         kind="exhibition")
    card = _card(testapp_en.get("/tags/astronomie"), "Exposition en cours")
    assert card.select_one(".meta time")["datetime"] == iso_filter(ongoing.occurrences[0].starts_at)
    assert "(past)" not in card.text


def test_one_statement_for_the_dates_of_a_whole_page(app, db, occitanie, make_event):
    """The dates of every event of the page come by one query (Event.card_span), whatever
    their number: the cards never ask one by one."""
    from sqlalchemy import event as sa_event
    from sqlalchemy import select

    from csti.models import Event

    for n in range(4):
        make_event(occitanie, f"Séance {n}", start=in_days(-7 - n), recurrence="weekly",
                   until=in_days(30).date())
    db.session.commit()
    db.session.expunge_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    events = db.session.scalars(select(Event)).all()
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        spans = [e.card_span for e in events]
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert all(s.starts_at + timedelta(hours=2) == s.ends_at and not s.is_past for s in spans)
