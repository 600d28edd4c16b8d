from datetime import date, datetime

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ...bounds import InYears, year_in_range
from ...forms import HTTP_URL, Form, MultiCheckboxField
from ...i18n import lazy_gettext as _l
from ...models.audiences import AUDIENCES
from ...models.events import (
    ACCESSIBILITY,
    ATTENDANCE_MODES,
    EVENT_KINDS,
    RECURRENCES,
    REGISTRATION_MODES,
    SCHEDULE_STATUSES,
)
from ..actors.forms import valid_postcode
from ..actors.geo import commune_matches
from ..content.forms import ContentForm

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def parse_lines(text: str, kind: str):
    """Extra dates ("2026-12-05 14:00") or excluded dates ("2026-12-24"), one per line."""
    values, bad = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            if kind == "datetime":
                value = datetime.fromisoformat(line.replace("T", " ")).replace(second=0, microsecond=0)
            else:
                value = date.fromisoformat(line)
        except ValueError:
            bad.append(line)
            continue
        (values if year_in_range(value) else bad).append(value if year_in_range(value) else line)
    return values, bad


class EventForm(ContentForm):
    event_kind = SelectField(_l("Kind of event"), choices=list(EVENT_KINDS.items()), validators=[DataRequired()])
    # A working group's meeting: the groups the author coordinates (``EventViews.prepare_form``).
    working_group = SelectField(_l("Working group"), coerce=int, default=0, validators=[Optional()])
    members_only = BooleanField(_l("For the group's members only"))
    starts_at = DateTimeLocalField(_l("Start"), format=DT_FORMATS,
                                   validators=[DataRequired(message=_l("Give the start date and time.")), InYears()])
    ends_at = DateTimeLocalField(_l("End"), format=DT_FORMATS,
                                 validators=[DataRequired(message=_l("Give the end date and time.")), InYears()])
    all_day = BooleanField(_l("All day (times are ignored)"))
    recurrence = SelectField(_l("Repeat"), choices=list(RECURRENCES.items()), default="none")
    recurrence_until = DateField(_l("Repeat until"), validators=[Optional(), InYears()])
    extra_dates = TextAreaField(_l("Other dates"), validators=[Optional(), Length(max=20000)])
    exceptions = TextAreaField(_l("Dates to skip"), validators=[Optional(), Length(max=20000)])
    schedule_status = SelectField(_l("Status"), choices=list(SCHEDULE_STATUSES.items()), default="scheduled")

    attendance_mode = SelectField(_l("Attendance"), choices=list(ATTENDANCE_MODES.items()), default="in_person")
    venue = SelectField(_l("Place: a structure of the directory"), coerce=int, default=0)
    venue_query = StringField(_l("Find another structure in the directory"), validators=[Optional(), Length(max=100)])
    venue_name = StringField(_l("Name of the place"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=255)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), valid_postcode])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    online_url = URLField(_l("Online link"), validators=[Optional(), Length(max=500), HTTP_URL])

    price = SelectField(_l("Price"), choices=[("free", _l("Free")), ("paid", _l("Paid"))], default="free")
    price_text = StringField(_l("Prices"), validators=[Optional(), Length(max=200)])
    audiences = MultiCheckboxField(_l("Audiences"), choices=list(AUDIENCES.items()), validators=[Optional()])
    age_min = IntegerField(_l("From age"), validators=[Optional(), NumberRange(0, 120)])
    age_max = IntegerField(_l("To age"), validators=[Optional(), NumberRange(0, 120)])
    accessibility = MultiCheckboxField(_l("Accessible to people with"), choices=list(ACCESSIBILITY.items()),
                                       validators=[Optional()])
    accessibility_text = TextAreaField(_l("Accessibility details"), validators=[Optional(), Length(max=2000)])
    organisers = MultiCheckboxField(_l("Organising structures"), coerce=int, validators=[Optional()])

    registration_mode = SelectField(_l("Registration"), choices=list(REGISTRATION_MODES.items()), default="none")
    registration_url = URLField(_l("Registration page"), validators=[Optional(), Length(max=500), HTTP_URL])
    capacity = IntegerField(_l("Places"), validators=[Optional()])
    registration_deadline = DateTimeLocalField(_l("Registration deadline"), format=DT_FORMATS,
                                               validators=[Optional(), InYears()])
    waiting_list = BooleanField(_l("Waiting list when full"), default=True)

    objectives = TextAreaField(_l("Objectives"), validators=[Optional(), Length(max=5000)])
    prerequisites = TextAreaField(_l("Prerequisites"), validators=[Optional(), Length(max=5000)])
    trainer = StringField(_l("Trainer"), validators=[Optional(), Length(max=200)])
    duration_text = StringField(_l("Duration"), validators=[Optional(), Length(max=100)])
    certificate = BooleanField(_l("A certificate is given"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Fields required by another field's choice. Not inline validators: an empty field's
        # Optional() stops its validation chain before them.
        for field, missing, message in (
            (self.capacity, self.registration_mode.data == "site" and self.capacity.data is None,
             _l("Give the number of places.")),
            (self.registration_url, self.registration_mode.data == "external" and not self.registration_url.data,
             _l("Give the address of the registration page.")),
            (self.online_url, self.attendance_mode.data in ("online", "mixed") and not self.online_url.data,
             _l("Give the link of the online event.")),
        ):
            if missing and not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    def validate_registration_deadline(self, field):
        # Several dates or a recurrence: registrations may run until the last one.
        single = self.recurrence.data in (None, "", "none") and not (self.extra_dates.data or "").strip()
        if field.data and self.starts_at.data and single and field.data > self.starts_at.data:
            raise ValidationError(_l("The registration deadline is after the start of the event."))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data < self.starts_at.data:
            raise ValidationError(_l("The end is before the start."))

    def validate_capacity(self, field):
        # Required for registration on this site: see validate().
        if field.data is None:  # not a number: the field has its message already
            return
        if field.data < 1:
            raise ValidationError(_l("At least one place."))
        if field.data > 100000:
            raise ValidationError(_l("At most 100,000 places."))

    def validate_age_max(self, field):
        if field.data is not None and self.age_min.data is not None and field.data < self.age_min.data:
            raise ValidationError(_l("The maximum age is below the minimum age."))

    def validate_commune(self, field):
        """The place is put on the map from its commune (``geo.py``): a commune needs its
        postcode, and must be one of that postcode's (a CEDEX code: one of its department's)."""
        name = (field.data or "").strip()
        if not name:
            return
        postcode = (self.postcode.data or "").strip()
        if not postcode:
            raise ValidationError(_l("Give the postcode of the commune too."))
        if self.postcode.errors:
            return
        if not commune_matches(postcode, name):
            raise ValidationError(_l("No commune of this name has the postcode %(postcode)s.", postcode=postcode))

    def validate_extra_dates(self, field):
        _values, bad = parse_lines(field.data, "datetime")
        if bad:
            raise ValidationError(_l("Not a date and time: %(v)s (write 2026-12-05 14:00).", v=", ".join(bad[:3])))

    def validate_exceptions(self, field):
        _values, bad = parse_lines(field.data, "date")
        if bad:
            raise ValidationError(_l("Not a date: %(v)s (write 2026-12-24).", v=", ".join(bad[:3])))


class MessageForm(Form):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=150)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)])
