from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Training platform")

    def ready(self) -> None:
        from lms import navigation

        navigation.connect()
