"""A widget's accent colour (issue #18): written into CSS only as #rrggbb rebuilt from the parsed
colour, and darkened (light theme) or lightened (dark theme) until links and titles reach WCAG AA
against the widget's background; the stylesheets' own colours meet AA too."""
import re
from pathlib import Path

import pytest

from csti.blueprints.embed.appearance import BACKGROUNDS, accent_css, readable
from csti.blueprints.embed.forms import normalize_color
from csti.theming import contrast

EMBED_CSS = Path(__file__).parents[2] / "csti" / "static" / "css" / "embed.css"


@pytest.mark.parametrize("value, expected", [("#abc", "#aabbcc"), ("#ABCDEF", "#abcdef"), ("#1d4e89", "#1d4e89")])
def test_colours_are_read_strictly(value, expected):
    assert normalize_color(value) == expected


@pytest.mark.parametrize("value", ["", "abc", "#ab", "#abcd", "#abcdeg", "red", "#abc;", " #abc", "#abc\n",
                                   "rgb(1,2,3)", "#abcdef;}body{x:y", "＃abc"])
def test_anything_else_is_refused(value):
    assert normalize_color(value) is None


@pytest.mark.parametrize("color", ["#ffff00", "#ffffff", "#00ff00", "#777777", "#1d4e89", "#000000", "#0000ff",
                                   "#ff6600"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_accent_reaches_aa_against_the_background(color, theme):
    adjusted = readable(color, theme)
    assert contrast(adjusted, BACKGROUNDS[theme]) >= 4.5


def test_a_readable_colour_is_kept_as_chosen():
    assert readable("#1d4e89", "light") == "#1d4e89"  # 8.6:1 on white
    assert readable("#ffcc00", "dark") == "#ffcc00"


def test_a_pale_colour_is_darkened_on_light_and_kept_for_the_border():
    css = accent_css("#ffff00")
    light = re.search(r":root \{ --embed-accent: (#[0-9a-f]{6}); --embed-accent-border: (#[0-9a-f]{6}); \}", css)
    dark = re.search(r"\.theme-dark \{ --embed-accent: (#[0-9a-f]{6}); \}", css)
    assert light and dark, css
    assert light.group(2) == "#ffff00"  # decorative: no text is read on it
    assert light.group(1) != "#ffff00" and contrast(light.group(1), "#ffffff") >= 4.5
    assert contrast(dark.group(1), BACKGROUNDS["dark"]) >= 4.5


def test_the_stylesheet_route_writes_only_the_parsed_colour(testapp):
    response = testapp.get("/embed/accent.css?color=%23ABC")
    assert response.content_type == "text/css"
    assert "--embed-accent-border: #aabbcc;" in response.text
    assert "public" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    for bad in ("red", "%23abc;}body{display:none}", "", "%23abcd"):
        refused = testapp.get(f"/embed/accent.css?color={bad}", status=400)
        assert "{" not in refused.text and "display" not in refused.text


def _variables(block: str) -> dict:
    return dict(re.findall(r"--(embed-[a-z-]+):\s*(#[0-9a-f]{6})", block))


def test_the_widget_stylesheet_s_own_colours_meet_aa():
    css = EMBED_CSS.read_text()
    light = _variables(re.search(r":root \{(.*?)\}", css, re.S).group(1))
    dark = {**light, **_variables(re.search(r"\.theme-dark \{(.*?)\}", css, re.S).group(1))}
    for theme, colours in (("light", light), ("dark", dark)):
        assert colours["embed-bg"] == BACKGROUNDS[theme]
        for name in ("embed-ink", "embed-muted", "embed-accent"):
            assert contrast(colours[name], colours["embed-bg"]) >= 4.5, (theme, name)
    assert dark["embed-accent"] == readable(light["embed-accent"], "dark")
