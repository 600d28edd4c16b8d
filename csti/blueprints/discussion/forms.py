from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...forms import Form
from ...i18n import lazy_gettext as _l
from ...models.discussion import COMMENT_MAX


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[
        DataRequired(message=_l("Write something first.")),
        Length(max=COMMENT_MAX, message=_l("%(max)d characters at most.", max=COMMENT_MAX))])
    parent_id = HiddenField(validators=[Optional()])


class ReportForm(Form):
    reason = TextAreaField(_l("What is the problem?"), validators=[
        DataRequired(message=_l("Tell the animators what is wrong.")), Length(max=2000)])
