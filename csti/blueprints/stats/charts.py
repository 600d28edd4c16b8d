"""Bar charts drawn on the server as inline SVG: no JavaScript, scaled by their viewBox (a
phone shows them whole). Each is an image with a title for screen readers; the page puts the
figures' table next to it (stats/_section.html), which is what they read."""
from __future__ import annotations

from flask_babel import format_decimal, format_percent
from markupsafe import Markup, escape

WIDTH = 400
LABEL_WIDTH = 150
VALUE_WIDTH = 56
ROW = 24
BAR = 16
LABEL_CHARS = 22


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bar_chart(title: str, items, chart_id: str, percent: bool = False) -> Markup:
    """A horizontal bar chart of ``items`` ((label, value), …) titled ``title``; with ``percent``
    the values are percentages (30 for 30 %)."""
    items = [(str(label), value or 0) for label, value in items]
    if not items:
        return Markup("")
    top = max((value for _label, value in items), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW * len(items) + 8
    title_id = f"chart-{chart_id}-title"
    parts = [f'<svg class="stats-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{title_id}" preserveAspectRatio="xMinYMin meet" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{title_id}">{escape(title)}</title>']
    for index, (label, value) in enumerate(items):
        y = 4 + index * ROW
        length = round(span * value / top, 1) if value > 0 else 0
        shown = format_percent(value / 100) if percent else format_decimal(value)
        parts.append(
            f'<g><title>{escape(label)} – {escape(shown)}</title>'
            f'<text class="stats-chart-label" x="{LABEL_WIDTH - 6}" y="{y + BAR - 3}" text-anchor="end" '
            f'font-size="12" fill="currentColor">{escape(_short(label))}</text>'
            f'<rect class="stats-chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}" '
            f'fill="#1d4e89"></rect>'
            f'<text class="stats-chart-value" x="{LABEL_WIDTH + length + 4}" y="{y + BAR - 3}" '
            f'font-size="12" fill="currentColor">{escape(shown)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
