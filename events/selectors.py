"""Reads across events' models: search at the door, reports, the certificate rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import AnyUser
from core.text import collapse_spaces, fold
from events.models import Attendance, EventPage, EventSession, Registration
from quizzes.policies import QuizAccess
from quizzes.selectors import counting_attempts

if TYPE_CHECKING:
    from certificates.models import Certificate

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


@dataclass
class Standing:
    """Where one confirmed delegate stands against the event's certificate rule."""

    registration: Registration
    attended: int  # counted sessions attended (present or late)
    total: int  # counted sessions: the required ones, or all when none is required
    passed: bool | None  # the post-test; None when the rule does not use it
    score: Decimal | None  # the post-test result that counts, in percent
    earned: bool
    reason: str
    certificate: Certificate | None = None  # the valid certificate already issued, if any


def counted_sessions(event: EventPage) -> list[int]:
    """The sessions the attendance rule counts: the required ones, or all when none is marked required."""
    sessions = list(event.sessions.order_by("starts_at").values_list("pk", "required"))
    required = [pk for pk, is_required in sessions if is_required]
    return required or [pk for pk, _required in sessions]


def _post_test_results(quiz, user_ids: list[int]) -> dict[int, tuple[bool, Decimal | None]]:
    """Per user, whether the attempt that counts passed, and its percent."""
    counting = counting_attempts(quiz_ids=[quiz.pk], user_ids=user_ids)
    return {user_id: (bool(attempt.passed), attempt.percent) for (_quiz_id, user_id), attempt in counting.items()}


def certificate_standings(event: EventPage, *, registrations: list[Registration] | None = None) -> list[Standing]:
    """Each confirmed delegate (or those given) against the certificate rule, in a fixed number of queries."""
    from certificates.models import Certificate

    if registrations is None:
        registrations = list(
            Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
            .select_related("org_unit", "user")
            .order_by("org_unit__name", "full_name_folded", "pk")
        )
    if not registrations:
        return []
    counted = counted_sessions(event)
    attended = dict(
        Attendance.objects.filter(
            registration__in=[r.pk for r in registrations], session_id__in=counted, status__in=ATTENDED
        )
        .values("registration_id")
        .annotate(n=Count("pk"))
        .values_list("registration_id", "n")
    )
    user_ids = [r.user_id for r in registrations]
    quiz = event.post_test if event.post_test_id else None
    results = _post_test_results(quiz, user_ids) if quiz is not None and event.rule_uses_post_test else {}
    certificates = {
        c.holder_id: c
        for c in Certificate.objects.filter(page_id=event.pk, holder_id__in=user_ids, status=Certificate.Status.VALID)
    }
    standings = []
    for registration in registrations:
        count = attended.get(registration.pk, 0)
        reasons = []
        if event.certificate_rule == EventPage.CertificateRule.NONE:
            reasons.append(_("This event does not issue certificates."))
        if event.rule_uses_attendance and (not counted or count * 100 < event.min_attendance_percent * len(counted)):
            reasons.append(
                _("Attended %(attended)d of %(total)d required sessions; at least %(percent)d%% are needed.")
                % {"attended": count, "total": len(counted), "percent": event.min_attendance_percent}
            )
        passed, score = None, None
        if event.rule_uses_post_test:
            passed, score = results.get(registration.user_id, (False, None))
            if not passed:
                reasons.append(_("Has not passed the post-test “%(quiz)s”.") % {"quiz": quiz.title if quiz else "—"})
        standings.append(
            Standing(
                registration=registration,
                attended=count,
                total=len(counted),
                passed=passed,
                score=score,
                earned=not reasons,
                reason=" ".join(reasons),
                certificate=certificates.get(registration.user_id),
            )
        )
    return standings


def certificate_standing(registration: Registration) -> Standing | None:
    """One delegate's standing; None unless the registration is confirmed."""
    if registration.status != Registration.Status.CONFIRMED:
        return None
    return certificate_standings(registration.event, registrations=[registration])[0]


def quiz_access(user: AnyUser, quiz, *, now=None) -> QuizAccess | None:
    """``quizzes.policies.QUIZ_ACCESS_HOOK`` for events: a post-test opens to confirmed delegates once the event starts.

    None unless a live event names the quiz as its post-test.
    """
    events = list(EventPage.objects.live().filter(post_test_id=quiz.pk).order_by("starts_at"))
    if not events:
        return None
    now = now or timezone.now()
    registrations = {
        r.event_id: r
        for r in Registration.objects.filter(
            user_id=user.pk, event__in=events, status=Registration.Status.CONFIRMED
        ).only("uuid", "event_id")
    }
    answers = []
    for event in events:
        registration = registrations.get(event.pk)
        if registration is None:
            reason = _("This post-test is for the delegates of “%(event)s”.") % {"event": event.title}
            answers.append(QuizAccess(False, reason, event.url))
        elif event.starts_at > now:
            start = timezone.localtime(event.starts_at).strftime("%d/%m/%Y %H:%M")
            reason = _("The post-test opens when the conference starts (%(start)s).") % {"start": start}
            answers.append(QuizAccess(False, reason, reverse("events:ticket", args=[registration.uuid])))
        else:
            answers.append(QuizAccess(True, url=reverse("events:ticket", args=[registration.uuid])))
    return next((answer for answer in answers if answer.allowed), answers[0])
