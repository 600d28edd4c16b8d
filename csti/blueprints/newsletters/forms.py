from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ...forms import Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.newsletters import EDITORIAL_MAX, SUBJECT_MAX


class IssueForm(Form):
    territory = SelectField(_l("Territory"), validators=[Optional()])
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Give the newsletter a subject.")),
                                                     Length(max=SUBJECT_MAX)])
    editorial = TextAreaField(_l("Editorial"), validators=[Length(max=EDITORIAL_MAX)],
                              description=_l("Markdown: **bold**, *italic*, [link](https://…), lists."))
    item = MultiCheckboxField(_l("Publications"), coerce=int, validate_choice=False)


class ItemForm(Form):
    content_id = IntegerField(validators=[InputRequired()])


class SendForm(Form):
    confirm = BooleanField(_l("I have checked the preview: send it now"),
                           validators=[DataRequired(_l("Tick the box to confirm the sending."))])


class SubscribeForm(Form):
    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Give your e-mail address.")), Length(max=254),
        Email(message=_l("This is not a valid e-mail address."))], filters=[lambda v: v.strip() if v else v])


class EmptyForm(Form):
    pass
