"""The agenda widget shows as many events as asked even when weekly events fill the first dates
(it used to read limit × 4 dates only: two weekly clubs hid the events after them)."""
from datetime import timedelta

from tests.events.conftest import in_days


def test_weekly_clubs_do_not_hide_the_events_after_them(testapp, occitanie, make_event):
    start = in_days(1)
    for title in ("Club robotique", "Club astronomie"):
        make_event(occitanie, title, start=start, recurrence="weekly", until=(start + timedelta(weeks=20)).date())
    make_event(occitanie, "Conférence de décembre", start=in_days(200))
    page = testapp.get("/embed/agenda?limit=3")
    titles = [a.text.strip() for a in page.html.select("main li a, li a")]
    assert any("Club robotique" in t for t in titles) and any("Club astronomie" in t for t in titles)
    assert any("Conférence de décembre" in t for t in titles), titles
