import math
import re

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from ...forms import HTTP_URL, Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.actors import ACTOR_KINDS, SOCIAL_NETWORKS
from ...models.audiences import AUDIENCES
from ..content.forms import ContentForm
from ..content.images import verify_image
from .geo import postcode_exists


def valid_postcode(form, field):
    if not re.fullmatch(r"\d{5}", field.data):
        raise ValidationError(_l("A French postcode has 5 digits."))
    if not postcode_exists(field.data):
        raise ValidationError(_l("This postcode does not exist in France."))


def valid_siret(form, field):
    value = re.sub(r"\s", "", field.data or "")
    if not value:
        return
    if not re.fullmatch(r"\d{14}", value):
        raise ValidationError(_l("A SIRET number has 14 digits."))
    total = 0
    for i, digit in enumerate(reversed(value)):
        d = int(digit) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    if total % 10 and not value.startswith("356000000"):  # La Poste's SIRETs escape Luhn
        raise ValidationError(_l("This SIRET number is not valid (check digit)."))


def valid_rna(form, field):
    value = (field.data or "").strip().upper()
    if value and not re.fullmatch(r"W\d{9}", value):
        raise ValidationError(_l("An RNA number looks like W123456789."))


def finite(form, field):
    """A real number, and one message only (NumberRange would add its own to a parse error)."""
    if field.process_errors:
        raise StopValidation()
    if field.data is not None and not math.isfinite(field.data):  # "nan" and "inf" parse as floats
        raise StopValidation(_l("Give a number."))




def strip(value):
    return value.strip() if isinstance(value, str) else value


class ActorForm(ContentForm):
    actor_kind = SelectField(_l("Kind of structure"), choices=list(ACTOR_KINDS.items()),
                             validators=[DataRequired()])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=255)])
    postcode = StringField(_l("Postcode"), filters=[strip], validators=[
        Optional(), valid_postcode])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    latitude = FloatField(_l("Latitude"), validators=[
        Optional(), finite, NumberRange(-90, 90, message=_l("Latitude is between -90 and 90."))])
    longitude = FloatField(_l("Longitude"), validators=[
        Optional(), finite, NumberRange(-180, 180, message=_l("Longitude is between -180 and 180."))])
    website = URLField(_l("Website"), validators=[Optional(), Length(max=255), HTTP_URL])
    email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    audiences = MultiCheckboxField(_l("Audiences"), choices=list(AUDIENCES.items()), validators=[Optional()])
    logo = FileField(_l("Logo file"), validators=[verify_image])
    logo_remove = BooleanField(_l("Remove the logo"))
    siret = StringField(_l("SIRET (optional)"), validators=[Optional(), valid_siret])
    rna = StringField(_l("RNA number (associations, optional)"), validators=[Optional(), valid_rna])

    def validate_phone(self, field):
        if field.data and not re.fullmatch(r"[+0-9 ().-]{6,30}", field.data):
            raise ValidationError(_l("Use digits, spaces and + only."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Both coordinates or neither (a field-level check would be skipped by Optional()
        # on the empty one).
        lat, lng = self.latitude, self.longitude
        if not lat.errors and not lng.errors and (lat.data is None) != (lng.data is None):
            missing = lat if lat.data is None else lng
            missing.errors.append(_l("Give both the latitude and the longitude, or neither."))
            ok = False
        return ok


# One optional URL field per social network, added to the form class.
for _key, _label in SOCIAL_NETWORKS.items():
    setattr(ActorForm, f"social_{_key}", URLField(_label, validators=[Optional(), Length(max=255), HTTP_URL]))


class ClaimForm(Form):
    role = SelectField(_l("I am"), choices=[("manager", _l("in charge of this structure (manager)")),
                                            ("member", _l("a member of its team"))])
    message = TextAreaField(_l("Message to the structure's managers or the animators"),
                            validators=[Optional(), Length(max=2000)])


class DecisionForm(Form):
    reason = TextAreaField(_l("Reason (sent to the person)"), validators=[Optional(), Length(max=2000)])


class ImportForm(Form):
    file = FileField(_l("CSV file"))
    territory = SelectField(_l("Territory"), coerce=int, validators=[DataRequired()])


class MergeForm(Form):
    """Merge a duplicate structure into the one kept (csti/merges.py)."""

    duplicate = StringField(_l("Duplicate structure (it disappears)"), validators=[DataRequired(), Length(max=300)])
    keep = StringField(_l("Structure to keep"), validators=[DataRequired(), Length(max=300)])
    reason = TextAreaField(_l("Reason (kept in the log)"), validators=[Optional(), Length(max=2000)])
