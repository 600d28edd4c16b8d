from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ...forms import Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.audiences import AUDIENCES, PARTNERS, SCHOOL_LEVELS
from ...models.resources import RESOURCE_KINDS, TEXT_MAX
from ...videos import parse as parse_video
from ..content.forms import OwnedContentForm
from ..content.images import verify_image

PHOTO_ALT_MAX = 300


def allowed_video(form, field) -> None:
    """A video address of an allow-listed host (``csti/videos.py``), or the reason."""
    if field.data and parse_video(field.data) is None:
        raise ValidationError(_l("Give the address of a video on YouTube, Vimeo, Dailymotion or Canal-U."))


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
    video_url = StringField(_l("Video"), validators=[Optional(), Length(max=500), allowed_video])


class PhotoForm(Form):
    """A photo added to a resource: the file and what it shows (required)."""

    photo = FileField(_l("Photo"), validators=[verify_image])
    alt = StringField(_l("What the photo shows"), validators=[DataRequired(), Length(max=PHOTO_ALT_MAX)])  # not blanks

    def validate_photo(self, field):
        from ..content.images import uploaded

        if not uploaded(field):
            raise ValidationError(_l("Choose a photo."))
