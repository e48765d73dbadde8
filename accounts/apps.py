from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and units")
    default_auto_field = "django.db.models.BigAutoField"


class WagtailUsersConfig(WagtailUsersAppConfig):
    # Wagtail's user admin with our fields (full name, position, unit) in
    # place of first and last name.
    user_viewset = "accounts.viewsets.UserViewSet"
