import re

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from core.widgets import PlainSelect


class AssignForm(forms.Form):
    """Whom to assign a course to: everyone in a unit (and below), and/or people by email."""

    unit = forms.ModelChoiceField(label=_("Everyone in this unit"), queryset=OrgUnit.objects.none(), required=False)
    include_subunits = forms.BooleanField(label=_("Include the units under it"), required=False, initial=True)
    emails = forms.CharField(
        label=_("People by email"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One address per line (or separated by commas)."),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, help_text=_("dd/mm/yyyy"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units.filter(is_active=True).order_by("path")

    def clean_emails(self) -> list[str]:
        raw = self.cleaned_data.get("emails") or ""
        return [e.strip().lower() for e in re.split(r"[\s,;]+", raw) if e.strip()]

    def clean(self):
        data = super().clean()
        if not data.get("unit") and not data.get("emails"):
            raise forms.ValidationError(_("Choose a unit or enter at least one email address."))
        return data

    def people(self, *, scope: QuerySet[User]) -> tuple[list[User], list[str]]:
        """The chosen people, and the addresses that match nobody in ``scope`` (the assigner's people)."""
        data = self.cleaned_data
        people: dict[int, User] = {}
        unit = data.get("unit")
        if unit is not None:
            members = User.objects.filter(is_active=True)
            if data.get("include_subunits"):
                members = members.filter(org_unit__path__startswith=unit.path)
            else:
                members = members.filter(org_unit=unit)
            people.update({user.pk: user for user in members})
        emails = data.get("emails") or []
        found = {user.email: user for user in scope.filter(email__in=emails)}
        people.update({user.pk: user for user in found.values()})
        return list(people.values()), [e for e in emails if e not in found]


class ReportFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False, widget=PlainSelect)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units.order_by("path")

    def offer(self, units) -> None:
        """List only ``units`` (a national tree has hundreds); any unit in scope is still accepted."""
        field = self.fields["unit"]
        field.widget.choices = [("", field.empty_label), *((unit.pk, str(unit)) for unit in units)]
