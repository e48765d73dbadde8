from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from accounts.viewsets import OrgUnitViewSet
from core.audit import register_actions


@hooks.register("register_admin_viewset")
def register_orgunit_viewset():
    return OrgUnitViewSet()


# Passwords and second factors are allauth's (WAGTAIL_PASSWORD_MANAGEMENT_ENABLED
# is off); the admin's account page links to its pages instead.
@hooks.register("register_account_menu_item")
def change_password_item(request):
    return {
        "url": reverse("account_change_password"),
        "label": _("Change password"),
        "help_text": _("On the site's own page, which asks for the current password."),
    }


@hooks.register("register_account_menu_item")
def two_factor_item(request):
    return {
        "url": reverse("mfa_index"),
        "label": _("Two-factor authentication"),
        "help_text": _("Your authenticator app and recovery codes."),
    }


@hooks.register("register_log_actions")
def register_orgunit_log_actions(actions):
    register_actions(
        actions,
        {
            "accounts.orgunit.create": (gettext_lazy("Create unit"), gettext_lazy("Unit created")),
            "accounts.orgunit.update": (gettext_lazy("Change unit"), gettext_lazy("Unit changed")),
        },
    )
