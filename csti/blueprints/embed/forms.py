"""What a widget shows and how it looks, read from its URL (docs/architecture.md §18): one form
checks the widget's query string and the "Embed" page's fields alike, so a widget URL and the
generator's URL say the same thing in the same words. A value that is not understood is an
error (the widget answers 400 with the message, the generator shows it next to the field),
never guessed; a parameter left out takes its default."""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import ValidationError

from ...bounds import parse_id
from ...extensions import db
from ...forms import Form
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...listing import printable
from ...models import PUBLISHED, Actor, Tag, Territory
from ...models.events import EVENT_KINDS
from ...theming import DEFAULT as DEFAULT_COLOR

WIDGETS = ("agenda", "news")
NEWS_KINDS = ("article", "announcement")
THEMES = ("light", "dark")
DEFAULT_LIMIT, MAX_LIMIT = 10, 50
DEFAULT_HEIGHT, MIN_HEIGHT, MAX_HEIGHT = 600, 150, 2000
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def normalize_color(value: str) -> str | None:
    """``#rgb`` or ``#rrggbb`` as lower-case ``#rrggbb``; None for anything else."""
    if not _COLOR.fullmatch(value or ""):
        return None
    digits = value[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def _shown(value) -> str:
    """A refused value as the message quotes it: printable, short."""
    return printable(str(value or "")).strip()[:60]


def _whole(value: str, low: int, high: int) -> int | None:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        return None
    number = int(value)
    return number if low <= number <= high else None


class WidgetForm(Form):
    """A widget's filters and appearance. ``widget`` (agenda or news) is the route's for a
    widget page, a field of the generator's. After ``validate()``: ``territory_obj``,
    ``tag_obj``, ``structure_obj``, ``limit_value``, ``color_value``, ``height_value``."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    widget = RadioField(_l("Widget"), choices=[("agenda", _l("Agenda: upcoming events")),
                                               ("news", _l("News: latest articles and announcements"))],
                        default="agenda", validate_choice=False)
    territory = SelectField(_l("Territory"), default="", validate_choice=False)
    tag = StringField(_l("Tag"), default="")
    structure = StringField(_l("Structure (its number)"), default="")
    kind = SelectField(_l("Kind"), default="", validate_choice=False)
    limit = StringField(_l("Number of items"), default=str(DEFAULT_LIMIT))
    color = StringField(_l("Accent colour"), default="")
    theme = RadioField(_l("Theme"), choices=[("light", _l("Light")), ("dark", _l("Dark"))], default="light",
                       validate_choice=False)
    lang = SelectField(_l("Language"), default="", validate_choice=False)
    images = RadioField(_l("Images"), choices=[("on", _l("With images")), ("off", _l("Without images"))], default="on",
                        validate_choice=False)
    height = StringField(_l("Height of the frame (pixels)"), default=str(DEFAULT_HEIGHT))

    def __init__(self, formdata, widget: str | None = None, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        if widget is not None:
            # A widget page: its kind is the route's, and the frame's height is the embedding page's.
            self.widget.data = widget
            del self.height
        elif not self.lang.data:
            self.lang.data = str(get_locale())  # the generator offers the page's language first
        if widget is None:  # the generator's select (a widget checks its one slug)
            territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
            self.territory.choices = [("", _("All territories"))] + [(t.slug, t.name) for t in territories]
        self.kind.choices = ([("", _("Every kind"))] + [(k, str(label)) for k, label in EVENT_KINDS.items()]
                             + [("article", _("Articles (news)")), ("announcement", _("Announcements (news)"))])
        self.lang.choices = [(code, name) for code, name in (("fr", "Français"), ("en", "English"))
                             if code in current_app.config["LANGUAGES"]]
        self.territory_obj = self.tag_obj = self.structure_obj = None
        self.limit_value, self.color_value, self.height_value = DEFAULT_LIMIT, None, DEFAULT_HEIGHT

    # --- checks (each value of the URL, its own message) ---------------------------------
    def validate_widget(self, field):
        if field.data not in WIDGETS:
            raise ValidationError(_("Choose the agenda or the news."))

    def validate_territory(self, field):
        if field.data:
            self.territory_obj = db.session.scalar(select(Territory).where(Territory.slug == field.data))
            if self.territory_obj is None:
                raise ValidationError(_("No territory is called “%(value)s”.", value=_shown(field.data)))

    def validate_tag(self, field):
        slug = Tag.normalize(field.data or "")
        if not (field.data or "").strip():
            return
        from ...merges import tag_by_slug, tag_redirect

        # A merged tag's address leads to the tag kept: a widget made before the merge still works.
        self.tag_obj = (tag_by_slug(slug) or tag_redirect(slug)) if slug else None
        if self.tag_obj is None:
            raise ValidationError(_("No tag is called “%(value)s”.", value=_shown(field.data)))

    def validate_structure(self, field):
        if not (field.data or "").strip():
            return
        number = parse_id(field.data)
        if number is not None:
            self.structure_obj = db.session.scalar(select(Actor).where(
                Actor.id == number, Actor.status == PUBLISHED, Actor.public_clause()))
        if self.structure_obj is None:
            raise ValidationError(_("No published structure has the number “%(value)s”.", value=_shown(field.data)))

    def validate_kind(self, field):
        if not field.data:
            return
        if self.widget.data == "news" and field.data not in NEWS_KINDS:
            raise ValidationError(_("The news shows articles or announcements: “%(value)s” is not one of them.",
                                    value=_shown(field.data)))
        if self.widget.data != "news" and field.data not in EVENT_KINDS:
            raise ValidationError(_("“%(value)s” is not a kind of event.", value=_shown(field.data)))

    def validate_limit(self, field):
        self.limit_value = _whole(field.data, 1, MAX_LIMIT)
        if self.limit_value is None:
            raise ValidationError(_("Give a whole number from 1 to %(max)d.", max=MAX_LIMIT))

    def validate_color(self, field):
        if (field.data or "") == "":
            return
        self.color_value = normalize_color(field.data)
        if self.color_value is None:
            raise ValidationError(_("Write the colour as #rgb or #rrggbb, e.g. #1d4e89."))

    def validate_theme(self, field):
        if field.data not in THEMES:
            raise ValidationError(_("Choose the light or the dark theme."))

    def validate_lang(self, field):
        if field.data and field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError(_("Choose one of these languages: %(languages)s.",
                                    languages=", ".join(current_app.config["LANGUAGES"])))

    def validate_images(self, field):
        if field.data not in ("on", "off"):
            raise ValidationError(_("Images are on or off."))

    def validate_height(self, field):
        self.height_value = _whole(field.data, MIN_HEIGHT, MAX_HEIGHT)
        if self.height_value is None:
            raise ValidationError(_("Give a whole number of pixels from %(min)d to %(max)d.",
                                    min=MIN_HEIGHT, max=MAX_HEIGHT))

    # --- what it says ----------------------------------------------------------------------
    @property
    def language(self) -> str:
        """The widget's language: the one asked for if known, else the site's default."""
        languages = current_app.config["LANGUAGES"]
        return self.lang.data if self.lang.data in languages else current_app.config["BABEL_DEFAULT_LOCALE"]

    def widget_args(self) -> dict:
        """The widget's query string, checked values only and defaults left out (call after a
        successful ``validate()``)."""
        args = {
            "territory": self.territory_obj.slug if self.territory_obj else None,
            "tag": self.tag_obj.slug if self.tag_obj else None,
            "structure": self.structure_obj.id if self.structure_obj else None,
            "kind": self.kind.data or None,
            "limit": self.limit_value if self.limit_value != DEFAULT_LIMIT else None,
            "color": self.color_value if self.color_value != DEFAULT_COLOR else None,
            "theme": self.theme.data if self.theme.data != "light" else None,
            "lang": self.lang.data or None,
            "images": "off" if self.images.data == "off" else None,
        }
        return {k: v for k, v in args.items() if v is not None}
