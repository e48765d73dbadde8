from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from events.models import Attendance


class SelfRegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email"), disabled=True, required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    org_unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.filter(is_active=True), required=False)
    position = forms.CharField(
        label=_("Position"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^\+?[0-9 .]{9,20}$",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        required=False,
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (XLSX or CSV)"))


class CheckInForm(forms.Form):
    """One scan or search check-in, as sent by the door page (also when replayed from the offline queue)."""

    token = forms.CharField(required=False, max_length=500)
    registration = forms.UUIDField(required=False)
    nonce = forms.CharField(required=False, max_length=64)
    scanned_at = forms.DateTimeField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Attendance.Status.choices])
    # The door page's random id (kept in the browser), and the usher's tap on a question.
    device = forms.CharField(required=False, max_length=64)
    confirm = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("token") and not data.get("registration"):
            raise forms.ValidationError(_("Scan a ticket or choose a person."))
        return data


class _SharedFields(dict):
    """A form's fields, handed to each instance as they are instead of deep-copied.

    Django copies every field and widget per form so that one request may
    change its own (choices, attributes) without touching the next. The door's
    scan form is never rendered and changes no field: it only cleans, on every
    scan, and the copy was a tenth of the scan view's time (issue 18).
    """

    def __deepcopy__(self, memo):
        return dict(self)


# No field of this form may be changed per instance (see _SharedFields).
CheckInForm.base_fields = _SharedFields(CheckInForm.base_fields)


# --- the registration desk ----------------------------------------------------------

DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
PHONE_REGEX = r"^\+?[0-9 .]{9,20}$"


def _datetime_field(label, *, required: bool = True) -> forms.DateTimeField:
    """Day first as officials write it (dd/mm/yyyy hh:mm) whatever the interface language."""
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(format="%d/%m/%Y %H:%M", attrs={"placeholder": "dd/mm/yyyy hh:mm"}),
        help_text=_("Day/month/year hour:minute, e.g. 24/08/2015 08:00."),
    )


class UnitField(forms.CharField):
    """A unit typed by its code or its full name (accents and case ignored), among the units allowed.

    The desk's type-ahead fills the code; typing the name also works.
    """

    def __init__(self, *args, units=None, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)
        self.units = units if units is not None else OrgUnit.objects.filter(is_active=True)
        self.widget.attrs.update({"data-typeahead": "units", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, OrgUnit):
            return value.code
        if isinstance(value, int):
            unit = OrgUnit.objects.filter(pk=value).first()
            return unit.code if unit else ""
        return value

    def clean(self, value):
        from core.text import collapse_spaces, fold

        text = collapse_spaces(super().clean(value) or "")
        if not text:
            return None
        code = text.split(" ")[0].upper()
        unit = self.units.filter(code=code).first()
        if unit is None:
            folded = fold(text)
            unit = next((u for u in self.units.only("pk", "code", "name", "path") if fold(u.name) == folded), None)
        if unit is None:
            raise forms.ValidationError(
                _("No unit you may choose has the code or name “%(text)s”.") % {"text": text}, code="unknown_unit"
            )
        return unit


class DeskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=OrgUnit.objects.none())
    session = forms.ModelChoiceField(label=_("Checked in to"), required=False, queryset=None)
    source = forms.ChoiceField(label=_("Source"), required=False)

    def __init__(self, *args, units=None, sessions=None, **kwargs):
        from events.models import EventSession, Registration

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All but cancelled")), *Registration.Status.choices]
        self.fields["source"].choices = [("", _("Any")), *Registration.Source.choices]
        self.fields["unit"].queryset = units if units is not None else OrgUnit.objects.none()
        self.fields["unit"].empty_label = _("All units")
        self.fields["session"].queryset = sessions if sessions is not None else EventSession.objects.none()
        self.fields["session"].empty_label = _("Any session")
        self.fields["q"].widget.attrs.update({"placeholder": _("Name, unit or phone"), "type": "search"})


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class _PersonForm(forms.Form):
    """A person's unit, position and phone, the unit chosen among ``units`` (the coordinator's, or all)."""

    org_unit = UnitField(label=_("Unit"))
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.RegexField(
        label=_("Phone"),
        regex=PHONE_REGEX,
        max_length=20,
        required=False,
        error_messages={"invalid": _("Enter a valid phone number.")},
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["org_unit"].units = units


class RegistrationEditForm(_PersonForm):
    full_name = forms.CharField(label=_("Name as printed"), max_length=150)
    field_order = ["full_name", "org_unit", "position", "phone"]


class NewPersonForm(_PersonForm):
    """A person who has no account yet, created on the spot (as the import creates them)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    field_order = ["full_name", "email", "org_unit", "position", "phone"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("%(email)s already has an account: find the person by name or email above.") % {"email": email}
            )
        return email


class EventSettingsForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=100000)
    registration_mode = forms.ChoiceField(label=_("Registration mode"))
    registration_opens = _datetime_field(_("Registration opens"), required=False)
    registration_closes = _datetime_field(_("Registration closes"), required=False)

    def __init__(self, *args, **kwargs):
        from events.models import EventPage

        super().__init__(*args, **kwargs)
        self.fields["registration_mode"].choices = EventPage.Mode.choices

    def clean(self):
        data = super().clean()
        opens, closes = data.get("registration_opens"), data.get("registration_closes")
        if opens and closes and closes < opens:
            self.add_error("registration_closes", _("Registration cannot close before it opens."))
        return data


class QuotaForm(forms.Form):
    unit = UnitField(label=_("Unit"))
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=100000, help_text=_("0 removes the quota."))


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=300)
    speaker = forms.CharField(label=_("Speaker"), max_length=200, required=False)
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    starts_at = _datetime_field(_("Starts at"))
    ends_at = _datetime_field(_("Ends at"))
    required = forms.BooleanField(label=_("Counts for the certificate"), required=False, initial=True)

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event

    def clean(self):
        from django.utils import timezone

        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if not (starts and ends):
            return data
        if ends <= starts:
            self.add_error("ends_at", _("A session must end after it starts."))
        elif self.event is not None and (starts < self.event.starts_at or ends > self.event.ends_at):
            self.add_error(
                None,
                _("A session must fall within the event's dates (%(starts)s – %(ends)s).")
                % {
                    "starts": timezone.localtime(self.event.starts_at).strftime("%d/%m/%Y %H:%M"),
                    "ends": timezone.localtime(self.event.ends_at).strftime("%d/%m/%Y %H:%M"),
                },
            )


class MarkForm(forms.Form):
    """A change of a delegate's state at the door: the new state and the one the usher saw ("" is none)."""

    registration = forms.UUIDField()
    status = forms.ChoiceField(required=False, choices=[("", ""), *Attendance.Status.choices])
    expected = forms.ChoiceField(required=False, choices=[("", ""), *Attendance.Status.choices])


class AdmitForm(forms.Form):
    """Let someone in at the door: a waitlisted registration, or a person not registered."""

    registration = forms.UUIDField(required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    unit = forms.CharField(label=_("Unit (code or name)"), max_length=255, required=False)
    device = forms.CharField(required=False, max_length=64)

    def clean(self):
        data = super().clean()
        if not data.get("registration") and not (data.get("full_name") and data.get("email")):
            raise forms.ValidationError(_("Give the person's full name and email."))
        return data
