"""Reads across events' models: search at the door, reports, the certificate rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts.scopes import AnyUser
from events.models import Attendance, EventPage, EventSession, Registration
from lms.text import collapse_spaces, fold

ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


def registration_for_user(*, event: EventPage, user: AnyUser) -> Registration | None:
    if not user.is_authenticated:
        return None
    return (
        Registration.objects.filter(event=event, user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("org_unit")
        .first()
    )


def registrations_matching(event: EventPage, query: str, *, limit: int = 20) -> list[Registration]:
    """Registrations whose name, unit or phone matches ``query``, accents ignored ("nguyen van" finds "Nguyễn Văn")."""
    folded = fold(collapse_spaces(query))
    if not folded:
        return []
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = Q(full_name_folded__contains=folded) | Q(org_unit__code__iexact=query.strip())
    condition |= Q(org_unit__name__icontains=collapse_spaces(query))
    if len(digits) >= 3:
        condition |= Q(phone__contains=digits)
    return list(
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .filter(condition)
        .select_related("org_unit")
        .order_by("full_name_folded")[:limit]
    )


def session_counts(session: EventSession) -> dict[str, int]:
    """The live counter: one aggregate query whatever the number of registrations."""
    registered = Registration.objects.filter(event_id=session.event_id, status=Registration.Status.CONFIRMED).count()
    counts = session.attendances.aggregate(
        present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        late=Count("pk", filter=Q(status=Attendance.Status.LATE)),
        excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
    )
    attended = counts["present"] + counts["late"]
    return {
        **counts,
        "registered": registered,
        "attended": attended,
        "absent": registered - attended - counts["excused"],
    }


@dataclass
class UnitRow:
    unit: str
    registered: int = 0
    per_session: dict[int, int] = field(default_factory=dict)


def event_report(event: EventPage) -> tuple[list[EventSession], list[UnitRow]]:
    """Registered and attended per unit and session, in two queries."""
    sessions = list(event.sessions.order_by("starts_at"))
    rows: dict[str, UnitRow] = {}
    for row in (
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .values("org_unit__name")
        .annotate(n=Count("pk"))
    ):
        name = row["org_unit__name"] or "—"
        rows.setdefault(name, UnitRow(name)).registered += row["n"]
    for row in (
        Attendance.objects.filter(session__event=event, status__in=ATTENDED)
        .values("registration__org_unit__name", "session_id")
        .annotate(n=Count("pk"))
    ):
        name = row["registration__org_unit__name"] or "—"
        unit_row = rows.setdefault(name, UnitRow(name))
        unit_row.per_session[row["session_id"]] = unit_row.per_session.get(row["session_id"], 0) + row["n"]
    return sessions, sorted(rows.values(), key=lambda r: fold(r.unit))


def sign_in_sheet_rows(event: EventPage) -> dict[str, list[Registration]]:
    """Confirmed delegates grouped by unit, in name order, for the danh sách ký tên."""
    groups: dict[str, list[Registration]] = defaultdict(list)
    for registration in (
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("org_unit")
        .order_by("org_unit__name", "full_name_folded")
    ):
        groups[registration.org_unit.name if registration.org_unit else "—"].append(registration)
    return dict(groups)


def managed_events(user: AnyUser) -> QuerySet[EventPage]:
    from accounts.roles import Role
    from accounts.scopes import has_role

    if has_role(user, Role.ADMIN):
        return EventPage.objects.all().order_by("-starts_at")
    if has_role(user, Role.ORGANISER):
        return EventPage.objects.filter(organisers=user).order_by("-starts_at")
    return EventPage.objects.none()


def attendance_rule_met(registration: Registration) -> bool:
    """The certificate rule: attended (present or late) at least the event's share of required sessions."""
    event = registration.event
    required = list(event.sessions.filter(required=True).values_list("pk", flat=True))
    if not required:
        return registration.attendances.filter(status__in=ATTENDED).exists()
    attended = registration.attendances.filter(session_id__in=required, status__in=ATTENDED).count()
    return attended * 100 >= event.min_attendance_percent * len(required)
