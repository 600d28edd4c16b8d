"""A widget's accent colour, made readable (docs/architecture.md §18). The colour given in the
URL is only ever written into CSS as ``#rrggbb`` rebuilt from its parsed numbers; as the colour
of links and headings it is darkened (light theme) or lightened (dark theme) until it reaches
WCAG AA (4.5:1) against the widget's background, and kept as chosen only for the decorative
border, where no text is read on it."""
from __future__ import annotations

from ...theming import DEFAULT, contrast, parse, to_hex

AA = 4.5
# The widget's backgrounds (static/css/embed.css: --embed-bg of each theme).
BACKGROUNDS = {"light": "#ffffff", "dark": "#15181d"}


def readable(color: str, theme: str) -> str:
    """``color`` (``#rrggbb``) moved towards black (light theme) or white (dark theme), step by
    step, until it meets AA against the theme's background."""
    rgb = parse(color) or parse(DEFAULT)
    background = parse(BACKGROUNDS[theme])
    for _step in range(80):
        if contrast(rgb, background) >= AA:
            return to_hex(rgb)
        rgb = tuple(c * 0.92 for c in rgb) if theme == "light" else tuple(c + (255 - c) * 0.08 for c in rgb)
    return "#000000" if theme == "light" else "#ffffff"


def accent_css(color: str) -> str:
    """The stylesheet of an accent colour (``/embed/accent.css``): both themes' text colour and
    the border colour as chosen."""
    chosen = to_hex(parse(color))
    light, dark = readable(chosen, "light"), readable(chosen, "dark")
    return (f"/* accent {chosen}: {light} on light, {dark} on dark (WCAG AA), {chosen} for borders */\n"
            f":root {{ --embed-accent: {light}; --embed-accent-border: {chosen}; }}\n"
            f".theme-dark {{ --embed-accent: {dark}; }}\n")
