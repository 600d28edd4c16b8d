from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...bounds import InYears
from ...forms import Form
from ...i18n import lazy_gettext as _l

DURATIONS = [("1", _l("1 day")), ("7", _l("7 days")), ("30", _l("30 days")),
             ("custom", _l("Until a date I choose")), ("permanent", _l("For good (a ban only)"))]


class SanctionForm(Form):
    kind = RadioField(_l("Sanction"), choices=[
        ("suspend", _l("Suspend: cannot log in or post for a while")),
        ("ban", _l("Ban: cannot log in or post, for a while or for good")),
        ("hide", _l("Only hide all their published content")),
    ], default="suspend", validators=[DataRequired(message=_l("Choose a sanction."))])
    duration = RadioField(_l("Duration"), choices=DURATIONS, default="7", validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional(), InYears()])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give the reason: it is kept in the log for the other moderators.")),
        Length(max=2000)])
    hide = BooleanField(_l("Also hide all their published content and comments (restored when lifted)"))


class LiftForm(Form):
    reason = StringField(_l("Reason for lifting (optional)"), validators=[Optional(), Length(max=2000)])
