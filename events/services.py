"""Every write in events: registrations, waiting list, attendance, certificates through the certificates app."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import ModelLogEntry

from accounts.models import OrgUnit, User
from accounts.roles import ROLE_GROUPS, Role
from accounts.scopes import has_role
from certificates.models import Certificate, CertificateBatch, CertificateTemplate
from certificates.services import (
    Achievement,
    BatchItem,
    Issuer,
    certificate_batch_start,
    certificate_issue,
    template_for_unit,
)
from core.audit import audit, snapshot
from core.errors import ServiceError
from core.outbox import outbox_enqueue
from core.text import collapse_spaces
from events import door, policies, selectors, tallies
from events.models import Attendance, EventIndexPage, EventPage, EventSession, Registration, ScanNonce, UnitQuota
from events.tokens import ticket_uuid

UNDO_WINDOW = datetime.timedelta(minutes=1)
# How far a queued offline scan time may lie in the future (clock skew) or past.
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_SCAN_AGE = datetime.timedelta(hours=24)
# The door opens this long before a session starts (scans and self check-in).
CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=30)
# What a registration's and an attendance's history shows of each change.
REGISTRATION_AUDIT_FIELDS = (
    "status",
    "seat",
    "user",
    "full_name",
    "org_unit",
    "position",
    "phone",
    "source",
    "cancel_reason",
)
ATTENDANCE_AUDIT_FIELDS = ("status", "method", "checked_in_at", "recorded_by")


# Organisers write their conferences' pages; publishing still goes through
# the moderation workflow that covers every page under the home page.
ORGANISER_PAGE_PERMISSIONS = ("add_page", "change_page")


@transaction.atomic
def event_index_grant_organisers(*, index: EventIndexPage) -> None:
    """Let the Organisers group add and edit event pages under ``index`` (idempotent)."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    organisers, _created = Group.objects.get_or_create(name=ROLE_GROUPS[Role.ORGANISER])
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=ORGANISER_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=organisers, page=index, permission=permission)


def _lock_event(event_id: int) -> EventPage:
    # Row lock on PostgreSQL: registrations for one event queue up here, and
    # the unique seat constraint still refuses a double booking if not.
    return EventPage.objects.select_for_update().get(pk=event_id)


class SeatMap:
    """The event's seats and unit quotas as one operation sees them, under the event lock.

    A seat is free while fewer people are confirmed than the capacity; seat
    numbers are only labels (the lowest number not held), so lowering the
    capacity never strands a seat. In quota mode a unit's quota is the most
    its people and those of the units under it may hold; the nearest quota
    up the tree applies, and a unit under no quota is limited by the
    capacity alone.
    """

    def __init__(self, event: EventPage) -> None:
        self.event = event
        held = list(
            Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).values_list(
                "seat", "org_unit__path"
            )
        )
        self.taken = {seat for seat, _path in held}
        self.quotas: list[tuple[str, UnitQuota]] = []
        self.used: dict[int, int] = {}
        if event.registration_mode == EventPage.Mode.QUOTA:
            quotas = UnitQuota.objects.filter(event=event).select_related("unit")
            # Deepest first, so the nearest quota up the tree is found first.
            self.quotas = sorted(((q.unit.path, q) for q in quotas), key=lambda item: -len(item[0]))
            for _seat, path in held:
                quota = self.quota_of_path(path)
                if quota is not None:
                    self.used[quota.pk] = self.used.get(quota.pk, 0) + 1

    def quota_of_path(self, path: str | None) -> UnitQuota | None:
        if not path:
            return None
        return next((quota for prefix, quota in self.quotas if path.startswith(prefix)), None)

    def quota_of(self, unit: OrgUnit | None) -> UnitQuota | None:
        return self.quota_of_path(unit.path if unit is not None else None)

    @property
    def free(self) -> int:
        return max(0, self.event.capacity - len(self.taken))

    def unit_room(self, unit: OrgUnit | None) -> int | None:
        """Seats the unit's quota still allows (None: no quota applies)."""
        quota = self.quota_of(unit)
        return None if quota is None else max(0, quota.seats - self.used.get(quota.pk, 0))

    def fits(self, unit: OrgUnit | None, *, ignore_quota: bool = False) -> bool:
        if self.free <= 0:
            return False
        room = None if ignore_quota else self.unit_room(unit)
        return room is None or room > 0

    def take(self, unit: OrgUnit | None) -> int:
        seat = next(number for number in range(1, len(self.taken) + 2) if number not in self.taken)
        self.taken.add(seat)
        quota = self.quota_of(unit)
        if quota is not None:
            self.used[quota.pk] = self.used.get(quota.pk, 0) + 1
        return seat

    def release(self, seat: int | None, unit: OrgUnit | None) -> None:
        if seat is None:
            return
        self.taken.discard(seat)
        quota = self.quota_of(unit)
        if quota is not None and self.used.get(quota.pk):
            self.used[quota.pk] -= 1


def _check_registrar(
    *, actor: User | None, event: EventPage, person: User, unit: OrgUnit | None, source: str, now: datetime.datetime
) -> None:
    """Refuse a registration its actor may not make; None is the platform itself (seed, commands)."""
    if actor is None:
        return
    if source == Registration.Source.SELF:
        if actor.pk != person.pk:
            raise ServiceError("forbidden", _("A self-registration is made by the person themselves."))
    elif not policies.can_nominate(actor, event, person, unit=unit, now=now):
        raise ServiceError(
            "forbidden",
            # Unnamed: the person may be one the actor is not to learn about.
            _("You may not register this person for this event: they or the unit named are outside your scope."),
        )


def _already_registered(event: EventPage, user: User) -> bool:
    return Registration.objects.filter(event=event, user=user).exclude(status=Registration.Status.CANCELLED).exists()


