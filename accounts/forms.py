from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

from accounts.models import OrgUnit, User
from accounts.services import user_update_profile
from core.text import collapse_spaces, nfc


class UnitChoiceField(forms.ModelChoiceField):
    """Units listed in tree order, indented by depth so the hierarchy shows."""

    def __init__(self, **kwargs):
        super().__init__(queryset=OrgUnit.objects.filter(is_active=True).order_by("path"), **kwargs)

    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj.name}"


class ProfileFieldsMixin(forms.Form):
    # autocomplete and inputmode: browsers fill in what they know, phones open the right keyboard.
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    position = forms.CharField(
        label=_("Position"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    org_unit = UnitChoiceField(label=_("Unit"), required=False)

    def clean_full_name(self) -> str:
        return collapse_spaces(nfc(self.cleaned_data["full_name"]))

    def clean_position(self) -> str:
        return collapse_spaces(nfc(self.cleaned_data["position"]))


class SignupForm(ProfileFieldsMixin):
    """Extra fields on allauth's sign-up form (it adds email and passwords)."""

    field_order = ["full_name", "email", "position", "org_unit", "phone"]

    def signup(self, request, user: User) -> None:
        user_update_profile(
            user=user,
            full_name=self.cleaned_data["full_name"],
            position=self.cleaned_data["position"],
            phone=self.cleaned_data["phone"],
            org_unit=self.cleaned_data["org_unit"],
        )


class ProfileForm(ProfileFieldsMixin):
    pass


_ADMIN_FIELDS = ["email", "full_name", "position", "phone", "org_unit", "coordinated_unit", "is_superuser", "groups"]


class UserCreationForm(WagtailUserCreationForm):
    class Meta(WagtailUserCreationForm.Meta):
        model = User
        fields = _ADMIN_FIELDS

    first_name = None
    last_name = None


class UserEditForm(WagtailUserEditForm):
    class Meta(WagtailUserEditForm.Meta):
        model = User
        fields = [*_ADMIN_FIELDS, "is_active"]

    first_name = None
    last_name = None
