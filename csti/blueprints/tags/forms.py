from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...forms import Form
from ...i18n import lazy_gettext as _l


class TagMergeForm(Form):
    source = StringField(_l("Tag to merge (it disappears)"), validators=[DataRequired(), Length(max=200)])
    target = StringField(_l("Tag to keep"), validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField(_l("Reason (kept in the log)"), validators=[Optional(), Length(max=2000)])
