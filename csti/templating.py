"""Template globals and filters."""
import collections
import json

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from . import fragments, registry
from .dates import (
    date_filter,
    datetime_filter,
    iso_filter,
    localtime_filter,
    month_label,
    time_filter,
    upper_first,
    weekday_label,
)
from .extensions import db
from .i18n import translations
from .markdown import markdown_filter, plain_text
from .pagemeta import page_meta
from .policy import can
from .storage import media_url  # the templates' (csti/storage.py: /media/ or the bucket's public URL)
from .structured_data import clock_of, json_ld, website_json_ld

HTMX_CONFIG = {
    "allowEval": False,
    "includeIndicatorStyles": False,
    "historyRestoreAsHxRequest": False,
    "selfRequestsOnly": True,
    # Settle at once: htmx wires up swapped-in content when it settles (20 ms later by default),
    # so a control in a fresh fragment did nothing if used in that window. No CSS uses settling.
    "defaultSettleDelay": 0,
    # 422 carries a re-rendered form: swap it. Other errors: no swap, csti.js shows a message.
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}


def elide_filter(text, *names):
    """``{{ _("… of %(name)s", name=n)|elide(n) }}``: French elision ("d’Occitanie") in a
    translated message, when the page or mail is in French (csti.text.elide); else unchanged."""
    from markupsafe import escape

    from .text import elide

    if not str(get_locale()).startswith("fr"):
        return text
    if isinstance(text, Markup):
        return Markup(elide(str(text), *(str(escape(n)) for n in names if n)))
    return elide(text, *names)


def territories_for_switcher():
    from .models import Territory

    return Territory.by_name()


def hx_headers():
    return Markup(json.dumps({"X-CSRFToken": generate_csrf()}))


def lang_url(code):
    return url_for("main.set_language", code=code, next=request.full_path.rstrip("?"))


def media_srcset(path) -> str:
    """The ``srcset`` of a stored image: its narrower copies and itself ("" when it has none,
    an upload older than the variants: ``src`` alone then)."""
    from .uploads import image_info

    variants = image_info(path).variants
    if len(variants) < 2:
        return ""
    return ", ".join(f"{media_url(p)} {w}w" for p, w in variants)


def media_size(path):
    """(width, height) of a stored image, (None, None) when unknown."""
    from .uploads import image_info

    info = image_info(path)
    return info.width, info.height


def role_label(role):
    from .i18n import gettext as _

    return {"member": _("member"), "contributor": _("contributor"), "animator": _("animator")}.get(role, role)


FooterLink = collections.namedtuple("FooterLink", "url title")


def footer_pages():
    """The footer's pages: those linked in it (``in_footer`` on the original page), each
    shown in the visitor's language when a translation has it, else as the page for every
    language, else as the original (models/pages.py). Their links, kept per language until the
    data changes (csti/datacache.py): every page shows them."""
    from .datacache import remember

    locale = str(get_locale() or "")
    # Under the site's root too: the links are relative to it.
    return remember(("footer-pages", locale, request.script_root), lambda: _footer_links(locale))


def _footer_links(locale: str) -> tuple:
    from .models import PUBLISHED, Page

    linked = select(Page.id).where(Page.in_footer.is_(True), Page.translation_of_id.is_(None))
    # Their titles and addresses only: none of their relations (their tags, audiences, author's
    # roles: three statements more on the first page after each write).
    pages = db.session.scalars(select(Page).options(lazyload("*")).where(
        Page.status == PUBLISHED, Page.id.in_(linked) | Page.translation_of_id.in_(linked)).order_by(Page.id)).all()
    groups: dict[int, list] = {}
    for page in pages:
        groups.setdefault(page.translation_of_id or page.id, []).append(page)

    def rank(page):
        return (page.language != locale, page.language != "", page.translation_of_id is not None)

    chosen = sorted((min(group, key=rank) for group in groups.values()), key=lambda page: page.sort_key)
    return tuple(FooterLink(page.url, page.title) for page in chosen)


def actor_role_label(role):
    from .models.actors import ACTOR_ROLES

    return str(ACTOR_ROLES.get(role, role))


def follow_helpers():
    from .blueprints.follows import operations as follows

    return dict(is_following=follows.is_following, follower_count=follows.follower_count,
                follow_kind=follows.target_type, followable=registry.followable,
                follow_name=follows.display_name)


def calendar_links():
    """"Add to my calendar" links for Google Calendar and Outlook (first occurrence)."""
    from urllib.parse import urlencode

    def _fmt(value):
        return value.strftime("%Y%m%dT%H%M%SZ")

    def google(event, occurrence):
        return "https://calendar.google.com/calendar/render?" + urlencode({
            "action": "TEMPLATE", "text": event.title,
            "dates": f"{_fmt(occurrence.starts_at)}/{_fmt(occurrence.ends_at)}",
            "details": event.summary or "", "location": event.commune or event.venue_name or ""})

    def outlook(event, occurrence):
        return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
            "path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
            "startdt": occurrence.starts_at.isoformat(), "enddt": occurrence.ends_at.isoformat(),
            "body": event.summary or "", "location": event.commune or event.venue_name or ""})

    return dict(google_calendar_url=google, outlook_calendar_url=outlook)


