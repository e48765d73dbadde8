"""Reads across events' models: search at the door, reports, the certificate rule."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from accounts.scopes import AnyUser
from core.text import collapse_spaces, fold, nfc
from events.models import Attendance, EventPage, EventSession, Registration
from quizzes.policies import QuizAccess
from quizzes.selectors import counting_attempts

if TYPE_CHECKING:
    from certificates.models import Certificate

# The statuses that count as being in the room: for the door, the counters,
# the report and the certificate rule alike.
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


@dataclass(frozen=True)
class DoorState:
    """One delegate's attendance in one session, as every page says it.

    The door's search, a scan's answer, the roster the door keeps offline,
    the counters, the report and the certificate rule all read the state
    through :func:`attendance_state` and :data:`ATTENDED`, so a mark of
    "absent" cannot leave one page saying "checked in".
    """

    status: str  # an Attendance.Status, or "" when nothing is recorded
    at: datetime.datetime | None = None  # the time of the scan or mark

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED

    @property
    def time(self) -> str:
        return timezone.localtime(self.at).strftime("%H:%M") if self.at else ""

    @property
    def label(self) -> str:
        if self.status == Attendance.Status.PRESENT:
            return _("Checked in at %(time)s") % {"time": self.time}
        if self.status == Attendance.Status.LATE:
            return _("Late, checked in at %(time)s") % {"time": self.time}
        if self.status == Attendance.Status.EXCUSED:
            return _("Excused absence")
        if self.status == Attendance.Status.ABSENT:
            return _("Marked absent at %(time)s") % {"time": self.time}
        return _("Not checked in")


NOT_RECORDED = DoorState("")


def attendance_state(attendance: Attendance | None) -> DoorState:
    if attendance is None:
        return NOT_RECORDED
    return DoorState(attendance.status, attendance.checked_in_at)


def session_states(session: EventSession, registration_ids: list[int]) -> dict[int, DoorState]:
    """The state of each given registration in ``session`` (one query); missing ids have none recorded."""
    rows = Attendance.objects.filter(session=session, registration_id__in=registration_ids).values_list(
        "registration_id", "status", "checked_in_at"
    )
    return {registration_id: DoorState(status, at) for registration_id, status, at in rows}


@dataclass(frozen=True)
class DoorRow:
    registration: Registration
    state: DoorState


UNIT_INDEX_CACHE_KEY = "events:door-unit-index:v1"
UNIT_INDEX_SECONDS = 300


def _unit_index() -> list[tuple[int, str, str]]:
    """(id, code, folded name) of every unit, cached: a few hundred rows that change rarely.

    Matching units here, not across a join in the registrations query, lets
    that query use its indexes (see events_registration_name_trgm).
    """
    index = cache.get(UNIT_INDEX_CACHE_KEY)
    if index is None:
        index = [
            (pk, code.casefold(), fold(name)) for pk, code, name in OrgUnit.objects.values_list("pk", "code", "name")
        ]
        cache.set(UNIT_INDEX_CACHE_KEY, index, UNIT_INDEX_SECONDS)
    return index


def registrations_matching(event: EventPage, query: str, *, limit: int = 20) -> list[Registration]:
    """Registrations whose name, unit or phone matches ``query``, accents ignored ("nguyen van" finds "Nguyễn Văn").

    One query whatever the number of registrations: the units are matched
    in memory first, then registrations by folded name (a trigram index on
    PostgreSQL), unit id or phone.
    """
    folded = fold(collapse_spaces(query))
    if not folded:
        return []
    digits = "".join(ch for ch in query if ch.isdigit())
    unit_ids = [pk for pk, code, name in _unit_index() if code == folded or (len(folded) >= 3 and folded in name)]
    condition = Q(full_name_folded__contains=folded)
    if unit_ids:
        condition |= Q(org_unit_id__in=unit_ids)
    if len(digits) >= 3:
        condition |= Q(phone__contains=digits)
    return list(
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .filter(condition)
        .select_related("org_unit")
        # Lower() of the folded (already lower-case) name sorts the same, but
        # no index has that order: PostgreSQL then finds the matches through
        # the trigram index and sorts the few it finds, instead of walking
        # the whole name index in order until 20 rows happen to match.
        .order_by(Lower("full_name_folded"), "pk")[:limit]
    )


def door_search(session: EventSession, query: str, *, limit: int = 20) -> list[DoorRow]:
    """The door's search: matching registrations with their state in this session, in two queries."""
    registrations = registrations_matching(session.event, query, limit=limit)
    states = session_states(session, [r.pk for r in registrations])
    return [DoorRow(r, states.get(r.pk, NOT_RECORDED)) for r in registrations]


