"""The statistics pages (docs/architecture.md §12): a territory's for its animators, the
instance's for the administrators; the period from a GET form; CSV of every figure."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import make_response, request, url_for
from flask_login import current_user, login_required

from ...auditlog import neutralise
from ...bounds import MAX_YEAR, MIN_YEAR
from ...errors import fail
from ...htmx import render
from ...i18n import gettext as _
from ...policy import can
from ...templating import elide_filter
from ...visits import aggregate_past_days, today
from ..territories.routes import get_territory
from . import bp
from .charts import bar_chart
from .figures import Period, comparison, sections

MAX_YEARS = 10


def presets(now: date) -> list[tuple[str, date, date]]:
    first_of_month = now.replace(day=1)
    twelve_months_ago = (first_of_month - timedelta(days=1)).replace(day=1)
    for _n in range(10):
        twelve_months_ago = (twelve_months_ago - timedelta(days=1)).replace(day=1)
    return [(_("This year"), date(now.year, 1, 1), date(now.year, 12, 31)),
            (_("Last year"), date(now.year - 1, 1, 1), date(now.year - 1, 12, 31)),
            (_("Last 12 months"), twelve_months_ago, now)]


def read_period() -> tuple[Period, dict[str, str], dict[str, str]]:
    """The period asked for (``from``, ``to``: ISO dates; this year by default), the values as
    typed, and the errors by field (the page then answers 422 and shows this year)."""
    now = today()
    default = Period(date(now.year, 1, 1), date(now.year, 12, 31))
    typed = {name: (request.args.get(name) or "").strip()[:20] for name in ("from", "to")}
    values, errors = {}, {}
    for name, fallback in (("from", default.start), ("to", default.end)):
        if not typed[name]:
            values[name] = fallback
            continue
        try:
            values[name] = date.fromisoformat(typed[name])
        except ValueError:
            errors[name] = _("Enter a date such as %(example)s.", example=fallback.isoformat())
            continue
        if not MIN_YEAR <= values[name].year <= MAX_YEAR:
            errors[name] = _("Enter a date between %(first)d and %(last)d.", first=MIN_YEAR, last=MAX_YEAR)
    if not errors:
        if values["to"] < values["from"]:
            errors["to"] = _("The end of the period comes before its start: put the earlier date first.")
        elif (values["to"] - values["from"]).days > 366 * MAX_YEARS:
            errors["to"] = _("Choose a period of %(num)d years at most.", num=MAX_YEARS)
    if errors:
        return default, typed, errors
    for name in ("from", "to"):
        typed[name] = values[name].isoformat()
    return Period(values["from"], values["to"]), typed, errors


def _csv(parts, filename: str):
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8
    writer = csv.writer(out)
    for section in parts:
        # Every cell neutralised: titles, tags and names are typed by members (formula injection).
        writer.writerow([neutralise(section.title)])
        writer.writerow([neutralise(cell) for cell in section.headers])
        writer.writerows([neutralise(cell) for cell in row] for row in section.rows)
        writer.writerow([])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(title, parts, period, typed, errors, action, csv_url, **context):
    charts = {section.key: bar_chart(section.chart_title or section.title, section.chart, section.key,
                                     section.percent) for section in parts if section.chart}
    links = [(label, url_for(action, **context.get("url_args", {}), **{"from": start.isoformat(),
                                                                        "to": end.isoformat()}))
             for label, start, end in presets(today())]
    return render("stats/page.html", status=422 if errors else 200, title=title, sections=parts, charts=charts,
                  period=period, typed=typed, errors=errors, action=action, csv_url=csv_url, presets=links,
                  **context)


@bp.get("/t/<slug>/stats")
@bp.get("/t/<slug>/stats.csv", endpoint="territory_csv")
@login_required
def territory(slug):
    territory = get_territory(slug)
    if not can(current_user, "view_stats", territory):
        fail(403, elide_filter(_("Only the animators of %(name)s and administrators see its statistics.",
                                 name=territory.name), territory.name))
    aggregate_past_days()
    period, typed, errors = read_period()
    parts = sections(territory, period)
    if request.endpoint == "stats.territory_csv" and not errors:
        return _csv(parts, f"statistics-{territory.slug}-{period.start}-{period.end}.csv")
    return _page(_("Statistics of %(name)s", name=territory.name), parts, period, typed, errors,
                 "stats.territory", url_for("stats.territory_csv", slug=slug, **{"from": typed["from"], "to": typed["to"]}),
                 territory=territory, url_args={"slug": slug})


@bp.get("/admin/stats")
@bp.get("/admin/stats.csv", endpoint="instance_csv")
@login_required
def instance():
    if not can(current_user, "admin"):
        fail(403, _("This page is for administrators."))
    aggregate_past_days()
    period, typed, errors = read_period()
    parts = sections(None, period)
    parts.insert(1, comparison(period))
    if request.endpoint == "stats.instance_csv" and not errors:
        return _csv(parts, f"statistics-{period.start}-{period.end}.csv")
    return _page(_("Statistics of the whole site"), parts, period, typed, errors, "stats.instance",
                 url_for("stats.instance_csv", **{"from": typed["from"], "to": typed["to"]}), territory=None)


@bp.app_template_filter("stat_number")
def stat_number(value):
    """A count written the reader's way (1 234 in French); text as it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        from flask_babel import format_decimal

        return format_decimal(value)
    return value
