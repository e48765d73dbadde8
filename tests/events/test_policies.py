"""Events' write services refuse an actor their policy refuses, and every change leaves an audit entry."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from core.errors import ServiceError
from events import policies
from events.imports import registration_import_commit
from events.models import Attendance, Registration
from events.services import (
    attendance_check_in,
    attendance_mark,
    attendance_undo,
    event_certificate_issue,
    event_certificates_bulk_issue,
    registration_cancel,
    registration_create,
)
from tests.factories import EventPageFactory, EventSessionFactory, OrgUnitFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hue(db):
    return OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")


@pytest.fixture
def coordinator(make_staff, danang, hue):
    # Units are kept sorted by name: adding Huế moved Đà Nẵng's path.
    danang.refresh_from_db()
    return make_staff(Role.COORDINATOR, unit=danang, org_unit=danang)


@pytest.fixture
def other_organiser(make_staff):
    make_staff(Role.ORGANISER).organised_events.add(EventPageFactory())
    return make_staff(Role.ORGANISER)


class _Refusal:
    """``with _Refusal("forbidden"):`` asserts a ServiceError with that code."""

    def __init__(self, code):
        self.code = code

    def __enter__(self):
        self.raises = pytest.raises(ServiceError)
        self.info = self.raises.__enter__()
        return self.info

    def __exit__(self, *exc):
        handled = self.raises.__exit__(*exc)
        assert self.info.value.code == self.code, self.info.value.code
        return handled


def _refused(code="forbidden"):
    return _Refusal(code)


def _actions(obj):
    return list(
        ModelLogEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


# --- registration -------------------------------------------------------------------------


def test_a_coordinator_cannot_register_a_person_of_another_unit_even_naming_their_own(event, coordinator, danang, hue):
    stranger = UserFactory(org_unit=hue)
    with _refused():
        registration_create(
            event=event, user=stranger, org_unit=danang, source=Registration.Source.COORDINATOR, created_by=coordinator
        )
    assert not policies.can_nominate(coordinator, event, stranger, unit=danang)
    own = UserFactory(org_unit=danang)
    registration = registration_create(
        event=event, user=own, source=Registration.Source.COORDINATOR, created_by=coordinator
    )
    assert registration.org_unit == danang


def test_the_import_skips_a_row_whose_person_belongs_to_another_unit(event, coordinator, danang, hue):
    """The hole the import had: only the row's unit code was checked, not the person's own unit."""
    stranger = UserFactory(org_unit=hue, email="le.thi.hue@example.vn")
    row = {
        "number": 2,
        "email": stranger.email,
        "unit_code": danang.code,
        "phone": "",
        "typed": {"full_name": "Tên do đầu mối tự đặt", "position": "", "notes": ""},
        "converted": {},
    }
    report = registration_import_commit(event=event, rows=[row], by=coordinator)
    assert report.confirmed == 0 and len(report.skipped) == 1
    assert "outside your scope" in report.skipped[0] and stranger.full_name not in report.skipped[0]
    assert not Registration.objects.filter(event=event).exists()


def test_coordinators_nominate_only_into_live_events_that_are_not_over(coordinator, danang):
    person = UserFactory(org_unit=danang)
    past = EventPageFactory(starts_at=timezone.now() - datetime.timedelta(days=3))
    with _refused():
        registration_create(event=past, user=person, source=Registration.Source.COORDINATOR, created_by=coordinator)
    draft = EventPageFactory(live=False)
    with _refused():
        registration_create(event=draft, user=person, source=Registration.Source.COORDINATOR, created_by=coordinator)


def test_a_trainee_may_register_only_themselves(event, trainee):
    with _refused():
        registration_create(event=event, user=UserFactory(), created_by=trainee)
    with _refused():
        registration_create(event=event, user=UserFactory(), source=Registration.Source.COORDINATOR, created_by=trainee)


def test_an_organiser_of_another_event_may_not_nominate_or_cancel(event, other_organiser, trainee):
    with _refused():
        registration_create(event=event, user=trainee, source=Registration.Source.IMPORT, created_by=other_organiser)
    registration = registration_create(event=event, user=trainee, created_by=trainee)
    with _refused():
        registration_cancel(registration=registration, actor=other_organiser)
    with _refused():
        registration_cancel(registration=registration, actor=UserFactory())
    registration_cancel(registration=registration, actor=trainee)
    assert _actions(registration) == ["events.registration.create", "events.registration.cancel"]
    entry = ModelLogEntry.objects.get(object_id=str(registration.pk), action="events.registration.cancel")
    assert entry.user == trainee
    assert entry.data["before"]["status"] == "confirmed" and entry.data["after"]["status"] == "cancelled"


def test_a_cancellation_logs_the_promotion_from_the_waiting_list(event, trainee):
    people = [UserFactory() for _ in range(4)]
    registrations = [registration_create(event=event, user=person) for person in people]
    assert registrations[3].status == "waitlisted"
    registration_cancel(registration=registrations[0], actor=people[0])
    assert _actions(registrations[3]) == ["events.registration.create", "events.registration.promote"]


# --- attendance -----------------------------------------------------------------------------


def test_only_the_events_organisers_check_in_mark_and_undo(event, session, organiser, other_organiser, coordinator):
    registration = RegistrationFactory(event=event)
    for outsider in (other_organiser, coordinator, registration.user):
        with _refused():
            attendance_check_in(session=session, recorded_by=outsider, registration=registration)
        with _refused():
            attendance_mark(registration=registration, session=session, status="excused", recorded_by=outsider)
    result = attendance_check_in(session=session, recorded_by=organiser, registration=registration)
    assert result.outcome == "ok"
    with _refused():
        attendance_undo(change_id=result.change, session=session, actor=other_organiser)
    assert Attendance.objects.filter(pk=result.attendance.pk).exists()


def test_undo_is_a_logged_reversal_and_a_mark_keeps_who_changed_what(event, session, organiser, make_staff):
    registration = RegistrationFactory(event=event)
    result = attendance_check_in(session=session, recorded_by=organiser, registration=registration)
    attendance_undo(change_id=result.change, session=session, actor=organiser)
    assert not Attendance.objects.filter(registration=registration).exists()
    admin = make_staff(Role.ADMIN)
    attendance_mark(registration=registration, session=session, status="absent", recorded_by=organiser)
    attendance_mark(registration=registration, session=session, status="excused", recorded_by=admin)
    assert _actions(registration) == [
        "events.attendance.check_in",
        "events.attendance.undo",
        "events.attendance.mark",
        "events.attendance.mark",
    ]
    undo, _first_mark, second_mark = ModelLogEntry.objects.filter(
        object_id=str(registration.pk), action__in=["events.attendance.undo", "events.attendance.mark"]
    ).order_by("timestamp", "pk")
    assert undo.user == organiser and undo.data["before"]["status"] == result.attendance.status
    assert second_mark.user == admin
    before, after = second_mark.data["before"], second_mark.data["after"]
    assert (before["status"], before["recorded_by"]) == ("absent", organiser.pk)
    assert (after["status"], after["recorded_by"]) == ("excused", admin.pk)
    assert "method" not in before  # unchanged fields are left out


def test_the_registration_page_shows_its_history_to_organisers_only(organiser_client, event, session, organiser):
    registration = registration_create(event=event, user=UserFactory(), created_by=None)
    attendance_mark(registration=registration, session=session, status="absent", recorded_by=organiser)
    html = organiser_client.get(f"/events/tickets/{registration.uuid}/").content.decode()
    assert "History" in html and "Attendance marked" in html and organiser.full_name in html
    organiser_client.force_login(registration.user)
    html = organiser_client.get(f"/events/tickets/{registration.uuid}/").content.decode()
    assert "Attendance marked" not in html


# --- door scan times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "device_time",
    [
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
        # Inside the last day but before this session's door opened.
        "before_the_session",
        "tomorrow",
    ],
)
def test_a_device_time_outside_the_session_window_is_replaced_by_the_servers_and_said(
    event, session, organiser, device_time
):
    now = timezone.now()
    if device_time == "before_the_session":
        device_time = session.starts_at - datetime.timedelta(hours=1)
    elif device_time == "tomorrow":
        device_time = now + datetime.timedelta(days=1)
    registration = RegistrationFactory(event=event)
    result = attendance_check_in(
        session=session, recorded_by=organiser, registration=registration, scanned_at=device_time, now=now
    )
    assert result.outcome == "ok"
    assert result.attendance.checked_in_at == now
    assert "server's time was recorded" in result.note


def test_a_device_time_inside_the_window_is_kept(event, session, organiser):
    now = timezone.now()
    scanned = session.starts_at + datetime.timedelta(minutes=5)
    result = attendance_check_in(
        session=session,
        recorded_by=organiser,
        registration=RegistrationFactory(event=event),
        scanned_at=scanned,
        now=now,
    )
    assert result.attendance.checked_in_at == scanned and result.note == ""


def test_a_device_time_older_than_a_day_is_not_believed_even_inside_the_session(organiser):
    event = EventPageFactory(
        starts_at=timezone.now() - datetime.timedelta(days=2), ends_at=timezone.now() + datetime.timedelta(days=1)
    )
    organiser.organised_events.add(event)
    session = EventSessionFactory(event=event, ends_at=timezone.now() + datetime.timedelta(hours=1))
    now = timezone.now()
    result = attendance_check_in(
        session=session,
        recorded_by=organiser,
        registration=RegistrationFactory(event=event),
        scanned_at=now - datetime.timedelta(hours=30),
        now=now,
    )
    assert result.attendance.checked_in_at == now and result.note


def test_the_door_screen_is_told_when_the_devices_time_was_not_used(organiser_client, event, session):
    registration = RegistrationFactory(event=event)
    response = organiser_client.post(
        f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/scan/",
        {"registration": str(registration.uuid), "scanned_at": "0001-01-01 00:00"},
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "ok" and "server's time" in response.json()["note"]


# --- certificates ------------------------------------------------------------------------------


def test_a_delegate_asks_for_their_certificate_only_after_the_event_and_only_their_own(event, trainee):
    registration = RegistrationFactory(event=event, user=trainee)
    with _refused("event_not_over"):
        event_certificate_issue(registration=registration, issued_by=trainee)
    with _refused():
        event_certificate_issue(registration=registration, issued_by=UserFactory())


def test_bulk_issue_is_for_the_events_own_organisers(event, other_organiser, coordinator):
    for outsider in (other_organiser, coordinator):
        with _refused():
            event_certificates_bulk_issue(event=event, started_by=outsider)


# --- bounded text ----------------------------------------------------------------------------


def test_registration_notes_are_bounded_in_the_form_and_the_service(client, event, trainee):
    client.force_login(trainee)
    response = client.post(f"/events/{event.pk}/register/", {"full_name": trainee.full_name, "notes": "x" * 1_000_000})
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    assert not Registration.objects.exists()
    with _refused("too_long"):
        registration_create(event=event, user=trainee, notes="x" * 2001, created_by=trainee)
    assert registration_create(event=event, user=trainee, notes="x" * 2000, created_by=trainee).notes == "x" * 2000
