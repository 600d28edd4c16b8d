"""What the SEO tests share: the JSON-LD and meta of a page."""
import json


def json_ld(page) -> list[dict]:
    """The parsed ``<script type="application/ld+json">`` blocks of ``page`` (a WebTest response)."""
    return [json.loads(script.string) for script in page.html.select('head script[type="application/ld+json"]')]


def one_json_ld(page) -> dict:
    blocks = json_ld(page)
    assert len(blocks) == 1, blocks
    return blocks[0]


def meta(page) -> dict:
    """``{property or name: content}`` of the page's head."""
    return {m.get("property") or m.get("name"): m["content"] for m in page.html.select("head meta[content]")
            if m.get("property") or m.get("name")}


def canonical(page) -> str | None:
    link = page.html.select_one('head link[rel="canonical"]')
    return link["href"] if link is not None else None
