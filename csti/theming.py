"""A territory's look on its pages: its accent colour, made safe for text (docs/architecture.md
§5). The colour an administrator chose is darkened, if needed, until white text on it and it on
the site's light backgrounds meet WCAG AA (4.5:1); its pages then link ``/t/<slug>/theme.css``
(the CSP allows no inline style), which sets the site's brand colours to it."""
from __future__ import annotations

import hashlib
import re

DEFAULT = "#1d4e89"
# What the brand colour is read on or against: white text on it, it on white, the soft grey
# of panels and the light blue of messages (csti.css).
BACKGROUNDS = ("#ffffff", "#f3f5f8", "#e8f0fa")
AA = 4.5
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def parse(color: str | None) -> tuple[int, int, int] | None:
    match = _HEX.fullmatch((color or "").strip())
    if not match:
        return None
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def to_hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """The WCAG contrast ratio of two colours (hex strings or RGB tuples)."""
    a = parse(a) if isinstance(a, str) else a
    b = parse(b) if isinstance(b, str) else b
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def accessible(color: str | None, ratio: float = AA) -> str:
    """``color`` darkened step by step until it reaches ``ratio`` against every light
    background (white text included); the site's blue for a colour that is not #rrggbb."""
    rgb = parse(color)
    if rgb is None:
        return DEFAULT
    for _step in range(60):
        if min(contrast(rgb, parse(bg)) for bg in BACKGROUNDS) >= ratio:
            return to_hex(rgb)
        rgb = tuple(c * 0.92 for c in rgb)
    return "#000000"


def darker(color: str, factor: float = 0.75) -> str:
    return to_hex(c * factor for c in parse(color))


def theme_css(territory) -> str:
    accent = accessible(territory.color_primary)
    return (f"/* {territory.name}: accent {territory.color_primary} → {accent} (WCAG AA with white) */\n"
            f":root {{ --brand: {accent}; --brand-dark: {darker(accent)}; --territory-color: {accent}; }}\n")


def theme_version(territory) -> str:
    """Changes with the colours: the stylesheet's URL, so it may be cached for long."""
    key = f"{territory.color_primary}|{territory.color_secondary}|{territory.name}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def accents_css(territories) -> str:
    """Every territory's accent as a class (``territory-accent-<slug>``), for the pages that show
    several territories side by side (the home's territory cards)."""
    return "".join(f".territory-accent-{t.slug} {{ --territory-color: {accessible(t.color_primary)}; }}\n"
                   for t in territories)


def accents_version(territories) -> str:
    return hashlib.sha256("|".join(f"{t.slug}:{theme_version(t)}" for t in territories).encode()).hexdigest()[:10]
