from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section
from certificates.policies import PAGE_MANAGER_HOOK, PAGES_NOT_MANAGED_HOOK
from cms.home import HOME_PANELS_HOOK, HomePanel
from core.audit import register_actions
from events import selectors
from events.models import EventIndexPage, EventPage
from events.policies import can_manage_event, can_open_event_work
from quizzes.policies import QUIZ_ACCESS_HOOK


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


@hooks.register("after_create_page")
def event_creator_organises_it(request, page):
    """Whoever creates an event becomes its organiser, and is told where its sessions and seats are set."""
    if not isinstance(page.specific, EventPage):
        return None
    EventPage.organisers.through.objects.get_or_create(eventpage_id=page.pk, user_id=request.user.pk)
    url = reverse("events:desk_settings", args=[page.pk])
    messages.info(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("Add the sessions, capacity and registration settings on the event's management page:"),
            url,
            url,
        ),
    )
    return None


@hooks.register("register_log_actions")
def register_event_log_actions(actions):
    register_actions(
        actions,
        {
            "events.registration.create": (_("Register"), _("Registered")),
            "events.registration.cancel": (_("Cancel registration"), _("Registration cancelled")),
            "events.registration.promote": (_("Promote from the waiting list"), _("Seat from the waiting list")),
            "events.registration.confirm": (_("Give a seat"), _("Seat given by an organiser")),
            "events.registration.waitlist": (_("Move to the waiting list"), _("Moved to the waiting list")),
            "events.registration.update": (_("Edit registration"), _("Registration edited")),
            "events.registration.substitute": (_("Substitute"), _("Passed on to another person")),
            "events.registration.resend_ticket": (_("Resend ticket"), _("Ticket sent again")),
            "events.event.settings": (_("Change registration settings"), _("Registration settings changed")),
            "events.event.quota": (_("Set a unit quota"), _("Unit quota set")),
            "events.event.session": (_("Save a session"), _("Session saved")),
            "events.event.session_delete": (_("Delete a session"), _("Session deleted")),
            "events.event.organiser_add": (_("Add an organiser"), _("Organiser added")),
            "events.event.organiser_remove": (_("Remove an organiser"), _("Organiser removed")),
            "events.attendance.check_in": (_("Check in"), _("Checked in")),
            "events.attendance.mark": (_("Mark attendance"), _("Attendance marked")),
            "events.attendance.undo": (_("Undo check-in"), _("Check-in undone")),
            "events.check_in_pass.refused": (
                _("Refuse a personal check-in link"),
                _("Personal check-in link refused"),
            ),
            "events.check_in_pass.revoke": (
                _("Revoke the personal check-in link"),
                _("Personal check-in link revoked"),
            ),
            "events.attendance.first_scan": (_("Keep the first of two scans"), _("First scan kept")),
            "events.attendance.admit": (_("Let in at the door"), _("Let in at the door")),
        },
    )


@hooks.register(QUIZ_ACCESS_HOOK)
def post_test_access(user, quiz):
    return selectors.quiz_access(user, quiz)
