"""Every write in events: registrations, waiting list, attendance, certificates through the certificates app."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import ModelLogEntry

from accounts.models import OrgUnit, User
from accounts.roles import ROLE_GROUPS, Role
from certificates.models import Certificate, CertificateBatch
from certificates.services import Achievement, BatchItem, certificate_batch_start, certificate_issue
from core.audit import audit, snapshot
from core.errors import ServiceError
from core.outbox import outbox_enqueue
from core.text import collapse_spaces
from events import policies, selectors
from events.models import Attendance, EventIndexPage, EventPage, EventSession, Registration, ScanNonce, UnitQuota
from events.tokens import ticket_uuid

UNDO_WINDOW = datetime.timedelta(minutes=1)
# How far a queued offline scan time may lie in the future (clock skew) or past.
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_SCAN_AGE = datetime.timedelta(hours=24)
# The door opens this long before a session starts (scans and self check-in).
CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=30)
# What a registration's and an attendance's history shows of each change.
REGISTRATION_AUDIT_FIELDS = ("status", "seat", "full_name", "org_unit", "position", "source")
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


def _free_seat(event: EventPage) -> int | None:
    taken = set(Registration.objects.filter(event=event, seat__isnull=False).values_list("seat", flat=True))
    return next((seat for seat in range(1, event.capacity + 1) if seat not in taken), None)


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


def _unit_is_full(event: EventPage, unit: OrgUnit | None) -> bool:
    if event.registration_mode != EventPage.Mode.QUOTA or unit is None:
        return False
    quota = UnitQuota.objects.filter(event=event, unit=unit).first()
    if quota is None:
        return True
    used = Registration.objects.filter(event=event, org_unit=unit, status=Registration.Status.CONFIRMED).count()
    return used >= quota.seats


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
    """Register ``user``: a seat if one is free (and the unit's quota allows), else the waiting list."""
    event = _lock_event(event.pk)
    now = now or timezone.now()
    if source == Registration.Source.SELF:
        if event.registration_mode != EventPage.Mode.OPEN:
            raise ServiceError(
                "registration_by_invitation", _("This event takes registrations from organisers and units only.")
            )
        if not event.registration_is_open(now):
            raise ServiceError("registration_closed", _("Registration for this event is not open."))
    if Registration.objects.filter(event=event, user=user).exclude(status=Registration.Status.CANCELLED).exists():
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
    seat = None if _unit_is_full(event, registration.org_unit) else _free_seat(event)
    if seat is None:
        registration.status = Registration.Status.WAITLISTED
    else:
        registration.status, registration.seat = Registration.Status.CONFIRMED, seat
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:
        # Someone else took the seat between our read and write (databases
        # without row locks), or the same person registered twice at once.
        if Registration.objects.filter(event=event, user=user).exclude(status=Registration.Status.CANCELLED).exists():
            raise ServiceError(
                "already_registered", _("%(name)s is already registered for this event.") % {"name": user}
            ) from error
        registration.pk, registration.seat, registration.status = None, None, Registration.Status.WAITLISTED
        registration.save()
    audit(
        registration,
        "events.registration.create",
        actor=created_by,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    _queue_ticket_email(registration)
    return registration


def _queue_ticket_email(registration: Registration) -> None:
    if registration.status == Registration.Status.CONFIRMED:
        outbox_enqueue("events.tasks.send_ticket_email", registration_id=registration.pk)


@transaction.atomic
def registration_cancel(
    *, registration: Registration, actor: User | None = None, now: datetime.datetime | None = None
) -> Registration | None:
    """Cancel; the freed seat goes to the first on the waiting list, who is returned."""
    event = _lock_event(registration.event_id)
    registration = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    if actor is not None and not policies.can_cancel_registration(actor, registration):
        raise ServiceError("forbidden", _("You may not cancel this registration."))
    if registration.status == Registration.Status.CANCELLED:
        raise ServiceError("already_cancelled", _("This registration is already cancelled."))
    if event.ends_at < (now or timezone.now()):
        raise ServiceError("event_over", _("The event is over: its registrations are kept as they are."))
    had_seat = registration.status == Registration.Status.CONFIRMED
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    registration.status = Registration.Status.CANCELLED
    registration.seat = None
    registration.cancelled_at = now or timezone.now()
    registration.save(update_fields=["status", "seat", "cancelled_at"])
    audit(
        registration,
        "events.registration.cancel",
        actor=actor,
        before=before,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
    )
    if had_seat:
        return waitlist_promote(event=event)
    return None


def waitlist_promote(*, event: EventPage) -> Registration | None:
    """Give free seats to the waiting list in order of registration; returns the first promoted."""
    first = None
    for waiting in Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED).order_by(
        "created_at", "pk"
    ):
        if _unit_is_full(event, waiting.org_unit):
            continue
        seat = _free_seat(event)
        if seat is None:
            break
        before = snapshot(waiting, REGISTRATION_AUDIT_FIELDS)
        waiting.status, waiting.seat = Registration.Status.CONFIRMED, seat
        waiting.save(update_fields=["status", "seat"])
        audit(
            waiting,
            "events.registration.promote",
            before=before,
            after=snapshot(waiting, REGISTRATION_AUDIT_FIELDS),
        )
        _queue_ticket_email(waiting)
        first = first or waiting
    return first


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


def _ticket_holder(token: str) -> Registration | None:
    found = ticket_uuid(token)
    if found is None:
        return None
    return Registration.objects.select_related("org_unit").filter(uuid=found).first()


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

    The first check-in of a person is the door's hot path: one short
    transaction of three inserts (attendance, its log entry, the scan's
    nonce) and nothing read after them. A racing request for the same
    person or the same nonce fails on a unique constraint; the whole
    transaction then rolls back and the answer comes from what won.
    """
    existing = Attendance.objects.filter(registration=scan.registration, session=scan.session).first()
    if existing is None:
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    registration=scan.registration,
                    session=scan.session,
                    status=scan.status,
                    method=scan.method,
                    checked_in_at=scan.scanned_at,
                    recorded_at=scan.now,
                    recorded_by=scan.recorded_by,
                    device=scan.device,
                )
                entry = audit(
                    scan.registration,
                    "events.attendance.check_in",
                    actor=scan.recorded_by,
                    after=snapshot(attendance, ATTENDANCE_AUDIT_FIELDS),
                    session=scan.session.pk,
                    attendance=attendance.pk,
                    change="create",
                )
                if scan.nonce:
                    ScanNonce.objects.create(
                        nonce=scan.nonce, session=scan.session, attendance=attendance, outcome="ok"
                    )
        except IntegrityError:
            if scan.nonce and (earlier := _earlier_answer(scan.nonce)) is not None:
                return earlier
        else:
            return CheckInResult(
                "ok", _("Checked in"), registration=scan.registration, attendance=attendance, change=entry.pk
            )
    with transaction.atomic():
        existing = _locked_attendance(scan.registration, scan.session)
        result = _over_existing(scan, existing)
        if scan.nonce and not result.needs_confirmation:
            result = _remember_scan(scan.nonce, scan.session, result)
    return result


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
    so the same scan may arrive more than once. Everything is read before
    the one short transaction that writes. A scan outside the session's
    door window, or over a recorded "absent" or "excused", writes nothing
    and asks; the usher's tap sends it again with ``confirm``.
    """
    now = now or timezone.now()
    nonce = nonce.strip()[:64]
    if nonce and (earlier := _earlier_answer(nonce)) is not None:
        return earlier
    if registration is None:
        registration = _ticket_holder(token)
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
    registration = Registration.objects.select_for_update().select_related("org_unit").get(pk=registration.pk)
    if registration.status == Registration.Status.CONFIRMED:
        return registration
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    seat = _free_seat(event)
    if seat is None:
        # The room has people standing: the seat number only has to be unique.
        highest = Registration.objects.filter(event=event, seat__isnull=False).order_by("-seat").first()
        seat = max(event.capacity, highest.seat if highest else 0) + 1
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


def event_achievement(event: EventPage, standing: selectors.Standing) -> Achievement:
    """What the certificates app is told about one delegate: the facts and whether the rule is met."""
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
    )