def door_roster(session: EventSession) -> list[DoorRow]:
    """Everyone registered for the session's event (cancelled too, so a scan can say so) with their state."""
    registrations = list(
        Registration.objects.filter(event_id=session.event_id)
        .select_related("org_unit")
        .only("uuid", "full_name", "full_name_folded", "status", "org_unit", "org_unit__name", "org_unit__code")
        .order_by("full_name_folded", "pk")
    )
    states = {
        registration_id: DoorState(status, at)
        for registration_id, status, at in Attendance.objects.filter(session=session).values_list(
            "registration_id", "status", "checked_in_at"
        )
    }
    return [DoorRow(r, states.get(r.pk, NOT_RECORDED)) for r in registrations]


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


# --- the attendance report --------------------------------------------------------


class SessionState:
    UPCOMING, RUNNING, ENDED = "upcoming", "running", "ended"


def session_state(session: EventSession, now: datetime.datetime) -> str:
    if now < session.starts_at:
        return SessionState.UPCOMING
    return SessionState.ENDED if now >= session.ends_at else SessionState.RUNNING


@dataclass
class SessionRow:
    """One session's line in the report: nobody is absent from a session that has not ended."""

    session: EventSession
    state: str
    registered: int
    present: int = 0
    late: int = 0
    excused: int = 0

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def unaccounted(self) -> int:
        """Confirmed delegates with no check-in and no leave: absent once the session has ended."""
        return max(self.registered - self.attended - self.excused, 0)

    @property
    def absent(self) -> int | None:
        return self.unaccounted if self.state == SessionState.ENDED else None


def _in_units(registrations: QuerySet[Registration], units: QuerySet[OrgUnit] | None) -> QuerySet[Registration]:
    """Registrations of those units only (a coordinator's subtree); all when ``units`` is None."""
    return registrations if units is None else registrations.filter(org_unit__in=units)


def session_report(
    event: EventPage,
    *,
    units: QuerySet[OrgUnit] | None = None,
    now: datetime.datetime | None = None,
    counts: dict | None = None,
) -> list[SessionRow]:
    """Registered, present, late, excused and absent per session, in two queries whatever the data.

    Read from the tallies (``events.tallies``), not by counting a national
    event's 20,000 registrations and 60,000 check-ins on every request.
    ``units`` limits every figure to those units' delegates (a coordinator's
    view); ``counts`` are the tallies already read for the same units.
    """
    from events import tallies

    now = now or timezone.now()
    sessions = list(event.sessions.order_by("starts_at", "pk"))
    counts = tallies.counts(event, units=units) if counts is None else counts
    by_key: dict[tuple[int, str], int] = defaultdict(int)
    for (_event, _unit, session_id, status), n in counts.items():
        by_key[(session_id, status)] += n
    return [
        SessionRow(
            session=session,
            state=session_state(session, now),
            registered=by_key[(tallies.REGISTRATIONS, Registration.Status.CONFIRMED)],
            present=by_key[(session.pk, Attendance.Status.PRESENT)],
            late=by_key[(session.pk, Attendance.Status.LATE)],
            excused=by_key[(session.pk, Attendance.Status.EXCUSED)],
        )
        for session in sessions
    ]


@dataclass
class UnitRow:
    unit: str
    registered: int = 0
    per_session: dict[int, int] = field(default_factory=dict)
    # A unit whose units under it are added up in this row: the report can open it.
    unit_id: int | None = None
    rolled_up: bool = False


# More units than this in the report's table, and it adds them up one level
# below the unit looked at (a national event's 600 units become its 63
# provinces), each opening the next level.
UNIT_ROWS_LIMIT = 50


