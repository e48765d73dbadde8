from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cms import search
        from events import tallies
        from events.models import EventIndexPage, EventPage

        search.register(EventPage)
        tallies.connect()
        post_save.connect(_index_created, sender=EventIndexPage, dispatch_uid="events.index_created")


def _index_created(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        from events.services import event_index_grant_organisers

        event_index_grant_organisers(index=instance)
