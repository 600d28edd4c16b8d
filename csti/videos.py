"""Videos shown on a page from a few allow-listed hosts (issue #16: a resource's video).

Nothing is loaded from the host until the visitor asks: the page shows a link to the video and
a button (``static/js/video.js``) that puts the player's iframe in its place. ``VIDEO_HOSTS``
says which addresses people may give; ``EMBED_ORIGINS`` what the CSP's ``frame-src`` allows
(``security.py``) — the players ``embed`` builds, YouTube's without cookies."""
from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

# Host as typed → the service it belongs to.
VIDEO_HOSTS = {
    "youtube.com": "youtube", "www.youtube.com": "youtube", "m.youtube.com": "youtube", "youtu.be": "youtube",
    "youtube-nocookie.com": "youtube", "www.youtube-nocookie.com": "youtube",
    "vimeo.com": "vimeo", "www.vimeo.com": "vimeo", "player.vimeo.com": "vimeo",
    "dailymotion.com": "dailymotion", "www.dailymotion.com": "dailymotion", "dai.ly": "dailymotion",
    "canal-u.tv": "canal-u", "www.canal-u.tv": "canal-u",
}
SERVICE_NAMES = {"youtube": "YouTube", "vimeo": "Vimeo", "dailymotion": "Dailymotion", "canal-u": "Canal-U"}
# The players' origins: the only ones a page may frame besides the site itself.
EMBED_ORIGINS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com",
                 "https://www.dailymotion.com", "https://www.canal-u.tv")

_ID = re.compile(r"[A-Za-z0-9_-]{4,40}")
_DIGITS = re.compile(r"[0-9]{1,15}")


class Video(NamedTuple):
    url: str  # the address as given: the link without JavaScript
    service: str  # "youtube"…
    host: str  # the player's host, said before loading it
    embed: str  # the player's address ("" when only a link can be offered)


def _youtube(parts) -> str | None:
    path = [p for p in parts.path.split("/") if p]
    if parts.netloc.lower() == "youtu.be":
        candidate = path[0] if path else ""
    elif path[:1] == ["watch"]:
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    elif len(path) >= 2 and path[0] in ("embed", "shorts", "live", "v"):
        candidate = path[1]
    else:
        return None
    return f"https://www.youtube-nocookie.com/embed/{candidate}" if _ID.fullmatch(candidate) else None


def _vimeo(parts) -> str | None:
    path = [p for p in parts.path.split("/") if p]
    candidate = path[1] if path[:1] == ["video"] and len(path) > 1 else (path[-1] if path else "")
    return f"https://player.vimeo.com/video/{candidate}" if _DIGITS.fullmatch(candidate) else None


def _dailymotion(parts) -> str | None:
    path = [p for p in parts.path.split("/") if p]
    if parts.netloc.lower() == "dai.ly":
        candidate = path[0] if path else ""
    elif "video" in path and path.index("video") + 1 < len(path):
        candidate = path[path.index("video") + 1]
    else:
        return None
    candidate = candidate.split("_")[0]  # "/video/x8abc12_a-title"
    return f"https://www.dailymotion.com/embed/video/{candidate}" if _ID.fullmatch(candidate) else None


def _canal_u(parts) -> str | None:
    # Canal-U's players are under /embed/…; a page's address is offered as a link only.
    path = parts.path.rstrip("/")
    if path.startswith("/embed/") and re.fullmatch(r"/embed/[A-Za-z0-9_/-]{1,200}", path):
        return f"https://www.canal-u.tv{path}"
    return ""


PLAYERS = {"youtube": _youtube, "vimeo": _vimeo, "dailymotion": _dailymotion, "canal-u": _canal_u}


def parse(url: str | None) -> Video | None:
    """The video at ``url``, or None when it is not one of an allow-listed host we can show."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or host not in VIDEO_HOSTS or parts.username or port:
        return None
    service = VIDEO_HOSTS[host]
    embed = PLAYERS[service](parts)
    if embed is None:
        return None
    return Video(url, service, urlsplit(embed).hostname if embed else host, embed)
