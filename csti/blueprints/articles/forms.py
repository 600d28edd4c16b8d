from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...i18n import lazy_gettext as _l
from ...models.articles import ARTICLE_KINDS
from ..content.forms import OwnedContentForm


class ArticleForm(OwnedContentForm):
    article_kind = SelectField(_l("Kind of article"), choices=list(ARTICLE_KINDS.items()), validators=[DataRequired()])
    # Minutes: the meeting they report on, among the working groups' meetings the author may
    # report on (``ArticleViews.prepare_form``); kept for the group's members if ticked.
    meeting = SelectField(_l("Meeting"), coerce=int, default=0, validate_choice=False)
    members_only = BooleanField(_l("For the group's members only"))
    image = FileField(_l("Insert an image in the text"))
    image_alt = StringField(_l("Description of the image (for people who cannot see it)"),
                            validators=[Optional(), Length(max=200)])
    format_name = StringField(_l("Name of the format"), validators=[Length(max=120)])
    format_audience = StringField(_l("Audience"), validators=[Optional(), Length(max=200)])
    duration_text = StringField(_l("Duration"), validators=[Optional(), Length(max=100)])
    material = TextAreaField(_l("Material"), validators=[Optional(), Length(max=5000)])
    steps = TextAreaField(_l("Step by step"), validators=[Optional(), Length(max=20000)])
    what_worked = TextAreaField(_l("What worked"), validators=[Optional(), Length(max=10000)])

    def validate_format_name(self, field):
        from wtforms.validators import ValidationError

        if self.article_kind.data == "format" and not (field.data or "").strip():
            raise ValidationError(_l("A format sheet needs the name of the format."))

    def validate_meeting(self, field):
        from wtforms.validators import ValidationError

        if self.article_kind.data == "minutes":
            if not field.data:
                raise ValidationError(_l("Minutes report on a meeting: choose it."))
            if field.data not in dict(field.choices or []):
                raise ValidationError(_l("Choose a meeting of a working group you coordinate."))
