from wtforms import BooleanField, EmailField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ...bounds import DB_INT_MAX
from ...forms import Form
from ...i18n import lazy_gettext as _l
from ...models.content import TITLE_MAX
from ...models.dossiers import NOTE_MAX
from ..content.forms import ContentForm

VISIBILITY = {
    "public": _l("Public: listed on the site and found by its search"),
    "private": _l("Private: only you and the collaborators see it"),
}
NOTE_TOO_LONG = _l("The note has %(max)d characters at most.", max=NOTE_MAX)


class DossierForm(ContentForm):
    visibility = RadioField(_l("Visibility"), choices=list(VISIBILITY.items()), default="public",
                            validators=[DataRequired(message=_l("Choose who sees the dossier."))])


class QuickDossierForm(Form):
    """A new dossier from a content page: a title and where it lives; the item goes in."""

    title = StringField(_l("Title of the new dossier"), validators=[
        DataRequired(message=_l("Give a title.")), Length(max=TITLE_MAX)])
    territory = SelectField(_l("Territory"), coerce=int, validators=[DataRequired(message=_l("Choose a territory."))])
    private = BooleanField(_l("Private: only you and the collaborators see it"))


class ItemForm(Form):
    content_id = IntegerField(validators=[DataRequired(), NumberRange(1, DB_INT_MAX)])
    note = TextAreaField(_l("Your note on this item"), validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)])


class NoteForm(Form):
    note = TextAreaField(_l("Your note on this item"), validators=[
        Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)])


class CollaboratorForm(Form):
    email = EmailField(_l("E-mail address of a member"), validators=[
        DataRequired(message=_l("Give the e-mail address of a member of the site.")), Email(), Length(max=254)])
