"""Every write in events: registrations, waiting list, attendance, certificates through the certificates app."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from accounts.roles import ROLE_GROUPS, Role
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


@dataclass(frozen=True)
class CheckInResult:
    """What the door screen shows: ``outcome`` is ok (green), duplicate (amber) or an error (red)."""

    outcome: str
    message: str
    registration: Registration | None = None
    attendance: Attendance | None = None
    # Said beside the outcome: the device's time was not believed, for example.
    note: str = ""

    @property
    def colour(self) -> str:
        return {"ok": "green", "duplicate": "amber"}.get(self.outcome, "red")


def arrival_status(session: EventSession, scanned_at: datetime.datetime) -> str:
    """Present, or late when scanned after the session's start plus the event's late-after minutes."""
    late_after = session.starts_at + datetime.timedelta(minutes=session.event.late_after_minutes)
    return Attendance.Status.LATE if scanned_at > late_after else Attendance.Status.PRESENT


def _clean_scan_time(
    scanned_at: datetime.datetime | None, now: datetime.datetime, session: EventSession
) -> tuple[datetime.datetime, str]:
    """The device's scan time if it is believable, else the server's, with a note saying so.

    Believable: inside the session's door window (opening before the start,
    closing at the end), no older than a day (an offline phone sends its
    queue when back online) and not in the future beyond clock skew.
    """
    if scanned_at is None:
        return now, ""
    earliest = max(session.starts_at - CHECK_IN_OPENS_BEFORE, now - MAX_SCAN_AGE)
    latest = min(session.ends_at, now + MAX_CLOCK_SKEW)
    if earliest <= scanned_at <= latest:
        return scanned_at, ""
    try:
        shown = timezone.localtime(scanned_at)
    except OverflowError:  # 0001-01-01 has no local time to move to
        shown = scanned_at
    note = _("The device's time (%(device)s) is outside this session; the server's time was recorded.") % {
        "device": shown.strftime("%d/%m/%Y %H:%M")
    }
    return now, note


def _duplicate(attendance: Attendance, registration: Registration) -> CheckInResult:
    at = timezone.localtime(attendance.checked_in_at).strftime("%H:%M")
    return CheckInResult(
        "duplicate",
        _("Already checked in at %(time)s") % {"time": at},
        registration=registration,
        attendance=attendance,
    )


def _earlier_answer(nonce: str) -> CheckInResult | None:
    """The answer already given to this scan, if it was processed before."""
    seen = ScanNonce.objects.select_related("attendance__registration").filter(nonce=nonce).first()
    return _replayed(seen) if seen is not None else None


def _ticket_holder(token: str) -> Registration | None:
    found = ticket_uuid(token)
    if found is None:
        return None
    return Registration.objects.select_related("org_unit").filter(uuid=found).first()


def _refusal(registration: Registration, session: EventSession) -> CheckInResult | None:
    """Why this registration may not be checked in to the session, or None."""
    if registration.event_id != session.event_id:
        return CheckInResult("other_event", _("This ticket is for another event."), registration=registration)
    if registration.status == Registration.Status.CANCELLED:
        return CheckInResult("cancelled", _("This registration was cancelled."), registration=registration)
    if registration.status != Registration.Status.CONFIRMED:
        return CheckInResult(
            "waitlisted", _("This person is on the waiting list, not confirmed."), registration=registration
        )
    return None


def _record_attendance(
    *,
    registration: Registration,
    session: EventSession,
    status: str,
    method: str,
    scanned_at: datetime.datetime,
    now: datetime.datetime,
    recorded_by: User | None,
) -> CheckInResult:
    """Write the attendance, or answer "duplicate" when the person is already in (even by a racing request)."""
    existing = Attendance.objects.filter(registration=registration, session=session).first()
    if existing is not None:
        return _duplicate(existing, registration)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                registration=registration,
                session=session,
                status=status,
                method=method,
                checked_in_at=scanned_at,
                recorded_at=now,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        return _duplicate(Attendance.objects.get(registration=registration, session=session), registration)
    audit(
        registration,
        "events.attendance.check_in",
        actor=recorded_by,
        after=snapshot(attendance, ATTENDANCE_AUDIT_FIELDS),
        session=session.pk,
        attendance=attendance.pk,
    )
    return CheckInResult("ok", _("Checked in"), registration=registration, attendance=attendance)


def _remember_scan(nonce: str, session: EventSession, result: CheckInResult) -> CheckInResult:
    """Keep the answer under the scan's nonce, so a replay gets it again; the first to store it wins."""
    try:
        with transaction.atomic():
            ScanNonce.objects.create(nonce=nonce, session=session, attendance=result.attendance, outcome=result.outcome)
    except IntegrityError:
        # The same nonce raced in on another request; its answer stands.
        return _replayed(ScanNonce.objects.select_related("attendance__registration").get(nonce=nonce))
    return result


