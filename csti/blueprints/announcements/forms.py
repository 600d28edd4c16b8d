from wtforms import DateField, EmailField, SelectField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ...bounds import InYears
from ...forms import HTTP_URL
from ...i18n import lazy_gettext as _l
from ...models.announcements import ANNOUNCEMENT_KINDS, local_today
from ..content.forms import OwnedContentForm


class AnnouncementForm(OwnedContentForm):
    announcement_kind = SelectField(_l("Kind of announcement"), choices=list(ANNOUNCEMENT_KINDS.items()),
                                    validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[Optional(), InYears()])
    link = URLField(_l("Web page of the announcement"), validators=[Optional(), Length(max=500), HTTP_URL])
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])

    # Set by the view when editing: an existing deadline may stay as it is once passed.
    current_deadline = None

    def validate_deadline(self, field):
        if field.data is not None and field.data < local_today() and field.data != self.current_deadline:
            raise ValidationError(_l("The deadline is already past: choose today or a later date."))
