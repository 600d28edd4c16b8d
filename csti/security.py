"""Security headers on every response."""
import logging
import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

from flask import current_app, request

from .videos import EMBED_ORIGINS

logger = logging.getLogger(__name__)


# Script and style files the pages load from elsewhere than the site (config.MAP_ASSETS, htmx).
SCRIPT_URLS = ("HTMX_URL", "LEAFLET_JS_URL", "MARKERCLUSTER_JS_URL")
STYLE_URLS = ("LEAFLET_CSS_URL", "MARKERCLUSTER_CSS_URL", "MARKERCLUSTER_DEFAULT_CSS_URL")
# Leaflet's default tile subdomains (map.js does not change them): what "{s}" stands for.
TILE_SUBDOMAINS = ("a", "b", "c")
# The only pages another site may show in a frame: the embeddable widgets (docs/architecture.md
# §18). Every other page — the "Embed" page that makes their code included — forbids it.
FRAMEABLE_ENDPOINTS = frozenset({"embed.agenda", "embed.news"})
_HOST = re.compile(r"(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?")
# Characters a CSP path may hold as they are (RFC 3986 pchar without ";" "," and the quote).
_PATH_SAFE = "/-._~!$&()*+=:@%"


def _source(url: str, *, path: bool) -> str | None:
    """The CSP source expression for an absolute http(s) URL: the exact file (``path``) or its
    origin; None for a URL on the site itself (``'self'`` covers it) or one that is not valid."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if not _HOST.fullmatch(parts.netloc):
        logger.warning("Content-Security-Policy: %r has an unusable host; left out", url)
        return None
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    if not path or not parts.path or parts.path == "/":
        return origin
    # The file alone (a source ending with "/" would allow the whole folder); the query is
    # ignored by CSP matching, and characters CSP gives a meaning to are percent-encoded.
    return origin + quote(parts.path.rstrip("/"), safe=_PATH_SAFE)


def _tile_sources(template: str) -> list[str]:
    """The hosts map tiles come from: ``{s}`` stands for each of Leaflet's subdomains."""
    parts = urlsplit((template or "").strip())
    host = parts.netloc
    if "{s}" in host:
        hosts = [host.replace("{s}", sub) for sub in TILE_SUBDOMAINS]
    elif "{" in host:
        # Another placeholder in the host: its leftmost label may be any (a CSP wildcard).
        label, _, rest = host.partition(".")
        hosts = [f"*.{rest}"] if "{" in label and "{" not in rest and rest else []
    else:
        hosts = [host]
    sources = (_source(f"{parts.scheme}://{h}/", path=False) for h in hosts)
    return [s for s in sources if s]


@lru_cache(maxsize=8)
def _policy(scripts: tuple, styles: tuple, tiles: str, media: str = "") -> str:
    script_src = {"'self'"} | {s for s in (_source(u, path=True) for u in scripts) if s}
    style_src = {"'self'"} | {s for s in (_source(u, path=True) for u in styles) if s}
    # ``media``: where uploaded images are linked to when not served by /media/ (CSTI_S3_PUBLIC_URL).
    img_src = {"'self'", "data:", *_tile_sources(tiles), *filter(None, [_source(media, path=False)])}
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(sorted(script_src)),
        "style-src " + " ".join(sorted(style_src)),
        "img-src " + " ".join(sorted(img_src)),
        "font-src 'self'",
        # The site itself (a newsletter's preview) and the video players a page loads on a click.
        "frame-src " + " ".join(("'self'", *EMBED_ORIGINS)),
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def frameable() -> bool:
    """Whether this response may be shown in another site's frame (a widget's page)."""
    return request.endpoint in FRAMEABLE_ENDPOINTS


def content_security_policy() -> str:
    cfg = current_app.config
    policy = _policy(tuple(cfg.get(k) for k in SCRIPT_URLS), tuple(cfg.get(k) for k in STYLE_URLS),
                     cfg.get("TILE_URL", ""),
                     cfg.get("S3_PUBLIC_URL") or "" if (cfg.get("STORAGE") or "local") == "s3" else "")
    frame_ancestors = "*" if frameable() else "'none'"
    return f"{policy}; frame-ancestors {frame_ancestors}"


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


class TrustedHostCheck:
    """WSGI middleware: a request whose Host is not in ``TRUSTED_HOSTS`` gets a plain 400 before
    the application sees it (Flask would refuse it too, but then could not even build the URLs of
    its error page). Inside ProxyFix, so a forwarded host is checked as well."""

    BODY = "Bad request: unknown host.\nRequête invalide : hôte inconnu.\n".encode()

    def __init__(self, app, trusted_hosts):
        self.app = app
        self.trusted_hosts = list(trusted_hosts)

    def __call__(self, environ, start_response):
        from werkzeug.sansio.utils import host_is_trusted

        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not host_is_trusted(host, self.trusted_hosts):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(self.BODY))),
                                               ("X-Content-Type-Options", "nosniff")])
            return [self.BODY]
        return self.app(environ, start_response)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not frameable():
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def without_cookies(response):
    """The response sets no cookie (a widget in another site's frame, an API answer): Flask saves
    the session after the request's hooks, only when it was modified (the site's sessions are never
    permanent), so whatever the request touched (a remember-me cookie read, a locale looked up, a
    token) is left unsaved, Flask-Login's remember cookie is neither set nor cleared, and any cookie
    already on the response is dropped."""
    from flask import session

    session.pop("_remember", None)
    session.modified = False
    while "Set-Cookie" in response.headers:
        response.headers.pop("Set-Cookie")
    return response
