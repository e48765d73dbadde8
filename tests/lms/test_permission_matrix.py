"""Who gets what from every URL of the project: a table generated against the URL conf.

Every named URL of our apps, of allauth's account and two-factor pages, of
our admin doors and admin views must appear in ``MATRIX`` with the status
each role gets, or the test fails: a new URL cannot escape the table. Each
request runs in a savepoint that is rolled back, so a POST that cancels,
leaves or starts something does not change what the next row sees.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from accounts.roles import Role
from accounts.services import user_assign_role
from certificates.models import CertificateBatch, CertificateTemplate
from certificates.services import Achievement, certificate_issue
from core.audit import audit, snapshot
from courses.models import ModuleReviewFlag, RefresherNotice
from events.models import Attendance
from events.services import ATTENDANCE_AUDIT_FIELDS
from events.tokens import check_in_pass_token, session_code
from quizzes import services as quiz_services
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    EventPageFactory,
    EventSessionFactory,
    ModulePageFactory,
    OrgUnitFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
    RegistrationFactory,
    RegulationPageFactory,
    UserFactory,
)

ROLES = (
    "anonymous",
    "trainee_a",
    "trainee_b",
    "coordinator",
    "coordinator_other",
    "organiser",
    "organiser_other",
    "editor",
    "moderator",
    "admin",
    "staff_no_mfa",
)

# URL conf modules whose every named pattern must be in the table.
OUR_URLCONFS = (
    "lms.urls",
    "accounts.urls",
    "accounts.admin_door",
    "cms.admin_urls",
    "cms.urls",
    "certificates.urls",
    "events.urls",
    "quizzes.urls",
    "courses.urls",
)
# Views of ours registered inside Wagtail's admin (viewsets), and allauth's pages.
OUR_VIEW_PACKAGES = ("accounts.", "cms.", "certificates.", "events.", "quizzes.", "courses.", "lms.")
ALLAUTH_PREFIXES = ("account_", "mfa_")


def _named_urls() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str | None, module: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                urlconf = pattern.urlconf_name if isinstance(pattern.urlconf_name, str) else ""
                walk(pattern.url_patterns, full, urlconf or getattr(pattern.urlconf_module, "__name__", module))
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                ours = module in OUR_URLCONFS or pattern.lookup_str.startswith(OUR_VIEW_PACKAGES)
                if ours or pattern.name.startswith(ALLAUTH_PREFIXES):
                    names.add(name)

    walk(get_resolver().url_patterns, None, "lms.urls")
    return names


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    args: dict[str, dict] = field(default_factory=dict)


def row(*statuses: int) -> dict[str, int]:
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


# Columns, in ROLES order: anonymous, trainee A, trainee B (another unit), coordinator of A's unit,
# coordinator of another unit, organiser of the event, organiser of another event, editor, moderator,
# administrator, staff without MFA (an organiser of the event who has not set up TOTP).
# 302 for the anonymous is the sign-in page; for staff without MFA, the MFA set-up page.
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # project
    "admin_door_login": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "admin_door_logout": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "admin_door_password_reset": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "cms_editors_guide": ("GET", row(302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 302)),
    "healthz-live": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "healthz-ready": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "home": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # allauth
    "account_change_password": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_confirm_email": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_confirm_login_code": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "account_confirm_reauthentication_code": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "account_email": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_email_verification_sent": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_inactive": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_login": ("GET", row(200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "account_logout": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reauthenticate": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_request_login_code": ("GET", row(200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "account_request_reauthentication_code": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_done": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_from_key": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_from_key_done": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_set_password": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "account_signup": ("GET", row(200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "mfa_activate_totp": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "mfa_authenticate": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "mfa_deactivate_totp": ("GET", row(302, 404, 404, 302, 302, 302, 302, 302, 302, 302, 404)),
    "mfa_download_recovery_codes": ("GET", row(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "mfa_generate_recovery_codes": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "mfa_index": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "mfa_reauthenticate": ("GET", row(302, 302, 302, 200, 200, 200, 200, 200, 200, 200, 302)),
    "mfa_view_recovery_codes": ("GET", row(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # accounts
    "accounts:profile": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # orgunits
    "orgunits:delete": ("GET", row(302, 403, 403, 403, 403, 200, 200, 302, 302, 200, 302)),
    "orgunits:import": ("GET", row(302, 403, 403, 403, 403, 200, 200, 302, 302, 200, 302)),
    "orgunits:import_template": ("GET", row(302, 403, 403, 403, 403, 200, 200, 302, 302, 200, 302)),
    # Wagtail's admin sends staff without the permission back to its dashboard
    "orgunits:index": ("GET", row(302, 403, 403, 403, 403, 200, 200, 302, 302, 200, 302)),
    "orgunits:index_results": ("GET", row(302, 403, 403, 403, 403, 200, 200, 302, 302, 200, 302)),
    # cms
    "cms:regulation_feed": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "cms:regulation_subscribe": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "cms:search": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # certificates
    "certificates:batch_detail": ("GET", row(302, 403, 403, 403, 403, 200, 404, 403, 403, 200, 404)),
    # the batch is not done: no ZIP yet, even for its organiser
    "certificates:batch_download": ("GET", row(302, 403, 403, 403, 403, 404, 404, 403, 403, 404, 404)),
    "certificates:credential": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "certificates:issuer": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # another event's organiser: as if it did not exist
    "certificates:manage_detail": ("GET", row(302, 403, 403, 403, 403, 200, 404, 403, 403, 200, 302)),
    "certificates:manage_list": ("GET", row(302, 403, 403, 403, 403, 200, 200, 403, 403, 200, 302)),
    "certificates:mine": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # no PDF rendered yet in this world: unknown to all
    "certificates:pdf": ("GET", row(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "certificates:status_list": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "certificates:verify": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "certificates:verify_lookup": ("GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # events
    "events:cancel": ("GET", row(302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "events:certificates": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:check_in": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:check_in_counts": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    # an empty form names no person: refused
    "events:check_in_admit": ("POST", row(302, 403, 403, 403, 403, 400, 403, 403, 403, 400, 302)),
    # an empty form names no registration
    "events:check_in_mark": ("POST", row(302, 403, 403, 403, 403, 400, 403, 403, 403, 400, 302)),
    "events:check_in_roster": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    # an empty scan is refused
    "events:check_in_scan": ("POST", row(302, 403, 403, 403, 403, 400, 403, 403, 403, 400, 302)),
    "events:check_in_search": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:check_in_undo": ("POST", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:desk": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:desk_export": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:desk_people": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:desk_units": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    # one registration of trainee A's unit: its coordinator sees it, the other unit's does not learn it exists
    "events:desk_person": ("GET", row(302, 404, 404, 200, 404, 200, 404, 404, 404, 200, 302)),
    "events:desk_settings": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:desk_session": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:desk_session_delete": ("POST", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:check_in_worker": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    "events:import": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:import_confirm": ("POST", row(302, 403, 403, 302, 302, 302, 403, 403, 403, 302, 302)),
    "events:import_template": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:manage_detail": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:manage_list": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    "events:mine": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "events:nominate": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:projector": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    # trainee A is registered already: sent to the ticket
    "events:register": ("GET", row(302, 302, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "events:report": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    "events:report_xlsx": ("GET", row(302, 403, 403, 200, 200, 200, 403, 403, 403, 200, 302)),
    # an unknown phone is told how to check in (200); only a registered delegate gets the button
    "events:self_check_in": ("GET", row(200, 200, 400, 400, 400, 400, 400, 400, 400, 400, 400)),
    # the personal link of trainee A's ticket: anyone holding it goes on to that ticket
    "events:check_in_pass": ("GET", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "events:sign_in_sheet": ("GET", row(302, 403, 403, 403, 403, 200, 403, 403, 403, 200, 302)),
    # someone else's ticket: as if it did not exist
    "events:ticket": ("GET", row(302, 200, 404, 404, 404, 200, 404, 404, 404, 200, 302)),
    "events:ticket_certificate": ("POST", row(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # courses
    "courses:assign": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    "courses:enrol": ("POST", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "courses:leave": ("GET", row(302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "courses:manage_list": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    "courses:mine": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "courses:module_complete": ("POST", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "courses:notice_dismiss": ("POST", row(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "courses:pending": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    "courses:report": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    "courses:report_export": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    "courses:report_people": ("GET", row(302, 403, 403, 200, 200, 200, 200, 403, 403, 200, 302)),
    # quizzes
    # The matrix posts no answer: the lean autosave refuses the empty form before it reads the attempt,
    # so everyone signed in gets 400 alike, and a stranger learns nothing about whose attempt it is.
    "quizzes:answer": ("POST", row(302, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400)),
    # another person's attempt: as if it did not exist
    "quizzes:attempt": ("GET", row(302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "quizzes:export": ("GET", row(302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403)),
    "quizzes:flag": ("POST", row(302, 400, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "quizzes:import": ("GET", row(302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403)),
    "quizzes:quiz": ("GET", row(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "quizzes:review": ("GET", row(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "quizzes:start": ("POST", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "quizzes:statistics": ("GET", row(302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403)),
    "quizzes:xlsx_template": ("GET", row(302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403)),
    # admin views of ours inside Wagtail's admin (an unknown task state: 404 once past the door)
    "wagtailsnippets_certificates_certificatetemplate:workflow_action": (
        "POST",
        row(302, 403, 403, 403, 403, 404, 404, 404, 404, 404, 302),
    ),
    # the template chooser of course and event pages (published templates only)
    "wagtailsnippetchoosers_certificates_certificatetemplate:choose": (
        "GET",
        row(302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 302),
    ),
    "wagtailsnippetchoosers_certificates_certificatetemplate:choose_results": (
        "GET",
        row(302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 302),
    ),
}


@pytest.fixture
def world(db, enable_totp) -> World:
    unit = OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng")
    other_unit = OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Huế")
    unit.refresh_from_db()
    users = {
        "trainee_a": UserFactory(org_unit=unit),
        "trainee_b": UserFactory(org_unit=other_unit),
    }
    staff_roles = {
        "coordinator": (Role.COORDINATOR, unit),
        "coordinator_other": (Role.COORDINATOR, other_unit),
        "organiser": (Role.ORGANISER, None),
        "organiser_other": (Role.ORGANISER, None),
        "editor": (Role.EDITOR, None),
        "moderator": (Role.MODERATOR, None),
        "admin": (Role.ADMIN, None),
        "staff_no_mfa": (Role.ORGANISER, None),
    }
    for key, (role, coordinated) in staff_roles.items():
        user = UserFactory(org_unit=coordinated or unit)
        user_assign_role(user=user, role=role, unit=coordinated)
        if key != "staff_no_mfa":
            enable_totp(user)
        users[key] = user

    starts_at = timezone.now() - datetime.timedelta(hours=1)
    event = EventPageFactory(starts_at=starts_at, registration_closes=starts_at + datetime.timedelta(days=1))
    other_event = EventPageFactory()
    for key in ("organiser", "staff_no_mfa"):
        users[key].organised_events.add(event)
    users["organiser_other"].organised_events.add(other_event)
    session = EventSessionFactory(event=event)
    registration = RegistrationFactory(event=event, user=users["trainee_a"], org_unit=unit)
    attendance = Attendance.objects.create(
        registration=registration,
        session=session,
        status="present",
        checked_in_at=timezone.now(),
        recorded_at=timezone.now(),
        recorded_by=users["organiser"],
    )
    # The logged change the door's undo names.
    check_in = audit(
        registration,
        "events.attendance.check_in",
        actor=users["organiser"],
        after=snapshot(attendance, ATTENDANCE_AUDIT_FIELDS),
        session=session.pk,
        attendance=attendance.pk,
        change="create",
    )
    certificate = certificate_issue(holder=users["trainee_a"], achievement=Achievement(page=event, earned=True))
    batch = CertificateBatch.objects.create(page=event, title=event.title, started_by=users["organiser"], total=1)

    category = QuestionCategoryFactory(name="Luật Thi đua, khen thưởng")
    for _ in range(3):
        QuestionFactory(category=category)
    quiz = QuizFactory(rules=[(category, 2)])
    attempt = quiz_services.attempt_start(quiz=quiz, user=users["trainee_a"])

    course = CoursePageFactory()
    module = ModulePageFactory(parent=course)
    EnrolmentFactory(user=users["trainee_a"], course=course)
    flag = ModuleReviewFlag.objects.create(
        module=module, superseded=RegulationPageFactory(), regulation=RegulationPageFactory()
    )
    notice = RefresherNotice.objects.create(user=users["trainee_a"], flag=flag, course=course)

    on_event = {"event_id": event.pk}
    on_session = {"event_id": event.pk, "session_id": session.pk}
    args = {
        "events:register": on_event,
        "events:ticket": {"registration_uuid": registration.uuid},
        "events:cancel": {"registration_uuid": registration.uuid},
        "events:ticket_certificate": {"registration_uuid": registration.uuid},
        "events:self_check_in": {"code": session_code(session.pk)},
        "events:check_in_pass": {
            "token": check_in_pass_token(registration_uuid=registration.uuid, user_id=registration.user_id)
        },
        "events:check_in_undo": {**on_session, "change_id": check_in.pk},
        "certificates:verify": {"code": certificate.code},
        "certificates:pdf": {"code": certificate.code},
        "certificates:credential": {"code": certificate.code},
        "certificates:status_list": {"number": 1},
        "certificates:manage_detail": {"code": certificate.code},
        "certificates:batch_detail": {"pk": batch.pk},
        "certificates:batch_download": {"pk": batch.pk},
        "quizzes:quiz": {"pk": quiz.pk},
        "quizzes:start": {"pk": quiz.pk},
        "quizzes:attempt": {"attempt_id": attempt.pk},
        "quizzes:answer": {"attempt_id": attempt.pk},
        "quizzes:flag": {"attempt_id": attempt.pk},
        "quizzes:review": {"attempt_id": attempt.pk},
        "quizzes:export": {"pk": category.pk, "fmt": "xlsx"},
        "quizzes:statistics": {"pk": quiz.pk},
        "courses:enrol": {"course_id": course.pk},
        "courses:leave": {"course_id": course.pk},
        "courses:module_complete": {"module_id": module.pk},
        "courses:notice_dismiss": {"notice_id": notice.pk},
        "courses:report_export": {"course_id": course.pk, "fmt": "csv"},
        "orgunits:delete": {"pk": other_unit.pk},
        # A task state that does not exist: who reaches the view, not a workflow's steps.
        "wagtailsnippets_certificates_certificatetemplate:workflow_action": {
            "pk": CertificateTemplate.objects.get(is_default=True).pk,
            "action_name": "approve",
            "task_state_id": 999999,
        },
        "account_confirm_email": {"key": "not-a-key"},
        "account_reset_password_from_key": {"uidb36": "0", "key": "not-a-key"},
    }
    for name in ("manage_detail", "nominate", "import", "import_confirm", "import_template", "report"):
        args[f"events:{name}"] = on_event
    for name in ("desk", "desk_export", "desk_people", "desk_units", "desk_settings"):
        args[f"events:{name}"] = on_event
    args["events:desk_person"] = {**on_event, "registration_uuid": registration.uuid}
    args["events:desk_session"] = args["events:desk_session_delete"] = on_session
    for name in ("report_xlsx", "sign_in_sheet", "certificates"):
        args[f"events:{name}"] = on_event
    for name in ("check_in", "check_in_search", "check_in_scan", "check_in_mark", "check_in_counts", "projector"):
        args[f"events:{name}"] = on_session
    for name in ("check_in_roster", "check_in_admit", "check_in_worker"):
        args[f"events:{name}"] = on_session
    for name in ("report", "report_people", "assign", "pending"):
        args[f"courses:{name}"] = {"course_id": course.pk}
    return World(users=users, args=args)


def _status(client: Client, method: str, url: str) -> int:
    with transaction.atomic():
        response = client.post(url) if method == "POST" else client.get(url)
        transaction.set_rollback(True)
    return response.status_code


def test_every_url_is_in_the_matrix():
    missing = sorted(_named_urls() - set(MATRIX))
    stale = sorted(set(MATRIX) - _named_urls())
    assert not missing, f"URLs without a row in MATRIX: {missing}"
    assert not stale, f"MATRIX rows for URLs that no longer exist: {stale}"


# Opening a personal check-in link lets that phone check in as its holder: on a
# client of its own, so that what the other rows get does not hang on their order.
OWN_CLIENT = {"events:check_in_pass"}


def _client(world, role: str) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.mark.django_db
def test_each_role_gets_the_declared_status_from_every_url(world):
    clients = {role: _client(world, role) for role in ROLES}
    wrong = []
    with translation.override("en"):
        for name, (method, expected) in sorted(MATRIX.items()):
            url = reverse(name, kwargs=world.args.get(name, {}))
            for role in ROLES:
                client = _client(world, role) if name in OWN_CLIENT else clients[role]
                got = _status(client, method, url)
                if got != expected[role]:
                    wrong.append(f"{name} {method} as {role}: {got}, declared {expected[role]}")
    assert not wrong, "\n".join(wrong)
