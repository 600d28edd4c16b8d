"""Fetching a linked source over HTTP (httpx): a timeout, a size cap, http(s) only, a few
redirects at most. Every failure is a ``SyncError`` with a message for the administrator's log.

httpx is imported by ``fetch`` only: an event's page asks this package where the event came from
(``credit``), and httpx would bring rich and pygments along into every served worker (2 MB).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


class SyncError(Exception):
    """A run of one source failed: nothing of it was written."""


def check_url(url: str) -> str:
    """``url`` if it can be linked (an absolute http or https URL with a host), else SyncError."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"not an http(s) address: {url!r}")
    if len(url) > 500:
        raise SyncError("the address is longer than 500 characters")
    return url


def fetch(url: str, accept: str) -> tuple[bytes, str]:
    """The body and content type of ``url``: refused (SyncError) when the source does not answer
    within ``SYNC_TIMEOUT`` seconds, answers another status than 200, or sends more than
    ``SYNC_MAX_BYTES``."""
    import httpx

    config = current_app.config
    limit = config.get("SYNC_MAX_BYTES", 5 * 1024 * 1024)
    headers = {"Accept": accept, "User-Agent": "csti-sync (+https://github.com/csti)"}
    try:
        with httpx.Client(timeout=config.get("SYNC_TIMEOUT", 10), follow_redirects=True,
                          max_redirects=3, headers=headers) as client:
            with client.stream("GET", check_url(url)) as response:
                if response.status_code != 200:
                    raise SyncError(f"the source answered HTTP {response.status_code}")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise SyncError(f"the source sent more than {limit} bytes")
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("content-type", "")
    except httpx.TimeoutException as error:
        raise SyncError(f"the source did not answer in time ({type(error).__name__})") from error
    except httpx.HTTPError as error:
        raise SyncError(f"the source could not be reached: {error}") from error
