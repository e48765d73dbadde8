from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms import search, signals
        from cms.models import CampaignPage, RegulationPage

        search.register(RegulationPage)
        search.register(CampaignPage)
        signals.connect(self)
