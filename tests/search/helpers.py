"""Reading search results in tests."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_in(days: int, hour: int = 18) -> datetime:
    """A local (Paris, naive) date and time ``days`` from now (negative: in the past)."""
    day = datetime.now(PARIS).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0)


def found(results) -> list[str]:
    """Titles of the hits of a ``SearchResults``, in order."""
    return [hit["title"] for hit in results.hits]


def page_titles(response) -> list[str]:
    """Titles listed by a search page (or its htmx fragment), in order."""
    return [a.get_text(strip=True) for a in response.html.select(".search-results h3 a")]
