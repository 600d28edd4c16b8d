from flask_wtf.file import FileField
from wtforms import EmailField, FloatField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from ...forms import Form
from ...i18n import lazy_gettext as _l
from ...models import (
    PUBLISH_ANIMATORS,
    PUBLISH_CONTRIBUTORS,
    PUBLISH_EVERYONE,
    PUBLISH_TRUSTED,
    ROLE_ANIMATOR,
    ROLE_CONTRIBUTOR,
    ROLE_MEMBER,
)
from ...models.territories import TRUSTED_AFTER_MAX, TRUSTED_AFTER_MIN

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


PUBLISH_CHOICES = [
    (PUBLISH_ANIMATORS, _l("Animators only")),
    (PUBLISH_CONTRIBUTORS, _l("Contributors and animators")),
    (PUBLISH_TRUSTED, _l("Contributors, animators and trusted members")),
    (PUBLISH_EVERYONE, _l("Every confirmed member")),
]


class TerritorySettingsForm(Form):
    """What the territory's animators change (/t/<slug>/settings): everything but the address."""
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    center_lat = FloatField(_l("Map centre: latitude"), validators=[InputRequired(), NumberRange(-90, 90)])
    center_lng = FloatField(_l("Map centre: longitude"), validators=[InputRequired(), NumberRange(-180, 180)])
    zoom = IntegerField(_l("Map zoom"), validators=[InputRequired(), NumberRange(1, 18)])
    color_primary = StringField(_l("Main colour"), validators=[DataRequired(), COLOR])
    color_secondary = StringField(_l("Second colour"), validators=[DataRequired(), COLOR])
    logo = FileField(_l("Logo"))
    publish_policy = RadioField(_l("Who publishes without review"), choices=PUBLISH_CHOICES,
                                default=PUBLISH_CONTRIBUTORS, validators=[InputRequired()])
    trusted_after = IntegerField(
        _l("A member is trusted after this many publications approved"),
        default=5, validators=[InputRequired(), NumberRange(TRUSTED_AFTER_MIN, TRUSTED_AFTER_MAX)])

    # The fields a save copies onto the territory (the logo apart).
    FIELDS = ("name", "description", "center_lat", "center_lng", "zoom", "color_primary", "color_secondary",
              "publish_policy", "trusted_after")


class TerritoryForm(TerritorySettingsForm):
    """The administrators' form: the settings and the address."""
    slug = StringField(_l("Address (slug)"), validators=[
        DataRequired(), Length(max=60),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Lower-case letters, digits and dashes only.")),
    ])

    FIELDS = ("slug",) + TerritorySettingsForm.FIELDS
