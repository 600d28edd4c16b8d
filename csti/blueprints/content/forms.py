"""Forms shared by every content type (docs/architecture.md §4): subclass ``ContentForm``, or
``OwnedContentForm`` for a type published for structures (its views declare ``owners = True``)."""
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...forms import Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.content import BODY_MAX, COVER_ALT_MAX, SUMMARY_MAX, TITLE_MAX
from ...models.tags import TAG_MAX_LENGTH, Tag
from .images import uploaded, verify_image


def split_tags(raw: str) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


class TagList:
    """Validator: comma-separated tags, each short and meaningful."""

    def __call__(self, form, field):
        names = split_tags(field.data)
        if len(names) > 20:
            raise ValidationError(_l("At most 20 tags."))
        for name in names:
            if len(name) > TAG_MAX_LENGTH:
                raise ValidationError(_l("A tag has at most %(n)d characters.", n=TAG_MAX_LENGTH))
            if not Tag.normalize(name):
                raise ValidationError(_l("A tag needs letters or digits."))


class ContentForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give a title.")), Length(max=TITLE_MAX)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=SUMMARY_MAX)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=BODY_MAX, message=_l(
        "The text is too long (%(max)d characters at most).", max=BODY_MAX))])
    territory = SelectField(_l("Territory"), coerce=int, validators=[DataRequired(message=_l("Choose a territory."))])
    tags = StringField(_l("Tags"), validators=[Optional(), TagList()])
    # The cover (``images.ImageChanges.apply_cover``; templates: macros/images.html). A type
    # without one sets these four to None in its form.
    cover = FileField(_l("Image file"), validators=[verify_image])
    cover_alt = StringField(_l("Description of the image"), validators=[Optional(), Length(max=COVER_ALT_MAX)])
    cover_decorative = BooleanField(_l("The image is decorative: it shows nothing the text does not say"))
    cover_remove = BooleanField(_l("Remove the image"))
    # The stored cover of the item edited (set by the views): an image kept needs its description too.
    current_cover = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if "cover" in self and not self.cover.errors and not self.cover_alt.errors:
            kept = self.current_cover and not self.cover_remove.data
            if (uploaded(self.cover) or kept) and not self.cover_decorative.data \
                    and not (self.cover_alt.data or "").strip():
                self.cover_alt.errors.append(_l(
                    "Describe the image for people who cannot see it, or mark it as decorative."))
                ok = False
        return ok


class OwnedContentForm(ContentForm):
    """A content form with the structures the item is published for (``helpers.set_owner_choices``
    offers those the author may publish for)."""

    owners = MultiCheckboxField(_l("Published for the structures"), coerce=int, validators=[Optional()])


class TagForm(Form):
    name = StringField(_l("Add a tag"), validators=[DataRequired(message=_l("Type a tag.")), TagList()])


TAKE_DOWN_REASON_MAX = 2000


class TakeDownForm(Form):
    """Unpublish, archive or delete a published item (csti/moderation.py ``take_down``); the
    choices are set by the view (``moderation.take_down_actions``): a forged one is refused."""

    action = RadioField(_l("What to do"), validators=[DataRequired(message=_l("Choose what to do."))])
    reason = TextAreaField(_l("Reason"), validators=[
        Optional(), Length(max=TAKE_DOWN_REASON_MAX,
                           message=_l("The reason has %(max)d characters at most.", max=TAKE_DOWN_REASON_MAX))])
