from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...forms import MultiCheckboxField
from ...models.audiences import AUDIENCES, PARTNERS, SCHOOL_LEVELS
from ...models.resources import RESOURCE_KINDS, TEXT_MAX
from ..content.forms import OwnedContentForm


class ResourceForm(OwnedContentForm):
    resource_kind = SelectField(_l("Kind of resource"), choices=list(RESOURCE_KINDS.items()),
                                validators=[DataRequired()])
    lendable = BooleanField(_l("It can be borrowed"), default=True)
    audiences = MultiCheckboxField(_l("Audiences"), choices=list(AUDIENCES.items()), validators=[Optional()])
    school_levels = MultiCheckboxField(_l("School levels"), choices=list(SCHOOL_LEVELS.items()),
                                       validators=[Optional()])
    partners = MultiCheckboxField(_l("Partners it suits"), choices=list(PARTNERS.items()), validators=[Optional()])
    is_free = BooleanField(_l("Lent free of charge"), default=True)
    price = StringField(_l("Price"), validators=[Optional(), Length(max=200)])
    deposit = StringField(_l("Deposit"), validators=[Optional(), Length(max=200)])
    insurance = StringField(_l("Insurance"), validators=[Optional(), Length(max=500)])
    conditions = TextAreaField(_l("Other conditions"), validators=[Optional(), Length(max=TEXT_MAX)])
    dimensions = StringField(_l("Size"), validators=[Optional(), Length(max=200)])
    weight_kg = DecimalField(_l("Weight (kg)"), places=1, validators=[Optional(), NumberRange(min=0, max=100_000)])
    panels = IntegerField(_l("Number of panels"), validators=[Optional(), NumberRange(min=0, max=10_000)])
    transport = StringField(_l("Transport"), validators=[Optional(), Length(max=500)])
    setup_minutes = IntegerField(_l("Set-up time (minutes)"), validators=[Optional(), NumberRange(min=0, max=100_000)])
