from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_signing_key)


def check_signing_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production must not start without the key that signs credentials."""
    from certificates.badges import signing_key_configured

    if signing_key_configured():
        return []
    return [
        checks.Error(
            "CERTIFICATE_SIGNING_KEY is not set, so certificates cannot be signed.",
            hint="Set it to the base64 of 32 random bytes; see certificates/badges.py.",
            id="certificates.E001",
        )
    ]
