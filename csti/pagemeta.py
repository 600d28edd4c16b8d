"""What a page tells search engines and link previews (docs/architecture.md §17): its canonical
URL, its meta description, its Open Graph and Twitter card — written by ``_og.html`` in
``base.html``'s ``og`` block from ``page_meta(...)``.

- An item's page (``og_item``): its title, summary (else the start of its text), its canonical
  address ``/<kind>/<id>-<slug>`` without any query, its cover (a structure's logo, else its
  territory's logo).
- Any other page: its title (the site's name on the home page), the description its template
  gives in ``base.html``'s ``description`` block (a list says what it lists; a territory's home
  its description), else the site's; the territory's logo on a territory's pages.
- Canonical URL of a list: its path with only the filters that name a section of the site —
  ``territory`` (a known territory's slug) and ``kind`` — and ``page`` beyond the first; every
  other parameter (dates, audiences, text searched, views, sort orders, tracking parameters) is
  dropped, so a filtered or tracked address points to the list people link to.

Absolute URLs come from ``url_for(..., _external=True)``: the configured server name, never a
forged Host (``security.TrustedHostCheck``). Nothing here queries the database: the territories
are the menu's (``current_territories()``, loaded once per request), given by ``_og.html``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request, url_for
from markupsafe import Markup
from werkzeug.routing import BuildError

from .bounds import parse_id
from .i18n import lazy_gettext as _l

DESCRIPTION_MAX = 200
# The list filters kept in a canonical URL: those that name a section of the site.
CANONICAL_FILTERS = ("territory", "kind")
_WORD = re.compile(r"[a-z0-9_-]{1,60}")
# The site's own description: the home page's introduction (already translated there).
SITE_DESCRIPTION = _l("The community of the actors of scientific, technical and industrial culture: associations, "
                      "fablabs, museums, laboratories, libraries and their partners. Find who does what near you, "
                      "share your news and events, work together.")
# Twitter shows a large image from 300 pixels wide (its "summary_large_image" card's minimum).
LARGE_IMAGE_MIN_WIDTH = 300


def excerpt(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters with "…"."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def item_description(item, limit: int = DESCRIPTION_MAX) -> str:
    """An item's summary, else the start of its text, else what its card says of it (its kind,
    place and territory: "Museum or science centre · Toulouse (31) · Occitanie")."""
    from .markdown import plain_text

    text = excerpt(item.summary or plain_text(item.body or ""), limit)
    if text:
        return text
    parts = (str(item.card_label), item.card_place, item.territory.name if item.territory else "")
    return excerpt(" · ".join(p for p in parts if p), limit)


def canonical_url(item=None, territories=()) -> str | None:
    """The page's canonical address (module docstring); None where there is no page to name
    (an error answered before any view). ``territories``: the known ones (the menu's), a
    ``territory`` filter naming another is dropped."""
    if item is not None and item.id is not None and item.view_endpoint:
        return url_for(item.view_endpoint, id=item.id, slug=item.slug, _external=True)
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    args = dict(request.view_args or {})
    for name in CANONICAL_FILTERS:
        value = request.args.get(name, "").strip()
        if not _WORD.fullmatch(value) or name in args:
            continue
        if name == "territory" and value not in {t.slug for t in territories}:
            continue
        args[name] = value
    page = parse_id(request.args.get("page"))  # "²".isdigit() is true, int("²") fails
    if page and 1 < page < 10**6 and "page" not in args:
        args["page"] = page
    try:
        return url_for(endpoint, **args, _external=True)
    except (BuildError, ValueError, TypeError):
        return None


@dataclass
class PageMeta:
    title: str
    description: str
    url: str | None
    type: str  # og:type
    image: str | None  # a stored image's path (UPLOAD_DIR)
    image_alt: str = ""
    published: datetime | None = None
    modified: datetime | None = None

    @property
    def image_url(self) -> str | None:
        from .storage import media_url

        return media_url(self.image, external=True)

    @property
    def image_size(self) -> tuple[int | None, int | None]:
        if not self.image:
            return None, None
        from .uploads import image_info

        info = image_info(self.image)
        return info.width, info.height

    @property
    def twitter_card(self) -> str:
        """``summary_large_image`` with an image, but one known to be too narrow for it."""
        width = self.image_size[0]
        if self.image and (width is None or width >= LARGE_IMAGE_MIN_WIDTH):
            return "summary_large_image"
        return "summary"


def for_item(item) -> PageMeta:
    image = item.cover_image or getattr(item, "logo", None) or (item.territory.logo if item.territory else None)
    return PageMeta(
        title=item.title,
        description=item_description(item),
        url=canonical_url(item),
        type="article",
        image=image,
        image_alt=item.cover_alt if item.cover_image and image == item.cover_image else "",
        published=item.published_at,
        modified=max((d for d in (item.updated_at, item.published_at) if d is not None), default=None),
    )


def for_page(title: str = "", description: str = "", territory=None, territories=()) -> PageMeta:
    from .markdown import plain_text

    site = current_app.config.get("SITE_NAME") or "csti"
    theme = territory if territory is not None and hasattr(territory, "logo") and hasattr(territory, "slug") else None
    text = excerpt(description)
    if not text and theme is not None and getattr(theme, "description", ""):
        text = excerpt(plain_text(theme.description))
    return PageMeta(
        title=site if request.endpoint == "main.index" or not title else title,
        description=text or str(SITE_DESCRIPTION),
        url=canonical_url(territories=territories),
        type="website",
        image=getattr(theme, "logo", None),
    )


def page_meta(item=None, title: str = "", description: str = "", territory=None, territories=()) -> PageMeta:
    """The template global ``_og.html`` reads (``territories``: the menu's, loaded once per request)."""
    if item is not None:
        return for_item(item)
    return for_page(_text(title), _text(description), territory, territories)


def _text(value) -> str:
    """A block's rendering (``self.title()``: escaped HTML) as plain text; Jinja escapes it again
    in the attribute."""
    if isinstance(value, Markup):
        return value.striptags()
    return str(value or "").strip()
