"""Optional geocoding of an address through a Nominatim-compatible service.

Off unless ``CSTI_GEOCODER_URL`` is set (e.g. a self-hosted Nominatim's ``/search``). Nothing
is ever sent elsewhere; tests never call it. Respect the service's usage policy: one request
per click, a clear User-Agent.
"""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

from flask import current_app


class GeocodingError(Exception):
    pass


def enabled() -> bool:
    return bool(current_app.config.get("GEOCODER_URL"))


def geocode(address: str, postcode: str = "", commune: str = "") -> tuple[float, float] | None:
    """(latitude, longitude) of the best match in France, or None when nothing matches."""
    url = current_app.config.get("GEOCODER_URL")
    if not url:
        raise GeocodingError("geocoding is not configured")
    query = ", ".join(part for part in (address, f"{postcode} {commune}".strip()) if part)
    params = urllib.parse.urlencode({"q": query, "format": "jsonv2", "limit": 1, "countrycodes": "fr"})
    request = urllib.request.Request(f"{url}?{params}", headers={
        "User-Agent": f"csti ({current_app.config.get('SITE_NAME', 'csti')})",
        "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (configured https URL)
            results = json.loads(response.read(200_000))
    except (OSError, ValueError) as error:
        raise GeocodingError(str(error)) from None
    if not results:
        return None
    try:
        return float(results[0]["lat"]), float(results[0]["lon"])
    except (KeyError, TypeError, ValueError):
        raise GeocodingError("unexpected answer") from None