def event_certificate_issue(*, registration: Registration, issued_by: User | None = None) -> Certificate:
    """Issue (or return) the delegate's certificate when the event's rule is met; refused with the reason if not.

    ``issued_by`` None is the platform itself (a task); the delegate asks
    for their own only after the event ends, organisers for anyone.
    """
    registration = Registration.objects.select_related("event", "user__org_unit", "org_unit").get(pk=registration.pk)
    if issued_by is not None and not policies.can_issue_certificate(issued_by, registration):
        if policies.is_own_registration(issued_by, registration):
            raise ServiceError("event_not_over", _("Certificates can be requested after the event ends."))
        raise ServiceError("forbidden", _("You may not issue certificates for this event."))
    standing = selectors.certificate_standing(registration)
    if standing is None:
        raise ServiceError("not_confirmed", _("Only confirmed delegates receive a certificate."))
    if standing.certificate is not None:
        return standing.certificate
    return certificate_issue(
        holder=registration.user, achievement=event_achievement(registration.event, standing), issued_by=issued_by
    )


def event_certificates_bulk_issue(*, event: EventPage, started_by: User) -> CertificateBatch:
    """The organiser's bulk issue after the event, run in the background by certificates.

    Every confirmed delegate goes into the batch: those who met the rule get a
    certificate (or keep theirs), the others are listed on the batch page
    with the reason and get none.
    """
    if not policies.can_manage_event(started_by, event):
        raise ServiceError("forbidden", _("You may not issue certificates for this event."))
    standings = selectors.certificate_standings(event)
    if not any(standing.earned for standing in standings):
        raise ServiceError("nobody_earned", _("Nobody has met the certificate rule of this event yet."))
    items = [
        BatchItem(holder=standing.registration.user, achievement=event_achievement(event, standing))
        for standing in standings
    ]
    return certificate_batch_start(page=event, items=items, started_by=started_by)
