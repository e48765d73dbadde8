from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    # Two configs live here; this one is the app's (the other replaces Wagtail's users app).
    default = True
    name = "accounts"
    verbose_name = _("Accounts and units")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import identity
        from accounts.documents import guard_document_deletion

        guard_document_deletion()
        identity.connect()


class WagtailUsersConfig(WagtailUsersAppConfig):
    # Wagtail's user admin with our fields (full name, position, unit) in
    # place of first and last name.
    user_viewset = "accounts.viewsets.UserViewSet"
