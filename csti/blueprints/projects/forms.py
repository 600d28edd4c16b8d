from wtforms import EmailField, SelectField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional

from ...forms import HTTP_URL, Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.projects import NEED_KINDS, NEED_MAX, PROJECT_STAGES, UPDATE_MAX
from ..content.forms import OwnedContentForm


class ProjectForm(OwnedContentForm):
    stage = SelectField(_l("Stage"), choices=list(PROJECT_STAGES.items()), validators=[DataRequired()])
    website = URLField(_l("Website of the project"), validators=[Optional(), Length(max=255), HTTP_URL])
    owners = MultiCheckboxField(_l("Structures carrying the project"), coerce=int, validators=[Optional()])


class NeedForm(Form):
    kind = SelectField(_l("Kind of need"), choices=list(NEED_KINDS.items()), validators=[DataRequired()])
    description = TextAreaField(_l("What exactly?"), validators=[
        DataRequired(message=_l("Describe the need in a few words.")), Length(max=NEED_MAX)])


class UpdateForm(Form):
    body = TextAreaField(_l("News of the project"), validators=[
        DataRequired(message=_l("Write the news first.")), Length(max=UPDATE_MAX)])


class TeamForm(Form):
    email = EmailField(_l("E-mail address of a member"), validators=[
        DataRequired(message=_l("Give the e-mail address of a member of the site.")), Email(), Length(max=254)])


class HelpForm(Form):
    need = SelectField(_l("Which need?"), coerce=int, validators=[Optional()])
    message = TextAreaField(_l("Your message to the team"), validators=[
        DataRequired(message=_l("Tell the team how you can help.")), Length(max=5000)])
