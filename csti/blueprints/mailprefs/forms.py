from wtforms import RadioField
from wtforms.validators import InputRequired

from ...forms import Form
from ...i18n import lazy_gettext as _l
from ...models.mailprefs import CATEGORIES, FREQUENCIES
from .operations import CATEGORY_LABELS, FREQUENCY_LABELS


def _radios(category):
    return RadioField(CATEGORY_LABELS[category], choices=[(f, FREQUENCY_LABELS[f]) for f in FREQUENCIES],
                      validators=[InputRequired(message=_l("Choose how often you want these mails."))])


class MailPreferencesForm(Form):
    """One radio group per category (``CATEGORIES``), named after it."""

    follows = _radios("follows")
    comments = _radios("comments")
    registrations = _radios("registrations")
    groups = _radios("groups")
    loans = _radios("loans")

    def choices(self) -> dict[str, str]:
        return {category: self[category].data for category in CATEGORIES}


assert set(CATEGORIES) == {"follows", "comments", "registrations", "groups", "loans"}  # a new category needs its field
