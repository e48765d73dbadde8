from django.utils import timezone
from wagtail import hooks

from cms.home import HOME_PANELS_HOOK, HomePanel
from events.models import EventIndexPage, EventPage


@hooks.register(HOME_PANELS_HOOK)
def upcoming_events(request, page):
    events = list(
        EventPage.objects.live()
        .public()
        .filter(ends_at__gte=timezone.now())
        .select_related("organising_unit")
        .order_by("starts_at")[:3]
    )
    if not events:
        return None
    index = EventIndexPage.objects.live().first()
    context = {"events": events, "index_url": index.url if index else ""}
    return HomePanel(order=30, template_name="events/home_panel.html", context=context)
