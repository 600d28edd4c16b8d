"""Security headers on every response."""
from urllib.parse import urlsplit

from flask import current_app, request


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def content_security_policy() -> str:
    cfg = current_app.config
    script_src = {"'self'"}
    style_src = {"'self'"}
    img_src = {"'self'", "data:"}
    for key in ("HTMX_URL", "LEAFLET_JS_URL"):
        origin = _origin(cfg.get(key, ""))
        if origin:
            script_src.add(origin)
    origin = _origin(cfg.get("LEAFLET_CSS_URL", ""))
    if origin:
        style_src.add(origin)
    tile = cfg.get("TILE_URL", "").replace("{s}", "a")
    origin = _origin(tile)
    if origin:
        img_src.add(origin)
    frame_ancestors = "*" if request.endpoint and request.endpoint.startswith("embed.") else "'none'"
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(sorted(script_src)),
        "style-src " + " ".join(sorted(style_src)),
        "img-src " + " ".join(sorted(img_src)),
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


class QueryStringSanitiser:
    """WSGI middleware: a query string that is not UTF-8 (a raw 0xE9 byte sent by an old
    client or a scanner) has its bad bytes percent-encoded, so every page — and the error page —
    reads it without failing (the bad characters become U+FFFD); NUL characters are dropped."""

    SAFE = "=&+%;/:,@!$'()*?~-._"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        from urllib.parse import quote

        query = environ.get("QUERY_STRING", "")
        if "%00" in query:
            # A NUL character means nothing in a filter, and PostgreSQL refuses it in a query.
            query = environ["QUERY_STRING"] = query.replace("%00", "")
        if query:
            try:
                query.encode("latin-1").decode("utf-8")
            except UnicodeError:
                raw = query.encode("latin-1", "replace")
                environ["QUERY_STRING"] = quote(raw, safe=self.SAFE)
        return self.app(environ, start_response)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not (request.endpoint or "").startswith("embed."):
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
