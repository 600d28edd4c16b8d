"""The widgets (``/embed/agenda``, ``/embed/news``), their accent stylesheet and the "Embed"
page that makes their code (docs/architecture.md §18)."""
from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale

from ...htmx import render
from ...i18n import gettext as _
from ...security import FRAMEABLE_ENDPOINTS as WIDGET_ENDPOINTS
from ...security import without_cookies
from ...theming import DEFAULT as DEFAULT_COLOR
from . import bp
from .appearance import accent_css
from .forms import DEFAULT_HEIGHT, MAX_HEIGHT, MAX_LIMIT, MIN_HEIGHT, WidgetForm, normalize_color
from .widgets import agenda_items, news_items


@bp.after_request
def _no_cookies(response):
    """A widget sets no cookie, whoever loads it and however (a page the site's visitors see
    inside somebody else's: nothing to remember them by): ``security.without_cookies``."""
    if request.endpoint in WIDGET_ENDPOINTS or request.endpoint == "embed.accent":
        return without_cookies(response)
    return response


def _widget(widget: str):
    form = WidgetForm(request.args, widget=widget)
    with force_locale(form.language):
        if not form.validate():
            body = render_template("embed/error.html", form=form, lang=form.language)
            return Response(body, status=400, mimetype="text/html")
        items = agenda_items(form) if widget == "agenda" else news_items(form)
        body = render_template(f"embed/{widget}.html", form=form, items=items, lang=form.language,
                               more_url=_more_url(form))
    return Response(body, mimetype="text/html")


def _more_url(form) -> str:
    """The site's own page of what the widget shows: a structure's page (its events and
    publications), else the agenda or the list of the news' kind, with the same filters."""
    if form.structure_obj is not None:
        return form.structure_obj.url
    args = {"territory": form.territory_obj.slug if form.territory_obj else None,
            "tag": form.tag_obj.slug if form.tag_obj else None}
    if form.widget.data == "agenda":
        return url_for("events.agenda", kind=form.kind.data or None, **args)
    endpoint = "announcements.index" if form.kind.data == "announcement" else "articles.index"
    return url_for(endpoint, **args)


@bp.get("/embed/agenda")
def agenda():
    """The upcoming events, for another site's frame."""
    return _widget("agenda")


@bp.get("/embed/news")
def news():
    """The latest articles and announcements, for another site's frame."""
    return _widget("news")


@bp.get("/embed/accent.css")
def accent():
    """The stylesheet of a widget's accent colour (the CSP allows no inline style): made from the
    parsed colour only, the same for every visitor, so kept for a day."""
    color = normalize_color(request.args.get("color", ""))
    if color is None:
        return Response("/* color: #rgb or #rrggbb */\n", status=400, mimetype="text/css")
    response = Response(accent_css(color), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/embed")
def generator():
    """Choose a widget, see it, copy its code. A GET form: it works without JavaScript (the
    preview and the code follow the fields sent); static/js/embed.js updates them as they change."""
    form = WidgetForm(request.args)
    valid = form.validate()
    context = {"form": form, "valid": valid, "default_color": DEFAULT_COLOR, "max_limit": MAX_LIMIT,
               "min_height": MIN_HEIGHT, "max_height": MAX_HEIGHT}
    if valid:
        endpoint = f"embed.{form.widget.data}"
        args = form.widget_args()
        context.update(preview_url=url_for(endpoint, **args),
                       widget_url=url_for(endpoint, _external=True, **args),
                       height=form.height_value)
        context["snippet"] = snippet(context["widget_url"], frame_title(form), form.height_value)
    return render("embed/generator.html", status=200 if valid else 400, **context)


def frame_title(form) -> str:
    """The frame's title (read by screen readers before they enter it)."""
    site = current_app.config["SITE_NAME"]
    if form.widget.data == "news":
        return _("News from %(site)s", site=site)
    return _("Agenda of %(site)s", site=site)


def snippet(url: str, title: str, height: int = DEFAULT_HEIGHT) -> str:
    """The HTML code of the frame, to paste into another site's page (escaped: the title is text)."""
    from markupsafe import escape

    return (f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="{int(height)}" '
            f'style="border:0" loading="lazy"></iframe>')