@transaction.atomic
def registration_create(
    *,
    event: EventPage,
    user: User,
    full_name: str = "",
    org_unit: OrgUnit | None = None,
    position: str = "",
    phone: str = "",
    notes: str = "",
    source: str = Registration.Source.SELF,
    created_by: User | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Register ``user``: a seat if one is free for their unit, else the waiting list (mailed their place).

    The waiting list moves first, so a newcomer never takes a seat that
    someone already waiting could have had (first come, first served within
    each unit's quota). ``registration.promoted`` lists who moved meanwhile.
    """
    event = _lock_event(event.pk)
    now = now or timezone.now()
    if source == Registration.Source.SELF:
        if event.registration_mode != EventPage.Mode.OPEN:
            raise ServiceError(
                "registration_by_invitation", _("This event takes registrations from organisers and units only.")
            )
        if not event.registration_is_open(now):
            raise ServiceError("registration_closed", _("Registration for this event is not open."))
    if _already_registered(event, user):
        raise ServiceError("already_registered", _("%(name)s is already registered for this event.") % {"name": user})
    notes_max = Registration._meta.get_field("notes").max_length
    if len(notes) > notes_max:
        raise ServiceError("too_long", _("The notes are longer than %(max)d characters.") % {"max": notes_max})
    registration = Registration(
        event=event,
        user=user,
        full_name=collapse_spaces(full_name or user.full_name),
        org_unit=org_unit if org_unit is not None else user.org_unit,
        position=collapse_spaces(position or user.position),
        phone=(phone or user.phone).strip(),
        notes=notes.strip(),
        source=source,
        created_by=created_by,
        created_at=now,
    )
    _check_registrar(actor=created_by, event=event, person=user, unit=registration.org_unit, source=source, now=now)
    promoted = waitlist_promote(event=event, now=now)
    seats = SeatMap(event)
    if seats.fits(registration.org_unit):
        registration.status, registration.seat = Registration.Status.CONFIRMED, seats.take(registration.org_unit)
    else:
        registration.status, registration.waitlisted_at = Registration.Status.WAITLISTED, now
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:
        # Someone else took the seat between our read and write (databases
        # without row locks), or the same person registered twice at once.
        if _already_registered(event, user):
            raise ServiceError(
                "already_registered", _("%(name)s is already registered for this event.") % {"name": user}
            ) from error
        registration.pk, registration.seat = None, None
        registration.status, registration.waitlisted_at = Registration.Status.WAITLISTED, now
        registration.save()
    audit(
        registration,
        "events.registration.create",
        actor=created_by,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    _queue_status_email(registration)
    registration.promoted = promoted
    return registration


def _queue_status_email(registration: Registration, *, promoted: bool = False) -> None:
    """The ticket to a confirmed person, their place to a waiting one; both through the outbox."""
    if registration.status == Registration.Status.CONFIRMED:
        outbox_enqueue("events.tasks.send_ticket_email", registration_id=registration.pk, promoted=promoted)
    elif registration.status == Registration.Status.WAITLISTED:
        outbox_enqueue("events.tasks.send_waitlist_email", registration_id=registration.pk)


def _locked_registration(registration: Registration) -> tuple[EventPage, Registration]:
    event = _lock_event(registration.event_id)
    # of=self: PostgreSQL refuses FOR UPDATE across the outer join to the nullable unit.
    locked = Registration.objects.select_for_update(of=("self",)).select_related("event", "org_unit", "user")
    return event, locked.get(pk=registration.pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ServiceError("forbidden", message)


def _require_open(event: EventPage, now: datetime.datetime) -> None:
    if event.ends_at < now:
        raise ServiceError("event_over", _("The event is over: its registrations are kept as they are."))


@transaction.atomic
def registration_cancel(
    *,
    registration: Registration,
    actor: User | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> list[Registration]:
    """Cancel (with the reason, if given); the freed seat goes down the waiting list, and who moved is returned."""
    now = now or timezone.now()
    event, registration = _locked_registration(registration)
    if actor is not None:
        _require(policies.can_cancel_registration(actor, registration), _("You may not cancel this registration."))
    if registration.status == Registration.Status.CANCELLED:
        raise ServiceError("already_cancelled", _("This registration is already cancelled."))
    _require_open(event, now)
    reason = collapse_spaces(reason)
    reason_max = Registration._meta.get_field("cancel_reason").max_length
    if len(reason) > reason_max:
        raise ServiceError("too_long", _("The reason is longer than %(max)d characters.") % {"max": reason_max})
    had_seat = registration.status == Registration.Status.CONFIRMED
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    registration.status = Registration.Status.CANCELLED
    registration.seat = None
    registration.waitlisted_at = None
    registration.cancelled_at = now
    registration.cancel_reason = reason
    registration.save(update_fields=["status", "seat", "waitlisted_at", "cancelled_at", "cancel_reason"])
    audit(
        registration,
        "events.registration.cancel",
        actor=actor,
        before=before,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    return waitlist_promote(event=event, now=now) if had_seat else []


@transaction.atomic
def registration_confirm(
    *, registration: Registration, actor: User | None, now: datetime.datetime | None = None
) -> Registration:
    """An organiser gives a waiting person a seat now, out of turn and past the unit's quota (not past capacity)."""
    now = now or timezone.now()
    event, registration = _locked_registration(registration)
    if actor is not None:
        _require(policies.can_manage_event(actor, event), _("Only the event's organisers move the waiting list."))
    if registration.status != Registration.Status.WAITLISTED:
        raise ServiceError("not_waitlisted", _("Only a person on the waiting list can be given a seat."))
    _require_open(event, now)
    seats = SeatMap(event)
    if not seats.fits(registration.org_unit, ignore_quota=True):
        raise ServiceError("event_full", _("No seat is free: raise the capacity or cancel a registration first."))
    _give_seat(registration, seats, actor=actor, action="events.registration.confirm")
    return registration


def _give_seat(registration: Registration, seats: SeatMap, *, actor: User | None, action: str) -> None:
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    registration.status = Registration.Status.CONFIRMED
    registration.seat = seats.take(registration.org_unit)
    registration.waitlisted_at = None
    registration.save(update_fields=["status", "seat", "waitlisted_at"])
    audit(registration, action, actor=actor, before=before, after=snapshot(registration, REGISTRATION_AUDIT_FIELDS))
    _queue_status_email(registration, promoted=True)


@transaction.atomic
def registration_waitlist(
    *, registration: Registration, actor: User | None, now: datetime.datetime | None = None
) -> list[Registration]:
    """An organiser moves a confirmed person to the end of the waiting list; their seat goes to whoever waits.

    The person is not given their seat back in the same step, even if
    nobody else takes it: they wait for the next seat like anyone else.
    """
    now = now or timezone.now()
    event, registration = _locked_registration(registration)
    if actor is not None:
        _require(policies.can_manage_event(actor, event), _("Only the event's organisers move the waiting list."))
    if registration.status != Registration.Status.CONFIRMED:
        raise ServiceError("not_confirmed", _("Only a confirmed person can be moved to the waiting list."))
    _require_open(event, now)
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    registration.status, registration.seat, registration.waitlisted_at = Registration.Status.WAITLISTED, None, now
    registration.save(update_fields=["status", "seat", "waitlisted_at"])
    audit(
        registration,
        "events.registration.waitlist",
        actor=actor,
        before=before,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    promoted = waitlist_promote(event=event, now=now, exclude=registration.pk)
    _queue_status_email(registration)
    return promoted


@transaction.atomic
def registration_update(
    *,
    registration: Registration,
    actor: User | None,
    full_name: str,
    org_unit: OrgUnit | None,
    position: str,
    phone: str,
    now: datetime.datetime | None = None,
) -> list[Registration]:
    """Correct the name as printed, the unit, position and phone; a unit change may free a quota seat."""
    now = now or timezone.now()
    event, registration = _locked_registration(registration)
    if actor is not None:
        _require(policies.can_act_on_registration(actor, registration), _("You may not change this registration."))
        if org_unit is not None and org_unit.pk != registration.org_unit_id:
            _require(
                policies.can_register_into_unit(actor, event, org_unit),
                _("You may not move a person into a unit outside your scope."),
            )
    full_name = collapse_spaces(full_name)
    if not full_name:
        raise ServiceError("name_missing", _("The name is missing."))
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    unit_changed = (org_unit.pk if org_unit else None) != registration.org_unit_id
    registration.full_name = full_name
    registration.org_unit = org_unit
    registration.position = collapse_spaces(position)
    registration.phone = phone.strip()
    registration.save(update_fields=["full_name", "full_name_folded", "org_unit", "position", "phone"])
    audit(
        registration,
        "events.registration.update",
        actor=actor,
        before=before,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    return waitlist_promote(event=event, now=now) if unit_changed else []


@transaction.atomic
def registration_substitute(
    *,
    registration: Registration,
    person: User,
    actor: User | None,
    full_name: str = "",
    position: str = "",
    phone: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """Thay người: another person of the same unit takes this registration, its seat and its history.

    The ticket changes (a new signed code), so the first person's ticket no
    longer opens the door; the newcomer is mailed theirs.
    """
    now = now or timezone.now()
    event, registration = _locked_registration(registration)
    if actor is not None:
        _require(policies.can_act_on_registration(actor, registration), _("You may not change this registration."))
        _require(
            policies.can_nominate(actor, event, person, unit=registration.org_unit, now=now),
            _("You may not register this person for this event: they or the unit named are outside your scope."),
        )
    if registration.status == Registration.Status.CANCELLED:
        raise ServiceError("cancelled", _("A cancelled registration cannot be passed on."))
    _require_open(event, now)
    if person.pk == registration.user_id:
        raise ServiceError("same_person", _("Choose another person: this one already holds the registration."))
    if person.org_unit_id is not None and person.org_unit_id != registration.org_unit_id:
        raise ServiceError("other_unit", _("A substitute must be of the same unit as the person they replace."))
    if _already_registered(event, person):
        raise ServiceError("already_registered", _("%(name)s is already registered for this event.") % {"name": person})
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    registration.user = person
    registration.full_name = collapse_spaces(full_name or person.full_name)
    registration.position = collapse_spaces(position or person.position)
    registration.phone = (phone or person.phone).strip()
    registration.uuid = uuid.uuid4()
    registration.save(update_fields=["user", "full_name", "full_name_folded", "position", "phone", "uuid"])
    audit(
        registration,
        "events.registration.substitute",
        actor=actor,
        before=before,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    _queue_status_email(registration)
    return registration


@transaction.atomic
def registration_resend_ticket(*, registration: Registration, actor: User | None) -> None:
    """Mail the ticket again (the same ticket), through the outbox like the first one."""
    registration = Registration.objects.select_related("event", "org_unit").get(pk=registration.pk)
    if actor is not None:
        _require(policies.can_act_on_registration(actor, registration), _("You may not change this registration."))
    if registration.status != Registration.Status.CONFIRMED:
        raise ServiceError("not_confirmed", _("Only a confirmed person has a ticket to send."))
    audit(registration, "events.registration.resend_ticket", actor=actor)
    outbox_enqueue("events.tasks.send_ticket_email", registration_id=registration.pk)


def check_in_pass_revoke(*, registration: Registration, actor: User | None, send_new: bool = False) -> Registration:
    """Revoke the delegate's personal check-in link (a lost phone, a forwarded mail); optionally mail a new one.

    The event's organisers only. Links signed before are refused from now on,
    on every phone that opened them (``policies.check_in_pass_admits``); the
    ticket mail sent afterwards carries the new link.
    """
    with transaction.atomic():
        registration = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        if actor is not None:
            _require(policies.can_manage_event(actor, registration.event), _("You may not change this registration."))
        if registration.status == Registration.Status.CANCELLED:
            raise ServiceError("cancelled", _("A cancelled registration has no check-in link."))
        registration.pass_version += 1
        registration.save(update_fields=["pass_version"])
        audit(registration, "events.check_in_pass.revoke", actor=actor, version=registration.pass_version)
    if send_new:
        registration_resend_ticket(registration=registration, actor=actor)
    return registration


def waitlist_promote(
    *, event: EventPage, now: datetime.datetime | None = None, exclude: int | None = None
) -> list[Registration]:
    """Give free seats down the waiting list, first come first served within each unit's quota; who moved.

    Called (under the event lock) whenever a seat or a quota may have freed:
    a cancellation, a unit change, the capacity, a quota or the mode changed.
    Nothing moves once the event is over.
    """
    if event.ends_at < (now or timezone.now()):
        return []
    seats = SeatMap(event)
    promoted: list[Registration] = []
    waiting = (
        Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
        .exclude(pk=exclude)
        .select_related("org_unit", "user")
        .order_by("waitlisted_at", "created_at", "pk")
    )
    for registration in waiting:
        if seats.free <= 0:
            break
        if seats.fits(registration.org_unit):
            _give_seat(registration, seats, actor=None, action="events.registration.promote")
            promoted.append(registration)
    return promoted


def free_seats(event: EventPage) -> int:
    """Seats nobody holds, in one count (the same rule as ``SeatMap.free``)."""
    confirmed = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).count()
    return max(0, event.capacity - confirmed)


def waitlist_places(event: EventPage) -> dict[int, int]:
    """Each waiting registration's place in the queue (1 = next), in one query."""
    waiting = (
        Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
        .order_by("waitlisted_at", "created_at", "pk")
        .values_list("pk", flat=True)
    )
    return {pk: place for place, pk in enumerate(waiting, start=1)}


# --- operational settings (not page content: changed at once, audited) ------------


def _require_manager(actor: User | None, event: EventPage) -> None:
    if actor is not None:
        _require(policies.can_manage_event(actor, event), _("You may not change this event's settings."))


def _check_quotas_fit(event: EventPage, capacity: int, extra: dict[int, int] | None = None) -> None:
    """The quotas together may not promise more seats than the event has."""
    seats = dict(UnitQuota.objects.filter(event=event).values_list("unit_id", "seats"))
    seats.update(extra or {})
    total = sum(seats.values())
    if total > capacity:
        raise ServiceError(
            "quotas_over_capacity",
            _("The unit quotas add up to %(total)d seats, more than the capacity of %(capacity)d.")
            % {"total": total, "capacity": capacity},
        )


@transaction.atomic
def event_settings_update(
    *,
    event: EventPage,
    actor: User | None,
    capacity: int,
    registration_mode: str,
    registration_opens: datetime.datetime | None,
    registration_closes: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> list[Registration]:
    """Capacity, mode and registration window, in force at once (no review); the waiting list then moves."""
    event = _lock_event(event.pk)
    _require_manager(actor, event)
    if registration_mode not in EventPage.Mode.values:
        raise ServiceError("bad_mode", _("Unknown registration mode."))
    confirmed = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).count()
    if capacity < confirmed:
        raise ServiceError(
            "capacity_below_confirmed",
            _("%(confirmed)d people already hold a seat: the capacity cannot be lower. Cancel or move some first.")
            % {"confirmed": confirmed},
        )
    if registration_opens and registration_closes and registration_closes < registration_opens:
        raise ServiceError("window_reversed", _("Registration cannot close before it opens."))
    if registration_closes and registration_closes > event.ends_at:
        raise ServiceError("window_after_event", _("Registration must close by the end of the event."))
    if registration_mode == EventPage.Mode.QUOTA:
        _check_quotas_fit(event, capacity)
    before = snapshot(event, EventPage.OPERATIONAL_FIELDS)
    event.capacity = capacity
    event.registration_mode = registration_mode
    event.registration_opens = registration_opens
    event.registration_closes = registration_closes
    EventPage.objects.filter(pk=event.pk).update(
        **{name: getattr(event, name) for name in EventPage.OPERATIONAL_FIELDS}
    )
    audit(
        event, "events.event.settings", actor=actor, before=before, after=snapshot(event, EventPage.OPERATIONAL_FIELDS)
    )
    return waitlist_promote(event=event, now=now)


@transaction.atomic
def quota_set(
    *, event: EventPage, actor: User | None, unit: OrgUnit, seats: int, now: datetime.datetime | None = None
) -> list[Registration]:
    """Set a unit's quota (0 removes it); a raised quota moves the waiting list at once."""
    event = _lock_event(event.pk)
    _require_manager(actor, event)
    if seats < 0:
        raise ServiceError("bad_seats", _("A quota cannot be negative."))
    existing = UnitQuota.objects.filter(event=event, unit=unit).first()
    before = {"unit": unit.pk, "seats": existing.seats if existing else 0}
    if seats == 0:
        if existing is not None:
            existing.delete()
    else:
        _check_quotas_fit(event, event.capacity, {unit.pk: seats})
        UnitQuota.objects.update_or_create(event=event, unit=unit, defaults={"seats": seats})
    audit(event, "events.event.quota", actor=actor, before=before, after={"unit": unit.pk, "seats": seats})
    return waitlist_promote(event=event, now=now)


def _check_session_times(event: EventPage, starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if ends_at <= starts_at:
        raise ServiceError("session_reversed", _("A session must end after it starts."))
    if starts_at < event.starts_at or ends_at > event.ends_at:
        raise ServiceError(
            "session_outside_event",
            _("A session must fall within the event's dates (%(starts)s – %(ends)s).")
            % {
                "starts": timezone.localtime(event.starts_at).strftime("%d/%m/%Y %H:%M"),
                "ends": timezone.localtime(event.ends_at).strftime("%d/%m/%Y %H:%M"),
            },
        )


SESSION_FIELDS = ("title", "speaker", "room", "starts_at", "ends_at", "required")


@transaction.atomic
def session_save(
    *,
    event: EventPage,
    actor: User | None,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    speaker: str = "",
    room: str = "",
    required: bool = True,
    session: EventSession | None = None,
) -> EventSession:
    """Add a session or change one (its room, times, topic) at once; times stay within the event's dates."""
    event = _lock_event(event.pk)
    _require_manager(actor, event)
    _check_session_times(event, starts_at, ends_at)
    if session is None:
        session = EventSession(event=event)
        before: dict = {}
    else:
        session = EventSession.objects.select_for_update().get(pk=session.pk, event=event)
        before = snapshot(session, SESSION_FIELDS)
    session.title = collapse_spaces(title)
    session.speaker = collapse_spaces(speaker)
    session.room = collapse_spaces(room)
    session.starts_at, session.ends_at, session.required = starts_at, ends_at, required
    if not session.title:
        raise ServiceError("title_missing", _("The topic is missing."))
    session.save()
    audit(
        event,
        "events.event.session",
        actor=actor,
        before=before,
        after=snapshot(session, SESSION_FIELDS),
        session=session.pk,
    )
    return session


@transaction.atomic
def session_delete(*, session: EventSession, actor: User | None) -> None:
    """Remove a session that nobody attended; one with attendance is kept (certificates count it)."""
    event = _lock_event(session.event_id)
    _require_manager(actor, event)
    session = EventSession.objects.select_for_update().get(pk=session.pk)
    if session.attendances.exists():
        raise ServiceError(
            "session_attended", _("People have checked in to this session: it cannot be deleted. Change it instead.")
        )
    audit(
        event, "events.event.session_delete", actor=actor, before=snapshot(session, SESSION_FIELDS), session=session.pk
    )
    session.delete()


@transaction.atomic
def event_organiser_add(*, event: EventPage, actor: User | None, person: User) -> None:
    """Name another organiser of the event (an account with the organiser role)."""
    event = _lock_event(event.pk)
    _require_manager(actor, event)
    if not has_role(person, Role.ORGANISER, Role.ADMIN):
        raise ServiceError("not_organiser", _("%(name)s does not have the organiser role.") % {"name": person})
    EventPage.organisers.through.objects.get_or_create(eventpage_id=event.pk, user_id=person.pk)
    policies.forget_managed_events(person)
    audit(event, "events.event.organiser_add", actor=actor, organiser=person.pk)


@transaction.atomic
def event_organiser_remove(*, event: EventPage, actor: User | None, person: User) -> None:
    event = _lock_event(event.pk)
    _require_manager(actor, event)
    through = EventPage.organisers.through.objects.filter(eventpage_id=event.pk)
    if not through.filter(user_id=person.pk).exists():
        return
    if through.count() == 1:
        raise ServiceError("last_organiser", _("An event keeps at least one organiser."))
    through.filter(user_id=person.pk).delete()
    policies.forget_managed_events(person, *([actor] if actor is not None else []))
    audit(event, "events.event.organiser_remove", actor=actor, organiser=person.pk)


# --- check-in -----------------------------------------------------------------

# A ticket shown to the same door device again this soon is the same scan (a
# QR code held in front of the camera), not a second arrival.
SAME_SCAN_WINDOW = datetime.timedelta(seconds=10)
# Answers that wait for the usher's tap: nothing is written until they confirm.
NEEDS_CONFIRMATION = ("not_running", "recorded")
# The changes an usher may undo (a first-scan correction after a sync is not theirs).
UNDOABLE_ACTIONS = ("events.attendance.check_in", "events.attendance.mark", "events.attendance.admit")


@dataclass(frozen=True)
class CheckInResult:
    """What the door shows: ok (green), duplicate or a question to confirm (amber), or a refusal (red)."""

    outcome: str
    message: str
    registration: Registration | None = None
    attendance: Attendance | None = None
    # Said beside the outcome: the device's time was not believed, for example.
    note: str = ""
    # The logged change that "Undo" reverts.
    change: int | None = None

    @property
    def colour(self) -> str:
        if self.needs_confirmation:
            return "amber"
        return {"ok": "green", "duplicate": "amber"}.get(self.outcome, "red")

    @property
    def needs_confirmation(self) -> bool:
        return self.outcome in NEEDS_CONFIRMATION

    @property
    def state(self) -> selectors.DoorState:
        return selectors.attendance_state(self.attendance)


def arrival_status(session: EventSession, scanned_at: datetime.datetime) -> str:
    """Present, or late when scanned after the session's start plus the event's late-after minutes."""
    late_after = session.starts_at + datetime.timedelta(minutes=session.event.late_after_minutes)
    return Attendance.Status.LATE if scanned_at > late_after else Attendance.Status.PRESENT


def door_is_open(session: EventSession, at: datetime.datetime) -> bool:
    """Whether ``at`` lies in the session's door window: from a little before its start to its end."""
    return session.starts_at - CHECK_IN_OPENS_BEFORE <= at <= session.ends_at


def _clean_scan_time(
    scanned_at: datetime.datetime | None, now: datetime.datetime, session: EventSession
) -> tuple[datetime.datetime, str]:
    """The device's scan time if it is believable, else the server's, with a note saying so.

    Believable: inside the session's door window, no older than a day (an
    offline phone sends its queue when back online) and not in the future
    beyond clock skew.
    """
    if scanned_at is None:
        return now, ""
    if door_is_open(session, scanned_at) and now - MAX_SCAN_AGE <= scanned_at <= now + MAX_CLOCK_SKEW:
        return scanned_at, ""
    try:
        shown = timezone.localtime(scanned_at)
    except OverflowError:  # 0001-01-01 has no local time to move to
        shown = scanned_at
    note = _("The device's time (%(device)s) is outside this session; the server's time was recorded.") % {
        "device": shown.strftime("%d/%m/%Y %H:%M")
    }
    return now, note


def _not_running(session: EventSession, registration: Registration, at: datetime.datetime) -> CheckInResult:
    if at < session.starts_at:
        text = _("This session is not running: it starts at %(time)s on %(date)s. Check in anyway?")
        when = timezone.localtime(session.starts_at)
    else:
        text = _("This session is not running: it ended at %(time)s on %(date)s. Check in anyway?")
        when = timezone.localtime(session.ends_at)
    message = text % {"time": when.strftime("%H:%M"), "date": when.strftime("%d/%m/%Y")}
    return CheckInResult("not_running", message, registration=registration)


def _duplicate(attendance: Attendance, registration: Registration, note: str = "") -> CheckInResult:
    at = timezone.localtime(attendance.checked_in_at).strftime("%H:%M")
    return CheckInResult(
        "duplicate",
        _("Already checked in at %(time)s") % {"time": at},
        registration=registration,
        attendance=attendance,
        note=note,
    )


def _earlier_answer(nonce: str) -> CheckInResult | None:
    """The answer already given to this scan, if it was processed before."""
    seen = ScanNonce.objects.select_related("attendance__registration__org_unit").filter(nonce=nonce).first()
    return _replayed(seen) if seen is not None else None


def _ticket_holder(token: str, session: EventSession) -> Registration | None:
    """The registration a ticket names, with its attendance in ``session`` (``door_attendance``, None if none).

    One query (``events.door``): a second scan of the same ticket (most scans
    at a door) needs no other read to be answered.
    """
    found = ticket_uuid(token)
    if found is None:
        return None
    return door.ticket_registration(found, session)


def _refusal(registration: Registration, session: EventSession) -> CheckInResult | None:
    """Why this registration may not be checked in to the session, or None."""
    if registration.event_id != session.event_id:
        return CheckInResult("other_event", _("This ticket is for another event."))
    if registration.status == Registration.Status.CANCELLED:
        return CheckInResult("cancelled", _("This registration was cancelled."), registration=registration)
    if registration.status != Registration.Status.CONFIRMED:
        return CheckInResult(
            "waitlisted", _("This person is on the waiting list, not confirmed."), registration=registration
        )
    return None


@dataclass(frozen=True)
class _Scan:
    """One check-in being recorded: who, where, when, by whom and from which door device."""

    registration: Registration
    session: EventSession
    status: str
    method: str
    scanned_at: datetime.datetime
    now: datetime.datetime
    recorded_by: User | None
    device: str
    confirm: bool
    nonce: str


def _record_attendance(scan: _Scan) -> CheckInResult:
    """Write the attendance, or answer from the one already recorded (even by a racing request).

    The first check-in of a person is the door's hot path: four inserts
    (attendance, the report's tally, its log entry, the scan's nonce), one
    statement on PostgreSQL and one short transaction elsewhere
    (``events.door``), and nothing read after them. A racing request for the
    same person or the same nonce fails on a unique constraint; all four are
    then undone and the answer comes from what won.
    """
    if hasattr(scan.registration, "door_attendance"):  # read with the ticket's registration
        existing = scan.registration.door_attendance
    else:
        existing = Attendance.objects.filter(registration=scan.registration, session=scan.session).first()
    if existing is None:
        try:
            attendance, entry = _insert_check_in(scan)
        except IntegrityError:
            if scan.nonce and (earlier := _earlier_answer(scan.nonce)) is not None:
                return earlier
        else:
            return CheckInResult(
                "ok", _("Checked in"), registration=scan.registration, attendance=attendance, change=entry.pk
            )
    else:
        quick = _answer_without_writing(scan, existing)
        if quick is not None:
            # The same ticket again (most scans at a busy door): nothing changes
            # but the nonce, kept in one statement; a nonce already kept is a
            # replay, answered as it was the first time.
            if not scan.nonce or door.keep_nonce(scan.nonce, scan.session, existing, quick.outcome):
                return quick
            if (earlier := _earlier_answer(scan.nonce)) is not None:
                return earlier
    # A scan sent again from the offline queue gets the answer it got first.
    if scan.nonce and (earlier := _earlier_answer(scan.nonce)) is not None:
        return earlier
    with transaction.atomic():
        existing = _locked_attendance(scan.registration, scan.session)
        result = _over_existing(scan, existing)
        if scan.nonce and not result.needs_confirmation:
            result = _remember_scan(scan.nonce, scan.session, result)
    return result


def _answer_without_writing(scan: _Scan, existing: Attendance) -> CheckInResult | None:
    """The answer to a scan of someone already in the room, when it changes nothing; None when it would.

    The same ticket in front of the same camera is the same scan; a later
    scan is a duplicate. An earlier one (an offline door syncing late), or a
    recorded absence or leave, goes the locked way of :func:`_over_existing`.
    """
    if not selectors.attendance_state(existing).attended:
        return None
    same_device = scan.device and existing.device == scan.device
    if same_device and scan.now - existing.recorded_at <= SAME_SCAN_WINDOW:
        return CheckInResult("ok", _("Checked in"), registration=scan.registration, attendance=existing)
    if scan.scanned_at < existing.checked_in_at:
        return None
    return _duplicate(existing, scan.registration)


def _insert_check_in(scan: _Scan) -> tuple[Attendance, ModelLogEntry]:
    """A first check-in's rows, written at once (``events.door``): the attendance, the report's tally, the
    history entry (as ``core.audit.audit`` writes it) and the scan's nonce; IntegrityError when raced."""
    attendance = Attendance(
        registration=scan.registration,
        session=scan.session,
        status=scan.status,
        method=scan.method,
        checked_in_at=scan.scanned_at,
        recorded_at=scan.now,
        recorded_by=scan.recorded_by,
        device=scan.device,
    )
    actor = scan.recorded_by if scan.recorded_by is not None and scan.recorded_by.is_authenticated else None
    entry = door.log_entry(scan.registration, scan.session, actor, snapshot(attendance, ATTENDANCE_AUDIT_FIELDS))
    tally = tallies.attendance_added(scan.registration, scan.session.pk, scan.status)
    return door.insert_check_in(attendance, entry, scan.nonce, tally)


def _over_existing(scan: _Scan, existing: Attendance) -> CheckInResult:
    """A check-in for someone whose state in the session is already recorded."""
    if selectors.attendance_state(existing).attended:
        same_device = scan.device and existing.device == scan.device
        if same_device and scan.now - existing.recorded_at <= SAME_SCAN_WINDOW:
            # The same ticket still in front of the same camera: the same scan.
            return CheckInResult("ok", _("Checked in"), registration=scan.registration, attendance=existing)
        if scan.scanned_at < existing.checked_in_at:
            return _keep_first_scan(scan, existing)
        return _duplicate(existing, scan.registration)
    if not scan.confirm:
        label = selectors.attendance_state(existing).label
        return CheckInResult(
            "recorded",
            _("Recorded as “%(state)s”. Check them in as present?") % {"state": label},
            registration=scan.registration,
            attendance=existing,
        )
    before = snapshot(existing, ATTENDANCE_AUDIT_FIELDS)
    existing.status, existing.method, existing.device = scan.status, scan.method, scan.device
    existing.checked_in_at, existing.recorded_at, existing.recorded_by = scan.scanned_at, scan.now, scan.recorded_by
    existing.save(update_fields=["status", "method", "device", "checked_in_at", "recorded_at", "recorded_by"])
    entry = audit(
        scan.registration,
        "events.attendance.check_in",
        actor=scan.recorded_by,
        before=before,
        after=snapshot(existing, ATTENDANCE_AUDIT_FIELDS),
        session=scan.session.pk,
        attendance=existing.pk,
        change="update",
    )
    return CheckInResult("ok", _("Checked in"), registration=scan.registration, attendance=existing, change=entry.pk)


def _keep_first_scan(scan: _Scan, existing: Attendance) -> CheckInResult:
    """An earlier scan arrives after a later one (two doors, one of them offline): the first scan stands."""
    later = timezone.localtime(existing.checked_in_at).strftime("%H:%M")
    before = snapshot(existing, ATTENDANCE_AUDIT_FIELDS)
    existing.checked_in_at = scan.scanned_at
    existing.status = arrival_status(scan.session, scan.scanned_at)
    existing.save(update_fields=["checked_in_at", "status"])
    audit(
        scan.registration,
        "events.attendance.first_scan",
        actor=scan.recorded_by,
        before=before,
        after=snapshot(existing, ATTENDANCE_AUDIT_FIELDS),
        session=scan.session.pk,
        attendance=existing.pk,
        change="update",
    )
    first = timezone.localtime(scan.scanned_at).strftime("%H:%M")
    note = _("Scanned at two doors, at %(first)s and %(later)s: the first scan is kept.") % {
        "first": first,
        "later": later,
    }
    return _duplicate(existing, scan.registration, note=note)


def _remember_scan(nonce: str, session: EventSession, result: CheckInResult) -> CheckInResult:
    """Keep the answer under the scan's nonce, so a replay gets it again; the first to store it wins."""
    try:
        with transaction.atomic():
            ScanNonce.objects.create(nonce=nonce, session=session, attendance=result.attendance, outcome=result.outcome)
    except IntegrityError:
        # The same nonce raced in on another request; its answer stands.
        return _replayed(ScanNonce.objects.select_related("attendance__registration__org_unit").get(nonce=nonce))
    return result


def attendance_check_in(
    *,
    session: EventSession,
    recorded_by: User | None,
    token: str = "",
    registration: Registration | None = None,
    scanned_at: datetime.datetime | None = None,
    nonce: str = "",
    status: str | None = None,
    method: str = Attendance.Method.SCAN,
    device: str = "",
    confirm: bool = False,
    now: datetime.datetime | None = None,
) -> CheckInResult:
    """Record one check-in, by ticket token or by a registration found by search.

    A replay of a scan already answered (same ``nonce``) returns the first
    answer without writing: queued offline scans are sent until acknowledged,
    so the same scan may arrive more than once. (The nonce is looked up only
    when the person is already recorded or the insert collides: a first scan
    reads the registration, with its attendance, and nothing else.) Everything is read before
    the one short transaction that writes. A scan outside the session's
    door window, or over a recorded "absent" or "excused", writes nothing
    and asks; the usher's tap sends it again with ``confirm``.
    """
    now = now or timezone.now()
    nonce = nonce.strip()[:64]
    if registration is None:
        registration = _ticket_holder(token, session)
        if registration is None:
            return CheckInResult("unknown", _("Unknown ticket: this QR code is not one of our tickets."))
    if recorded_by is not None and not (
        policies.can_check_in(recorded_by, session)
        or (method == Attendance.Method.SELF and registration.user_id == recorded_by.pk)
    ):
        raise ServiceError("forbidden", _("You may not check people in to this session."))
    refusal = _refusal(registration, session)
    if refusal is not None:
        return refusal
    scanned_at, note = _clean_scan_time(scanned_at, now, session)
    if not confirm and not door_is_open(session, scanned_at):
        return _not_running(session, registration, scanned_at)
    status = status or arrival_status(session, scanned_at)
    if status not in Attendance.Status.values:
        raise ServiceError("bad_status", _("Unknown attendance status."))
    scan = _Scan(
        registration, session, status, method, scanned_at, now, recorded_by, device.strip()[:64], confirm, nonce
    )
    result = _record_attendance(scan)
    if note and result.outcome == "ok":
        result = dataclasses.replace(result, note=note)
    return result


def _replayed(seen: ScanNonce) -> CheckInResult:
    attendance = seen.attendance
    registration = attendance.registration if attendance else None
    if seen.outcome == "ok" and attendance is not None:
        return CheckInResult("ok", _("Checked in"), registration=registration, attendance=attendance)
    if attendance is not None:
        return _duplicate(attendance, registration)
    return CheckInResult(seen.outcome, _("This scan was already processed."))


def _locked_attendance(registration: Registration, session: EventSession) -> Attendance | None:
    return Attendance.objects.select_for_update().filter(registration=registration, session=session).first()


@transaction.atomic
def attendance_mark(
    *,
    registration: Registration,
    session: EventSession,
    status: str,
    recorded_by: User | None,
    expected: str | None = None,
    now: datetime.datetime | None = None,
) -> ModelLogEntry:
    """Set a delegate's state in a session by hand: a status, or "" for nothing recorded.

    ``expected`` is the state the usher saw when they chose: if someone else
    changed it meanwhile, nothing is written and they are told. Returns the
    logged change, which :func:`attendance_undo` reverts.
    """
    now = now or timezone.now()
    if recorded_by is not None and not policies.can_check_in(recorded_by, session):
        raise ServiceError("forbidden", _("You may not record attendance for this session."))
    if registration.event_id != session.event_id:
        raise ServiceError("other_event", _("This ticket is for another event."))
    if status and status not in Attendance.Status.values:
        raise ServiceError("bad_status", _("Unknown attendance status."))
    existing = _locked_attendance(registration, session)
    current = selectors.attendance_state(existing)
    if expected is not None and expected != current.status:
        raise ServiceError(
            "changed_since",
            _("This was changed meanwhile: it is now “%(state)s”. Look again before changing it.")
            % {"state": current.label},
        )
    if status == current.status:
        raise ServiceError("unchanged", _("This is already the recorded state."))
    before = snapshot(existing, ATTENDANCE_AUDIT_FIELDS) if existing is not None else {}
    if not status:
        attendance_id = existing.pk
        existing.delete()
        after, change = {}, "delete"
    elif existing is None:
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    registration=registration,
                    session=session,
                    status=status,
                    method=Attendance.Method.SEARCH,
                    checked_in_at=now,
                    recorded_at=now,
                    recorded_by=recorded_by,
                )
        except IntegrityError as error:
            raise ServiceError(
                "changed_since", _("This was changed meanwhile. Look again before changing it.")
            ) from error
        attendance_id, after, change = attendance.pk, snapshot(attendance, ATTENDANCE_AUDIT_FIELDS), "create"
    else:
        # Between present and late the scan's time stays; any other change is timed now.
        if not (current.attended and status in selectors.ATTENDED):
            existing.checked_in_at = now
        existing.status, existing.recorded_by, existing.recorded_at = status, recorded_by, now
        existing.save(update_fields=["status", "checked_in_at", "recorded_by", "recorded_at"])
        attendance_id, after, change = existing.pk, snapshot(existing, ATTENDANCE_AUDIT_FIELDS), "update"
    return audit(
        registration,
        "events.attendance.mark",
        actor=recorded_by,
        before=before,
        after=after,
        session=session.pk,
        attendance=attendance_id,
        change=change,
    )


def _restore(attendance: Attendance, values: dict) -> None:
    """Put logged values (plain, as ``snapshot`` wrote them) back on ``attendance``."""
    for name, value in values.items():
        field = Attendance._meta.get_field(name)
        if name == "checked_in_at":
            value = datetime.datetime.fromisoformat(value)
        setattr(attendance, field.attname, value)


@transaction.atomic
def attendance_undo(
    *, change_id: int, session: EventSession, actor: User | None = None, now: datetime.datetime | None = None
) -> ModelLogEntry:
    """Revert a check-in or a change of state made by mistake, within a minute of making it.

    The state goes back to what it was (nothing recorded, or the earlier
    status and time); the reversal stays in the registration's history with
    what was undone and by whom. Refused once the state was changed again.
    """
    now = now or timezone.now()
    if actor is not None and not policies.can_check_in(actor, session):
        raise ServiceError("forbidden", _("You may not undo check-ins of this session."))
    entry = ModelLogEntry.objects.filter(
        pk=change_id, content_type=ContentType.objects.get_for_model(Registration), action__in=UNDOABLE_ACTIONS
    ).first()
    if entry is None or entry.data.get("session") != session.pk:
        raise ServiceError("not_found", _("There is no such change to undo."))
    if now - entry.timestamp > UNDO_WINDOW:
        raise ServiceError("undo_expired", _("A check-in can only be undone within a minute."))
    registration = Registration.objects.get(pk=entry.object_id)
    current = _locked_attendance(registration, session)
    kind, before, after = entry.data.get("change"), entry.data.get("before", {}), entry.data.get("after", {})
    unchanged = (current is None) if kind == "delete" else (current is not None and snapshot(current, after) == after)
    if not unchanged:
        raise ServiceError("changed_since", _("This was changed again since: change it from the search instead."))
    undone = snapshot(current, ATTENDANCE_AUDIT_FIELDS) if current is not None else {}
    restored = None
    if kind == "create":
        attendance_id = current.pk
        current.delete()
    else:
        restored = current or Attendance(registration=registration, session=session, recorded_at=now)
        _restore(restored, before)
        restored.save()
        attendance_id = restored.pk
    return audit(
        registration,
        "events.attendance.undo",
        actor=actor,
        before=undone,
        after=snapshot(restored, ATTENDANCE_AUDIT_FIELDS) if restored is not None else {},
        session=session.pk,
        attendance=attendance_id,
        undid=entry.pk,
    )


def _seat_at_door(registration: Registration, actor: User) -> Registration:
    """Confirm a waitlisted delegate the organiser lets in: a free seat, or one past the capacity."""
    event = _lock_event(registration.event_id)
    # of=self: PostgreSQL refuses FOR UPDATE across the outer join to the nullable unit.
    registration = (
        Registration.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=registration.pk)
    )
    if registration.status == Registration.Status.CONFIRMED:
        return registration
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    # Past the capacity too (people standing): a seat number only has to be unique.
    seat = SeatMap(event).take(registration.org_unit)
    registration.status, registration.seat = Registration.Status.CONFIRMED, seat
    registration.save(update_fields=["status", "seat"])
    audit(
        registration,
        "events.attendance.admit",
        actor=actor,
        before=before,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    return registration


@transaction.atomic
def attendance_admit(
    *,
    session: EventSession,
    actor: User,
    registration: Registration | None = None,
    email: str = "",
    full_name: str = "",
    org_unit: OrgUnit | None = None,
    device: str = "",
    now: datetime.datetime | None = None,
) -> CheckInResult:
    """Let in at the door someone waitlisted, or not registered (``email`` and ``full_name``), and check them in.

    The registration is made through ``registration_create`` (the account too,
    when the email has none) and confirmed on a seat; every step is logged.
    """
    if not policies.can_check_in(actor, session):
        raise ServiceError("forbidden", _("You may not check people in to this session."))
    event = session.event
    if registration is None:
        registration = _door_registration(event=event, actor=actor, email=email, full_name=full_name, unit=org_unit)
    if registration.event_id != event.pk:
        raise ServiceError("other_event", _("This ticket is for another event."))
    if registration.status == Registration.Status.CANCELLED:
        raise ServiceError("cancelled", _("This registration was cancelled."))
    registration = _seat_at_door(registration, actor)
    return attendance_check_in(
        session=session,
        recorded_by=actor,
        registration=registration,
        method=Attendance.Method.SEARCH,
        device=device,
        confirm=True,
        now=now,
    )


def _door_registration(
    *, event: EventPage, actor: User, email: str, full_name: str, unit: OrgUnit | None
) -> Registration:
    """The active registration of the person with ``email``, made now if they have none (and an account)."""
    from accounts.services import user_create

    full_name = collapse_spaces(full_name)
    if not email.strip() or not full_name:
        raise ServiceError("missing", _("Give the person's full name and email."))
    person = User.objects.filter(email__iexact=User.objects.normalize_email(email.strip())).first()
    if person is None:
        try:
            person = user_create(email=email.strip(), full_name=full_name, org_unit=unit)
        except DjangoValidationError as error:
            raise ServiceError("invalid", " ".join(error.messages)) from error
    existing = Registration.objects.filter(event=event, user=person).exclude(status=Registration.Status.CANCELLED)
    registration = existing.select_related("org_unit").first()
    if registration is not None:
        return registration
    return registration_create(
        event=event,
        user=person,
        full_name=full_name,
        org_unit=unit,
        source=Registration.Source.COORDINATOR,
        created_by=actor,
    )


@transaction.atomic
def attendance_self_check_in(*, session_id: int, user: User, now: datetime.datetime | None = None) -> CheckInResult:
    """A participant scanned the projector's rotating code on their own phone."""
    now = now or timezone.now()
    session = EventSession.objects.select_related("event").filter(pk=session_id).first()
    if session is None:
        return CheckInResult("unknown", _("This session code is not valid."))
    window_opens = session.starts_at - CHECK_IN_OPENS_BEFORE
    if not window_opens <= now <= session.ends_at:
        return CheckInResult("outside_window", _("This session is not open for check-in now."))
    registration = (
        Registration.objects.filter(event_id=session.event_id, user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("org_unit")
        .first()
    )
    if registration is None:
        return CheckInResult("not_registered", _("You are not registered for this event."))
    return attendance_check_in(
        session=session,
        recorded_by=user,
        registration=registration,
        scanned_at=now,
        method=Attendance.Method.SELF,
        # Scanning the code on the room's screen is the delegate's presence:
        # it overrides an "absent" marked before they arrived, and the door
        # window was checked above.
        confirm=True,
        now=now,
    )


# --- certificates -------------------------------------------------------------


def _rule_text(event: EventPage) -> str:
    attendance = _("Attended at least %(percent)d%% of the required sessions") % {
        "percent": event.min_attendance_percent
    }
    post_test = _("passed the post-test")
    if event.certificate_rule == EventPage.CertificateRule.BOTH:
        return f"{attendance}; {post_test}."
    if event.certificate_rule == EventPage.CertificateRule.POST_TEST:
        return _("Passed the post-test.")
    return f"{attendance}."


NAME_FROM_REGISTRATION, NAME_FROM_ACCOUNT = "registration", "account"


def event_issuer(event: EventPage) -> Issuer:
    """Who issues the event's certificates, as the event names it (empty parts: the template's)."""
    return Issuer(
        body=event.issuing_body,
        parent_body=event.issuing_body_parent,
        place=event.place,
        signatory_title=event.signatory_title,
        signatory_name=event.signatory_name,
        signature_image_id=event.signature_image_id,
    )


def event_certificate_template(event: EventPage) -> CertificateTemplate | None:
    """The event's own template, else its organising unit's (or a unit's above it); None: the default."""
    if event.certificate_template_id:
        return event.certificate_template
    return template_for_unit(event.organising_unit)


def event_achievement(event: EventPage, standing: selectors.Standing, *, holder_name: str = "") -> Achievement:
    """What the certificates app is told about one delegate: the facts, as printed, and whether the rule is met.

    The name and unit printed are the registration's (what the delegate or
    their unit gave for this event), unless the organiser chose the account's.
    """
    registration = standing.registration
    return Achievement(
        page=event,
        earned=standing.earned,
        reason=standing.reason,
        started_on=timezone.localtime(event.starts_at).date(),
        completed_on=timezone.localtime(event.ends_at).date(),
        hours=event.hours or None,
        sessions_attended=standing.attended if event.rule_uses_attendance else None,
        sessions_total=standing.total if event.rule_uses_attendance else None,
        score=standing.score,
        criteria=_rule_text(event),
        holder_name=holder_name or registration.full_name,
        holder_unit=registration.org_unit.name if registration.org_unit_id else "",
        issuer=event_issuer(event),
    )


def _chosen_name(standing: selectors.Standing, choice: str | None, *, required: bool) -> str:
    """The name to print for a delegate whose registration and account disagree, as the organiser chose."""
    registration = standing.registration
    if not standing.names_differ or choice == NAME_FROM_REGISTRATION:
        return registration.full_name
    if choice == NAME_FROM_ACCOUNT:
        return registration.user.full_name
    if required:
        raise ServiceError(
            "name_choice_required",
            _("Registered as “%(registered)s” but the account says “%(account)s”: choose the name to print.")
            % {"registered": registration.full_name, "account": registration.user.full_name},
        )
    return registration.full_name


def event_certificate_issue(
    *, registration: Registration, issued_by: User | None = None, name_choice: str | None = None
) -> Certificate:
    """Issue (or return) the delegate's certificate when the event's rule is met; refused with the reason if not.

    ``issued_by`` None is the platform itself (a task); the delegate asks
    for their own only after the event ends, organisers for anyone. When
    the registration's name differs from the account's, an organiser must
    say which to print (``name_choice``); the delegate's own request and the
    platform print the registration's.
    """
    registration = Registration.objects.select_related(
        "event__certificate_template", "event__organising_unit", "user__org_unit", "org_unit"
    ).get(pk=registration.pk)
    if issued_by is not None and not policies.can_issue_certificate(issued_by, registration):
        if policies.is_own_registration(issued_by, registration):
            raise ServiceError("event_not_over", _("Certificates can be requested after the event ends."))
        raise ServiceError("forbidden", _("You may not issue certificates for this event."))
    standing = selectors.certificate_standing(registration)
    if standing is None:
        raise ServiceError("not_confirmed", _("Only confirmed delegates receive a certificate."))
    if standing.certificate is not None:
        return standing.certificate
    organiser = issued_by is not None and not policies.is_own_registration(issued_by, registration)
    event = registration.event
    return certificate_issue(
        holder=registration.user,
        achievement=event_achievement(
            event, standing, holder_name=_chosen_name(standing, name_choice, required=organiser)
        ),
        template=event_certificate_template(event),
        issued_by=issued_by,
    )


def event_certificates_bulk_issue(
    *, event: EventPage, started_by: User, name_choices: dict[str, str] | None = None
) -> CertificateBatch:
    """The organiser's bulk issue after the event, run in the background by certificates.

    Every confirmed delegate goes into the batch: those who met the rule get a
    certificate (or keep theirs), the others are listed on the batch page
    with the reason and get none. ``name_choices`` maps a registration's
    UUID (text) to the name to print where registration and account
    disagree; the batch is refused while any such delegate has no choice.
    """
    if not policies.can_manage_event(started_by, event):
        raise ServiceError("forbidden", _("You may not issue certificates for this event."))
    standings = selectors.certificate_standings(event)
    if not any(standing.earned for standing in standings):
        raise ServiceError("nobody_earned", _("Nobody has met the certificate rule of this event yet."))
    name_choices = name_choices or {}
    unchosen = [
        s.registration.full_name
        for s in standings
        if s.earned and s.certificate is None and s.names_differ and str(s.registration.uuid) not in name_choices
    ]
    if unchosen:
        raise ServiceError(
            "name_choice_required",
            _("Choose the name to print for %(names)s: their registration and account disagree.")
            % {"names": ", ".join(unchosen)},
        )
    items = [
        BatchItem(
            holder=standing.registration.user,
            achievement=event_achievement(
                event,
                standing,
                holder_name=_chosen_name(standing, name_choices.get(str(standing.registration.uuid)), required=False),
            ),
        )
        for standing in standings
    ]
    return certificate_batch_start(
        page=event, items=items, started_by=started_by, template=event_certificate_template(event)
    )
