"""The base of every form: ``Form`` cleans what people type before anything reads it.

Text pasted from Word, a PDF or a terminal brings control characters (vertical tab, form feed,
NUL, escape sequences, C1 controls) that mean nothing on a web page and that XML feeds and
iCalendar refuse. Every field of a ``Form`` gets ``clean_text`` as its first filter (strings and
lists of strings: selects, checkboxes), so views, validators and models only ever see clean
text — once, here, not in each form. Passwords are left exactly as typed, and files alone.
Inputs read without a form use ``csti.text.clean_text`` themselves.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField as FlaskFileField
from wtforms import FileField, PasswordField, SelectMultipleField
from wtforms.validators import URL, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .i18n import lazy_gettext as _l
from .text import clean_text

UNTOUCHED = (PasswordField, FileField, FlaskFileField)


def clean_data(value):
    """``clean_text`` for a field's data: a string, or a list of strings; anything else as is."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_text(item) if isinstance(item, str) else item for item in value]
    return value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            if not issubclass(unbound_field.field_class, UNTOUCHED):
                options["filters"] = (clean_data, *unbound_field.kwargs.get("filters", ()))
            return super().bind_field(form, unbound_field, options)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice as checkboxes (a structure's owners, an event's audiences…)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class HttpUrl(URL):
    """A web address: WTForms' URL accepts any scheme (javascript://…), we want http(s) only."""

    def __call__(self, form, field):
        super().__call__(form, field)
        if not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(self.message)


HTTP_URL = HttpUrl(require_tld=True, message=_l("Give a full web address starting with https://"))
