from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ...forms import Form
from ...i18n import lazy_gettext as _l
from .operations import password_problem

EMAIL = [DataRequired(message=_l("Give your e-mail address.")),
         Email(message=_l("This is not a valid e-mail address.")), Length(max=254)]


class StrongPassword:
    def __init__(self, email_field="email", name_field="name"):
        self.email_field = email_field
        self.name_field = name_field

    def __call__(self, form, field):
        email_field = getattr(form, self.email_field, None)
        name_field = getattr(form, self.name_field, None)
        problem = password_problem(field.data or "", email_field.data if email_field is not None else "",
                                   name_field.data if name_field is not None else "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give your name.")), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Choose a password.")),
                                                         StrongPassword()])
    confirm = PasswordField(_l("Password again"), validators=[
        DataRequired(message=_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords differ."))])
    territory = SelectField(_l("Your territory"), coerce=int, validators=[Optional()])


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Give your password."))])
    remember = BooleanField(_l("Remember me on this device"))


class ForgotForm(Form):
    email = EmailField(_l("E-mail address"), validators=EMAIL)


class ResetForm(Form):
    email = StringField()  # not shown: lets the strength rule compare with the address
    password = PasswordField(_l("New password"), validators=[DataRequired(message=_l("Choose a password.")),
                                                             StrongPassword()])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords differ."))])


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give your name.")), Length(max=120)])
    bio = TextAreaField(_l("About you"), validators=[Optional(), Length(max=2000)])
    website = URLField(_l("Website"), validators=[
        Optional(), Length(max=255),
        URL(require_tld=True, message=_l("Give a full web address starting with https://"))])
    locale = SelectField(_l("Language"), choices=[("fr", "Français"), ("en", "English")])
    avatar = FileField(_l("Photo or avatar"))
    remove_avatar = BooleanField(_l("Remove my current picture"))

    def validate_website(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Give a full web address starting with https://"))


class PasswordForm(Form):
    email = StringField()
    current = PasswordField(_l("Current password"), validators=[DataRequired(message=_l("Give your current password."))])
    password = PasswordField(_l("New password"), validators=[DataRequired(message=_l("Choose a password.")),
                                                             StrongPassword()])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords differ."))])


class DeleteForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Give your password."))])
    content = RadioField(_l("Your published content"), choices=[
        ("keep", _l("Keep it, signed “former member”")),
        ("delete", _l("Delete it with my account")),
    ], validators=[DataRequired(message=_l("Choose what happens to your content."))])


class ApiKeyForm(Form):
    name = StringField(_l("Name of the key"), validators=[
        DataRequired(message=_l("Give the key a name, to recognise it.")),
        Length(max=100, message=_l("Give a name of 100 characters at most."))])


class EmptyForm(Form):
    """CSRF only (buttons that POST)."""
