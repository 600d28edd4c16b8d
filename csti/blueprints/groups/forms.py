from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...forms import Form
from ...i18n import lazy_gettext as _l
from ...models.groups import GROUP_ACCESS
from ..content.forms import ContentForm


class GroupForm(ContentForm):
    access = SelectField(_l("Who may join"), choices=list(GROUP_ACCESS.items()), validators=[DataRequired()])


class InviteForm(Form):
    who = StringField(_l("E-mail address or name of a member"), validators=[
        DataRequired(message=_l("Give the e-mail address or the name of a member of the site.")), Length(max=254)])