@transaction.atomic
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
    now: datetime.datetime | None = None,
) -> CheckInResult:
    """Record one check-in, by ticket token or by a registration found by search.

    A replay of a scan already accepted (same ``nonce``) returns the first
    answer without writing: queued offline scans are sent until acknowledged,
    so the same scan may arrive more than once.
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
    status = status or arrival_status(session, scanned_at)
    if status not in Attendance.Status.values:
        raise ServiceError("bad_status", _("Unknown attendance status."))
    result = _record_attendance(
        registration=registration,
        session=session,
        status=status,
        method=method,
        scanned_at=scanned_at,
        now=now,
        recorded_by=recorded_by,
    )
    if note and result.outcome == "ok":
        result = dataclasses.replace(result, note=note)
    return _remember_scan(nonce, session, result) if nonce else result


def _replayed(seen: ScanNonce) -> CheckInResult:
    attendance = seen.attendance
    registration = attendance.registration if attendance else None
    if seen.outcome == "ok" and attendance is not None:
        return CheckInResult("ok", _("Checked in"), registration=registration, attendance=attendance)
    if attendance is not None:
        return _duplicate(attendance, registration)
    return CheckInResult(seen.outcome, _("This scan was already processed."))


@transaction.atomic
def attendance_mark(
    *, registration: Registration, session: EventSession, status: str, recorded_by: User | None
) -> Attendance:
    """Record excused or absent (or correct a status) without a scan."""
    if recorded_by is not None and not policies.can_check_in(recorded_by, session):
        raise ServiceError("forbidden", _("You may not record attendance for this session."))
    if registration.event_id != session.event_id:
        raise ServiceError("other_event", _("This ticket is for another event."))
    if status not in Attendance.Status.values:
        raise ServiceError("bad_status", _("Unknown attendance status."))
    existing = Attendance.objects.filter(registration=registration, session=session).first()
    before = snapshot(existing, ATTENDANCE_AUDIT_FIELDS) if existing is not None else {}
    attendance, _created = Attendance.objects.update_or_create(
        registration=registration,
        session=session,
        defaults={
            "status": status,
            "recorded_by": recorded_by,
            "checked_in_at": timezone.now(),
            "method": Attendance.Method.SEARCH,
        },
    )
    audit(
        registration,
        "events.attendance.mark",
        actor=recorded_by,
        before=before,
        after=snapshot(attendance, ATTENDANCE_AUDIT_FIELDS),
        session=session.pk,
        attendance=attendance.pk,
    )
    return attendance


@transaction.atomic
def attendance_undo(*, attendance: Attendance, actor: User | None = None, now: datetime.datetime | None = None) -> None:
    """Undo a check-in made by mistake, within a minute of recording it.

    The row goes (the person is not in the room) but the reversal stays in
    the registration's history with what was undone and by whom.
    """
    now = now or timezone.now()
    attendance = Attendance.objects.select_related("session__event", "registration").get(pk=attendance.pk)
    if actor is not None and not policies.can_check_in(actor, attendance.session):
        raise ServiceError("forbidden", _("You may not undo check-ins of this session."))
    if now - attendance.recorded_at > UNDO_WINDOW:
        raise ServiceError("undo_expired", _("A check-in can only be undone within a minute."))
    audit(
        attendance.registration,
        "events.attendance.undo",
        actor=actor,
        before=snapshot(attendance, ATTENDANCE_AUDIT_FIELDS),
        session=attendance.session_id,
        attendance=attendance.pk,
    )
    attendance.delete()


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
