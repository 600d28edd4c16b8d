"""Reading and dating things in the events tests."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_now() -> datetime:
    """Now in Paris, naive, to the minute (what the event form takes)."""
    return datetime.now(PARIS).replace(tzinfo=None, second=0, microsecond=0)


def in_days(days: int, hour: int = 18, minute: int = 0) -> datetime:
    """A local (naive) date and time ``days`` from today."""
    day = local_now().date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute)


def path(event) -> str:
    """The canonical URL of an event's page."""
    return f"/event/{event.id}-{event.slug}"


def refresh(db) -> None:
    """See what the requests committed: end the test's own transaction (on SQLite in WAL mode an
    open read transaction keeps its snapshot) and expire what it loaded."""
    db.session.commit()
    db.session.expire_all()


def titles(response) -> list[str]:
    """Event titles listed by an agenda response (list view), in order."""
    return [a.get_text(strip=True) for a in response.html.select(".event-list h4 a")]
