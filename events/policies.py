"""Who may manage an event: builds on accounts.scopes, the one place for scope checks."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import OrgUnit
from accounts.roles import Role
from accounts.scopes import AnyUser, can_manage_unit, has_role, units_in_scope
from events.models import EventPage


def can_manage_event(user: AnyUser, event: EventPage) -> bool:
    """Administrators manage every event; organisers only those that name them."""
    if has_role(user, Role.ADMIN):
        return True
    if has_role(user, Role.ORGANISER):
        # Ask the database, not the page's in-memory cluster: a permission is
        # what was saved, never an unsaved edit.
        return EventPage.organisers.through.objects.filter(eventpage_id=event.pk, user_id=user.pk).exists()
    return False


def nominable_units(user: AnyUser, event: EventPage) -> QuerySet[OrgUnit]:
    if can_manage_event(user, event):
        return OrgUnit.objects.all()
    return units_in_scope(user) if has_role(user, Role.COORDINATOR) else OrgUnit.objects.none()


def can_register_into_unit(user: AnyUser, event: EventPage, unit: OrgUnit | None) -> bool:
    if can_manage_event(user, event):
        return True
    return unit is not None and has_role(user, Role.COORDINATOR) and can_manage_unit(user, unit)
