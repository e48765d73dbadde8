from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from core.converters import IdConverter

        # Before any URL conf is read: every app's urls.py writes <id:...>.
        register_converter(IdConverter, "id")
