from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from events.models import Attendance


class SelfRegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), disabled=True, required=False)
    org_unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.filter(is_active=True), required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.RegexField(label=_("Phone"), regex=r"^\+?[0-9 .]{9,20}$", max_length=20, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NominateForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["user"].queryset = people.order_by("full_name")


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
