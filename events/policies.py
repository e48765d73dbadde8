"""Who may do what with events: the one place events' rules live.

Services call these and refuse with a coded ``ServiceError``; views reach
them through ``accounts.decorators.policy_required``; templates and menus ask
them instead of testing roles. Predicates take the actor first and answer a
plain bool; the scope of units and people comes from ``accounts.scopes``.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import OrgUnit, User
from accounts.roles import Role
from accounts.scopes import AnyUser, has_role, subtree, units_in_scope
from events.models import EventPage, EventSession, Registration


def can_open_event_work(user: AnyUser) -> bool:
    """The staff list of conferences: organisers, administrators and unit coordinators."""
    return has_role(user, Role.ORGANISER, Role.ADMIN, Role.COORDINATOR)


def can_manage_event(user: AnyUser, event: EventPage) -> bool:
    """Administrators manage every event; organisers only those that name them."""
    if has_role(user, Role.ADMIN):
        return True
    if has_role(user, Role.ORGANISER):
        # Ask the database, not the page's in-memory cluster: a permission is
        # what was saved, never an unsaved edit. The door's scan reads the
        # saved organisers with the session (``events.door.scan_session``).
        saved = event.__dict__.get("saved_organiser_ids")
        if saved is not None:
            return user.pk in saved
        # Elsewhere it is asked once per request (the view's check and the
        # service's), so the answer is kept on the user object, which lives as
        # long as the request.
        known = user.__dict__.setdefault("_lms_manages_events", {})
        if event.pk not in known:
            organisers = EventPage.organisers.through.objects
            known[event.pk] = organisers.filter(eventpage_id=event.pk, user_id=user.pk).exists()
        return known[event.pk]
    return False


def forget_managed_events(*users: AnyUser) -> None:
    """Drop the answers :func:`can_manage_event` kept on these user objects (their organiser list changed)."""
    for user in users:
        user.__dict__.pop("_lms_manages_events", None)


def nominable_units(user: AnyUser, event: EventPage) -> QuerySet[OrgUnit]:
    if can_manage_event(user, event):
        return OrgUnit.objects.all()
    return units_in_scope(user) if has_role(user, Role.COORDINATOR) else OrgUnit.objects.none()


def can_nominate_into(user: AnyUser, event: EventPage, *, now: datetime.datetime | None = None) -> bool:
    """Whether ``user`` may register others for ``event`` at all.

    The event's organisers always; a coordinator only into a published event
    that is not over.
    """
    if can_manage_event(user, event):
        return True
    return bool(
        has_role(user, Role.COORDINATOR)
        and event.live
        and event.ends_at >= (now or timezone.now())
        and nominable_units(user, event).exists()
    )


def _coordinates(user: AnyUser, unit: OrgUnit | None) -> bool:
    """``unit`` lies in the subtree the user coordinates (not ``can_manage_unit``, which is every unit for
    an organiser: an organiser of other events who also coordinates a unit reaches only that unit here)."""
    if unit is None or not has_role(user, Role.COORDINATOR):
        return False
    return unit.path.startswith(user.coordinated_unit.path)


def can_register_into_unit(user: AnyUser, event: EventPage, unit: OrgUnit | None) -> bool:
    if can_manage_event(user, event):
        return True
    return _coordinates(user, unit)


def can_nominate(
    user: AnyUser, event: EventPage, person: User, *, unit: OrgUnit | None = None, now: datetime.datetime | None = None
) -> bool:
    """Whether ``user`` may register ``person`` for ``event`` under ``unit`` (the person's own unit if None).

    A coordinator needs both the unit the registration names and the unit the
    person's account belongs to in their scope: naming one's own unit on a
    spreadsheet row must not reach a person of another unit.
    """
    if not can_nominate_into(user, event, now=now):
        return False
    if can_manage_event(user, event):
        return True
    unit = unit if unit is not None else person.org_unit
    own_unit = person.org_unit if person.org_unit_id is not None else None
    if own_unit is None:
        # An account without a unit (a new one the import is creating) has
        # only the row's unit to go by.
        return can_register_into_unit(user, event, unit)
    return can_register_into_unit(user, event, unit) and can_register_into_unit(user, event, own_unit)


def can_open_desk(user: AnyUser, event: EventPage) -> bool:
    """The registration desk: the event's organisers see everyone, a coordinator their units' people."""
    if can_manage_event(user, event):
        return True
    return bool(has_role(user, Role.COORDINATOR) and event.live)


def desk_units(user: AnyUser, event: EventPage) -> QuerySet[OrgUnit] | None:
    """The units whose registrations ``user`` sees at the desk; None for every unit."""
    if can_manage_event(user, event):
        return None
    # Their own subtree, not ``units_in_scope``: that is every unit for an
    # organiser, and an organiser of other events who also coordinates a unit
    # sees only that unit's people here.
    return subtree(user.coordinated_unit) if has_role(user, Role.COORDINATOR) else OrgUnit.objects.none()


def can_follow_event(user: AnyUser, event: EventPage) -> bool:
    """The event's overview, attendance report, its workbook and certificate standing.

    The event's organisers see everyone; a unit coordinator sees the same
    pages for a published event, filtered to their unit subtree
    (:func:`event_units`), as pretix's and Indico's reviewers see a filtered
    view rather than a refusal.
    """
    return can_open_desk(user, event)


def event_units(user: AnyUser, event: EventPage) -> QuerySet[OrgUnit] | None:
    """The units whose people ``user`` follows in ``event``'s pages; None for every unit."""
    return desk_units(user, event)


def can_issue_event_certificates(user: AnyUser, event: EventPage) -> bool:
    """Issuing stays with the event's organisers: a certificate speaks for the issuing body, not a unit.

    (``certificates`` asks ``PAGE_MANAGER_HOOK``, which answers the same.)
    A coordinator sees where their people stand and why not.
    """
    return can_manage_event(user, event)


def can_act_on_registration(user: AnyUser, registration: Registration) -> bool:
    """Edit, substitute, cancel, resend: the event's organisers, or the coordinator of the registration's unit."""
    event = registration.event
    if can_manage_event(user, event):
        return True
    return bool(event.live and _coordinates(user, registration.org_unit))


def is_own_registration(user: AnyUser, registration: Registration) -> bool:
    return user.is_authenticated and registration.user_id == user.pk


def can_view_registration(user: AnyUser, registration: Registration) -> bool:
    """The participant sees their own ticket; the event's organisers see all."""
    return is_own_registration(user, registration) or can_manage_event(user, registration.event)


def can_cancel_registration(user: AnyUser, registration: Registration) -> bool:
    return is_own_registration(user, registration) or can_act_on_registration(user, registration)


def can_request_certificate(user: AnyUser, registration: Registration, *, now: datetime.datetime | None = None) -> bool:
    """The delegate asks for their own certificate, and only once the event is over."""
    return is_own_registration(user, registration) and registration.event.ends_at <= (now or timezone.now())


def can_issue_certificate(user: AnyUser, registration: Registration, *, now: datetime.datetime | None = None) -> bool:
    """The event's organisers issue for anyone; the delegate only for themselves after the end."""
    return can_manage_event(user, registration.event) or can_request_certificate(user, registration, now=now)


def can_check_in(user: AnyUser, session: EventSession) -> bool:
    """Door staff are the event's organisers (and administrators)."""
    return can_manage_event(user, session.event)


def can_see_registration_history(user: AnyUser, registration: Registration) -> bool:
    return can_act_on_registration(user, registration)


def check_in_pass_admits(
    registration: Registration, *, user_id: int, version: int = 0, now: datetime.datetime | None = None
) -> bool:
    """A personal check-in link admits its holder while it is still that person's live seat.

    Bound to the person as well as the registration, so a substitution (the
    seat passed to someone else) revokes it; a cancelled registration, or an
    event that is over, admits no one. It never stands for the account: it
    grants self check-in for this registration and the sight of its ticket.
    """
    return (
        registration.user_id == user_id
        # An organiser revoked the links signed before (``pass_version``).
        and registration.pass_version == version
        and registration.status != Registration.Status.CANCELLED
        and (now or timezone.now()) <= registration.event.ends_at
    )
