from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section
from accounts.scopes import has_role
from certificates.services import PAGE_MANAGER_HOOK
from cms.home import HOME_PANELS_HOOK, HomePanel
from events.models import EventIndexPage, EventPage
from events.permissions import can_manage_event
from events.views import NOMINATORS


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


@hooks.register(PROFILE_LINKS_HOOK)
def event_profile_links(request):
    yield ProfileLink(Section.TRAINING, 20, _("My conferences and tickets"), reverse("events:mine"))
    if has_role(request.user, *NOMINATORS):
        label = _("Conferences: registration, check-in, reports")
        yield ProfileLink(Section.WORK, 10, label, reverse("events:manage_list"))


@hooks.register(PAGE_MANAGER_HOOK)
def event_certificates_are_for_its_organisers(user, page_id: int) -> bool | None:
    """Revoking, reissuing and bulk-issuing an event's certificates: its own organisers only."""
    event = EventPage.objects.filter(pk=page_id).only("pk").first()
    return None if event is None else can_manage_event(user, event)
