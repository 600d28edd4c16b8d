from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from ...forms import Form
from ...i18n import lazy_gettext as _l
from ...models.documents import TITLE_MAX


class DocumentForm(Form):
    """A document for an item's page (``prefix="document"``: its fields' ids stay its own)."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=TITLE_MAX)])
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


def blank_form() -> DocumentForm:
    """The form as an item's page first shows it."""
    return DocumentForm(formdata=None, prefix="document")