def discussion_helpers():
    from .blueprints.discussion import operations as discussion

    return dict(comments_of=discussion.comments_of, comment_count=discussion.comment_count,
                comments_viewer=discussion.comments_viewer,
                like_state=discussion.like_state, unread_count=discussion.unread_count)


def document_helpers():
    from .blueprints.documents import forms, operations

    return dict(documents_enabled=operations.enabled, documents_of=operations.documents_of,
                blank_document_form=forms.blank_form, document_size=operations.format_size,
                document_type=operations.type_label, document_accept=operations.kinds_accepted)


def _moderation_waiting(user):
    """None for people who moderate nothing; else how many items wait for them."""
    from .moderation import moderated_territories, waiting_count

    return waiting_count(user) if moderated_territories(user) else None


@pass_context
def _template_gettext(context, string: str, /, **variables):
    """``_()`` and ``gettext()`` in templates: what Jinja's newstyle ``gettext`` does (the
    translation, Markup where the template autoescapes, then ``% variables``) in one call
    instead of three (Jinja's ``_`` looks ``gettext`` up in the context and calls it through
    ``Context.call``, which calls the catalogue's through ``Context.call`` again) — a page
    translates a hundred strings or more. The ``%`` is skipped only where it changes nothing
    (no variables and no ``%`` in the text: ``%%`` is still turned into ``%``). Positional-only,
    as Jinja's are: a template's variables named ``string`` or ``context`` are variables."""
    text = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


def init_app(app):
    # Flask-Babel's callables with a cheaper lookup of the catalogue (newstyle: variables and
    # autoescaping as Flask-Babel installs them); then gettext and its alias _ in one call.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)
    app.jinja_env.globals.update(
        can=can,
        current_territories=territories_for_switcher,
        hx_headers=hx_headers,
        htmx_config=lambda: json.dumps(HTMX_CONFIG),
        lang_url=lang_url,
        media_url=media_url,
        media_srcset=media_srcset,
        media_size=media_size,
        current_locale=lambda: str(get_locale()),
        footer_pages=footer_pages,
        nav_entries=registry.nav_entries,
        article_kinds=__import__("csti.models.articles", fromlist=["ARTICLE_KINDS"]).ARTICLE_KINDS,
        event_kinds=__import__("csti.models.events", fromlist=["EVENT_KINDS"]).EVENT_KINDS,
        audiences=__import__("csti.models.audiences", fromlist=["AUDIENCES"]).AUDIENCES,
        moderation_waiting=_moderation_waiting,
        queue_reason=lambda code: __import__("csti.sanctions", fromlist=["QUEUE_REASONS"]).QUEUE_REASONS.get(code, code),
        **follow_helpers(),
        **discussion_helpers(),
        **document_helpers(),
        **calendar_links(),
        attendance_modes=__import__("csti.models.events", fromlist=["ATTENDANCE_MODES"]).ATTENDANCE_MODES,
        social_networks=__import__("csti.models.actors", fromlist=["SOCIAL_NETWORKS"]).SOCIAL_NETWORKS,
        kept_card=fragments.card,  # macros/card.html, macros/events.html (csti/fragments.py)
        excerpt_paragraph=fragments.excerpt_paragraph,
        kept_occurrence_line=fragments.occurrence_line,
        kept_layout=fragments.layout,  # base.html: the header's menus and search form, the footer
        kept_part=fragments.page_part,  # an item's page: the parts each visitor sees alike
        page_meta=page_meta,  # _og.html: canonical URL, description, Open Graph (§17)
        json_ld=json_ld,  # a page's structured_data block: schema.org JSON-LD (§17)
        json_ld_clock=clock_of,  # what of the clock it shows: part of its kept key
        website_json_ld=website_json_ld,
    )
    app.jinja_env.filters.update(
        datetime=datetime_filter,
        date=date_filter,
        iso=iso_filter,
        time=time_filter,
        localtime=localtime_filter,
        month_label=month_label,
        weekday_label=weekday_label,
        upper_first=upper_first,
        markdown=markdown_filter,
        plain=plain_text,
        role_label=role_label,
        actor_role_label=actor_role_label,
        elide=elide_filter,
    )

    @app.context_processor
    def _inject():
        return {
            "site_name": current_app.config["SITE_NAME"],
            # The user itself, not Flask-Login's proxy: a page reads it hundreds of times
            # (the header, can() for each button), each read through the proxy a context lookup.
            "current_user": current_user._get_current_object(),
        }
