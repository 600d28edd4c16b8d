"""User-written Markdown to safe HTML: markdown-it renders, nh3 sanitises.

markdown-it is run with raw HTML enabled so that simple inline HTML written by members
keeps working; nh3 (ammonia) then drops every script, style, event attribute and unsafe URL.
"""
import html as html_lib
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown source -> sanitised HTML string (stored beside the source)."""
    if not text:
        return ""
    # h1 is the page's own title: demote member headings by one level.
    html = _md.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitize_html(html)


@lru_cache(maxsize=512)
def plain_text(text: str) -> str:
    """Markdown source -> plain text (for excerpts and meta descriptions). Kept for the last 512
    texts: the instance home shows every territory's description as plain text on each visit
    (a Markdown rendering and a sanitising each, 1.5 ms a page)."""
    if not text:
        return ""
    html = _md.render(text)
    # nh3 returns HTML-escaped text: unescape it, Jinja escapes it again on output.
    return " ".join(html_lib.unescape(nh3.clean(html, tags=set(), strip_comments=True)).split())


def markdown_filter(text: str) -> Markup:
    return Markup(render_markdown(text))
