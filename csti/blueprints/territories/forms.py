from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from ...forms import Form
from ...models import ROLE_ANIMATOR, ROLE_CONTRIBUTOR, ROLE_MEMBER

COLOR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #1d4e89."))


def role_choices(include_animator: bool):
    choices = [(ROLE_MEMBER, _l("Member")), (ROLE_CONTRIBUTOR, _l("Contributor"))]
    if include_animator:
        choices.append((ROLE_ANIMATOR, _l("Animator")))
    return choices


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=role_choices(True), validators=[DataRequired()])


class AppointForm(Form):
    email = EmailField(_l("E-mail address of the member"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices(True), validators=[DataRequired()])


class TerritoryForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Address (slug)"), validators=[
        DataRequired(), Length(max=60),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Lower-case letters, digits and dashes only.")),
    ])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    center_lat = FloatField(_l("Map centre: latitude"), validators=[DataRequired(), NumberRange(-90, 90)])
    center_lng = FloatField(_l("Map centre: longitude"), validators=[DataRequired(), NumberRange(-180, 180)])
    zoom = IntegerField(_l("Map zoom"), validators=[DataRequired(), NumberRange(1, 18)])
    color_primary = StringField(_l("Main colour"), validators=[DataRequired(), COLOR])
    color_secondary = StringField(_l("Second colour"), validators=[DataRequired(), COLOR])
    logo = FileField(_l("Logo"))
    trusts_members = BooleanField(_l("Publish members' content without review"))
