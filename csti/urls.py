"""Redirect targets we accept from the client (no open redirects)."""
from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, allow_absolute_same_host: bool = False) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if not allow_absolute_same_host:
            return None
        if parts.netloc != request.host or parts.scheme not in ("http", "https"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
