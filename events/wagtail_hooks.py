from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section
from certificates.policies import PAGE_MANAGER_HOOK, PAGES_NOT_MANAGED_HOOK
from cms.home import HOME_PANELS_HOOK, HomePanel
from core.audit import register_actions
from events.models import EventIndexPage, EventPage
from events.policies import can_manage_event, can_open_event_work


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
    if can_open_event_work(request.user):
        label = _("Conferences: registration, check-in, reports")
        yield ProfileLink(Section.WORK, 10, label, reverse("events:manage_list"))


@hooks.register(PAGE_MANAGER_HOOK)
def event_certificates_are_for_its_organisers(user, page_id: int) -> bool | None:
    """Revoking, reissuing and bulk-issuing an event's certificates: its own organisers only."""
    event = EventPage.objects.filter(pk=page_id).only("pk").first()
    return None if event is None else can_manage_event(user, event)


@hooks.register(PAGES_NOT_MANAGED_HOOK)
def events_not_organised_by(user):
    """The certificates list of an organiser leaves out the events they do not organise."""
    return EventPage.objects.exclude(organisers=user).values("pk")


@hooks.register("register_log_actions")
def register_event_log_actions(actions):
    register_actions(
        actions,
        {
            "events.registration.create": (_("Register"), _("Registered")),
            "events.registration.cancel": (_("Cancel registration"), _("Registration cancelled")),
            "events.registration.promote": (_("Promote from the waiting list"), _("Seat from the waiting list")),
            "events.attendance.check_in": (_("Check in"), _("Checked in")),
            "events.attendance.mark": (_("Mark attendance"), _("Attendance marked")),
            "events.attendance.undo": (_("Undo check-in"), _("Check-in undone")),
            "events.attendance.first_scan": (_("Keep the first of two scans"), _("First scan kept")),
            "events.attendance.admit": (_("Let in at the door"), _("Let in at the door")),
        },
    )