def event_report(
    event: EventPage,
    *,
    units: QuerySet[OrgUnit] | None = None,
    top: OrgUnit | None = None,
    counts: dict | None = None,
    limit: int = UNIT_ROWS_LIMIT,
) -> tuple[list[EventSession], list[UnitRow]]:
    """Registered and attended per unit and session, in three queries whatever the data.

    ``units`` (a coordinator's subtree, or the subtree of ``top``) limits
    the figures; ``counts`` are the tallies already read for them. Up to
    ``limit`` units are listed one by one; beyond, they are added up under
    the units one level below ``top`` (the roots when None).
    """
    from events import tallies

    sessions = list(event.sessions.order_by("starts_at"))
    counts = tallies.counts(event, units=units) if counts is None else counts
    ids = {unit_id for (_e, unit_id, _s, _st) in counts} - {tallies.NO_UNIT}
    top_path, depth = (top.path, top.depth) if top is not None else ("", 0)
    # The counted units and the candidates to add them up under, in one query.
    known = {
        pk: (path, name)
        for pk, path, name in OrgUnit.objects.filter(
            Q(pk__in=ids) | Q(depth=depth + 1, path__startswith=top_path)
        ).values_list("pk", "path", "name")
    }
    roll_up = len(ids) > limit
    groups: dict[str, tuple[int, str]] = {}
    if roll_up:
        by_path = {path: (pk, name) for pk, (path, name) in known.items()}
        step = OrgUnit.steplen
        for unit_id in ids:
            path = known[unit_id][0]
            group_path = path[: len(top_path) + step] if len(path) > len(top_path) else path
            groups[path] = by_path.get(group_path, (unit_id, known[unit_id][1]))
    rows: dict[int, UnitRow] = {}
    for (_event, unit_id, session_id, status), n in counts.items():
        if unit_id == tallies.NO_UNIT:
            key, name, rolled = 0, "—", False
        elif roll_up:
            path = known[unit_id][0]
            key, name = groups[path]
            rolled = key != unit_id or len(path) > len(top_path) + OrgUnit.steplen
        else:
            key, name, rolled = unit_id, known[unit_id][1], False
        row = rows.get(key)
        if row is None:
            row = rows[key] = UnitRow(name, unit_id=key or None)
        row.rolled_up = row.rolled_up or rolled
        if session_id == tallies.REGISTRATIONS:
            row.registered += n
        elif status in ATTENDED:
            row.per_session[session_id] = row.per_session.get(session_id, 0) + n
    return sessions, sorted(rows.values(), key=lambda r: fold(r.unit))


def report_ancestors(unit: OrgUnit, reach: OrgUnit | None) -> list[OrgUnit]:
    """The units above ``unit`` the report can go back up to: no higher than ``reach`` (None: the roots)."""
    ancestors = list(unit.get_ancestors())
    if reach is not None:
        ancestors = [a for a in ancestors if a.path.startswith(reach.path)]
    return ancestors


def report_total(rows: list[UnitRow]) -> UnitRow:
    """The units' rows added up: the report's last line."""
    total = UnitRow(_("Total"))
    for row in rows:
        total.registered += row.registered
        for session_id, n in row.per_session.items():
            total.per_session[session_id] = total.per_session.get(session_id, 0) + n
    return total


# --- the sign-in sheet (danh sách ký tên) ----------------------------------------

NOON = datetime.time(12, 0)
# The sheet is official paper, printed in Vietnamese whatever the organiser's interface language.
SIGN, MORNING, AFTERNOON = "Ký tên", "Buổi sáng", "Buổi chiều"


def event_days(sessions: list[EventSession]) -> list[datetime.date]:
    return sorted({timezone.localtime(session.starts_at).date() for session in sessions})


@dataclass
class SignInSheet:
    """One sheet: a session, or a day with a column to sign per half-day that has a session."""

    event: EventPage
    day: datetime.date
    session: EventSession | None  # None: the whole day
    session_number: int | None  # its place in the programme ("Chuyên đề 2")
    sessions: list[EventSession]  # the session, or the day's sessions
    columns: list[str]  # the signature columns' headings
    organiser_parent: str
    organiser: str
    groups: dict[str, list[Registration]]

    @property
    def total(self) -> int:
        return sum(len(people) for people in self.groups.values())


def organising_body(event: EventPage) -> tuple[str, str]:
    """(parent, body) printed top left on the event's paper: the issuer it names, else its organising unit."""
    if event.issuing_body:
        return event.issuing_body_parent, event.issuing_body
    unit = event.organising_unit
    if unit is None:
        return "", ""
    parent = unit.get_parent()
    return (parent.name if parent else ""), unit.name


