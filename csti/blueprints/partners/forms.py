from wtforms.validators import Optional

from ...forms import Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.audiences import PARTNERS


class PartnersForm(Form):
    """The partners' pages a dossier is presented on as a guide (none: on no page)."""

    partners = MultiCheckboxField(_l("Present this dossier as a guide for"), choices=list(PARTNERS.items()),
                                  validators=[Optional()])