def sign_in_sheet(
    event: EventPage, *, session_id: int | None = None, day: datetime.date | None = None
) -> SignInSheet | None:
    """The sheet for one session, or one day (the first day when neither is given); None when there is no such."""
    sessions = list(event.sessions.order_by("starts_at", "pk"))
    if not sessions:
        return None
    number = None
    if session_id is not None:
        chosen = [session for session in sessions if session.pk == session_id]
        if not chosen:
            return None
        session = chosen[0]
        number = sessions.index(session) + 1
        day = timezone.localtime(session.starts_at).date()
        columns = [SIGN]
    else:
        session = None
        day = day or event_days(sessions)[0]
        chosen = [s for s in sessions if timezone.localtime(s.starts_at).date() == day]
        if not chosen:
            return None
        halves = {timezone.localtime(s.starts_at).time() < NOON for s in chosen}
        columns = [SIGN] if len(halves) == 1 else [MORNING, AFTERNOON]
    parent, body = organising_body(event)
    groups: dict[str, list[Registration]] = defaultdict(list)
    for registration in (
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("org_unit")
        .order_by("org_unit__name", "full_name_folded", "pk")
    ):
        groups[registration.org_unit.name if registration.org_unit else "—"].append(registration)
    return SignInSheet(
        event=event,
        day=day,
        session=session,
        session_number=number,
        sessions=chosen,
        columns=columns,
        organiser_parent=parent,
        organiser=body,
        groups=dict(sorted(groups.items(), key=lambda item: fold(item[0]))),
    )


def registration_counts(event: EventPage, *, units: QuerySet[OrgUnit] | None = None) -> dict[str, int]:
    """How many registrations of each status (of ``units``' people only, when given), in one query."""
    registrations = _in_units(Registration.objects.filter(event=event), units)
    return {row["status"]: row["n"] for row in registrations.values("status").annotate(n=Count("pk")).order_by()}


def units_label(user: AnyUser) -> str:
    """What a coordinator's filtered pages say they show: "Đơn vị X và các đơn vị trực thuộc"."""
    unit = getattr(user, "coordinated_unit", None)
    if unit is None:
        return ""
    return _("%(unit)s and the units under it") % {"unit": unit.name}


def managed_events(user: AnyUser) -> QuerySet[EventPage]:
    """The events on the user's management list: all for administrators, those naming an organiser,
    and every published event for a unit coordinator (whose pages show their units' people only)."""
    from accounts.roles import Role
    from accounts.scopes import has_role

    if has_role(user, Role.ADMIN):
        return EventPage.objects.all().order_by("-starts_at")
    condition = Q(pk__in=[])
    if has_role(user, Role.ORGANISER):
        condition |= Q(organisers=user)
    if has_role(user, Role.COORDINATOR):
        condition |= Q(live=True)
    return EventPage.objects.filter(condition).distinct().order_by("-starts_at")


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

    @property
    def names_differ(self) -> bool:
        """The name registered for this event is not the account's: the organiser chooses which is printed."""
        registration = self.registration
        return _printed_form(registration.full_name) != _printed_form(registration.user.full_name)


def _printed_form(name: str) -> str:
    # Spacing and Unicode composition do not show on paper; letters, accents and case do.
    return collapse_spaces(nfc(name or "") or "")


def counted_sessions(event: EventPage) -> list[int]:
    """The sessions the attendance rule counts: the required ones, or all when none is marked required."""
    sessions = list(event.sessions.order_by("starts_at").values_list("pk", "required"))
    required = [pk for pk, is_required in sessions if is_required]
    return required or [pk for pk, _required in sessions]


def _post_test_results(quiz, user_ids: list[int]) -> dict[int, tuple[bool, Decimal | None]]:
    """Per user, whether the attempt that counts passed, and its percent."""
    counting = counting_attempts(quiz_ids=[quiz.pk], user_ids=user_ids)
    return {user_id: (bool(attempt.passed), attempt.percent) for (_quiz_id, user_id), attempt in counting.items()}


def certificate_standings(
    event: EventPage,
    *,
    registrations: list[Registration] | None = None,
    units: QuerySet[OrgUnit] | None = None,
) -> list[Standing]:
    """Each confirmed delegate (those given, or of ``units``) against the rule, in a fixed number of queries."""
    from certificates.models import Certificate

    if registrations is None:
        registrations = list(
            _in_units(Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED), units)
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


def unit_by_text(text: str) -> OrgUnit | None:
    """The unit a person typed at the door: its code, its name, or the one unit whose name contains the text."""
    folded = fold(collapse_spaces(text))
    if not folded:
        return None
    index = _unit_index()
    exact = [pk for pk, code, name in index if folded in (code, name)]
    found = exact or [pk for pk, _code, name in index if folded in name]
    return OrgUnit.objects.filter(pk=found[0]).first() if len(found) == 1 else None
