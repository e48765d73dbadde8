"""The report's tallies equal a fresh count after every path that writes a registration or an attendance."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from events import services, tallies
from events.imports import registration_import_commit, registration_import_preview
from events.models import Attendance, EventPage, EventSession, EventTally, Registration
from events.tokens import ticket_token
from tests.factories import OrgUnitFactory, RegistrationFactory, UserFactory


def _fresh(event) -> None:
    """The tallies kept as things changed are exactly what counting the rows gives now."""
    assert tallies.stored_counts([event.pk]) == tallies.fresh_counts([event.pk])


@pytest.fixture
def hue(danang):
    unit = OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")
    danang.refresh_from_db()
    return unit


@pytest.fixture
def running(event):
    """The event's first session, running now, so the door takes scans without asking."""
    session = event.sessions.order_by("starts_at").first()
    now = timezone.now()
    EventSession.objects.filter(pk=session.pk).update(
        starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


def _person(unit, name):
    return UserFactory(org_unit=unit, full_name=name)


def test_every_write_path_keeps_the_tallies_equal_to_a_fresh_count(
    event, running, organiser, danang, hue, django_capture_on_commit_callbacks
):
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    event.refresh_from_db()
    an = services.registration_create(
        event=event, user=_person(danang, "Nguyễn Văn Ân"), created_by=organiser, source="import"
    )
    _fresh(event)
    binh = services.registration_create(
        event=event, user=_person(hue, "Trần Văn Bình"), created_by=organiser, source="import"
    )
    cuc = services.registration_create(
        event=event, user=_person(hue, "Hồ Thị Cúc"), created_by=organiser, source="import"
    )
    assert cuc.status == Registration.Status.WAITLISTED
    _fresh(event)

    # The door: a scan, a duplicate, the same scan again, an offline scan from earlier (the first one stands).
    first = services.attendance_check_in(
        session=running, recorded_by=organiser, token=ticket_token(an.uuid), nonce="n1", device="door-1"
    )
    assert first.outcome == "ok"
    _fresh(event)
    services.attendance_check_in(session=running, recorded_by=organiser, token=ticket_token(an.uuid), nonce="n2")
    services.attendance_check_in(
        session=running, recorded_by=organiser, token=ticket_token(an.uuid), nonce="n1", device="door-1"
    )
    earlier = running.starts_at + datetime.timedelta(minutes=1)
    services.attendance_check_in(
        session=running, recorded_by=organiser, token=ticket_token(an.uuid), nonce="n3", scanned_at=earlier
    )
    _fresh(event)

    # By hand: absent, then undone; excused; then checked in over it with a confirmation.
    change = services.attendance_mark(registration=binh, session=running, status="absent", recorded_by=organiser)
    _fresh(event)
    services.attendance_undo(change_id=change.pk, session=running, actor=organiser)
    _fresh(event)
    services.attendance_mark(registration=binh, session=running, status="excused", recorded_by=organiser)
    _fresh(event)
    services.attendance_check_in(session=running, recorded_by=organiser, registration=binh, confirm=True)
    _fresh(event)
    services.attendance_mark(registration=binh, session=running, status="", recorded_by=organiser)
    _fresh(event)

    # The unit changes: the person's attendance moves with them.
    services.registration_update(
        registration=an, actor=organiser, full_name=an.full_name, org_unit=hue, position="", phone=""
    )
    _fresh(event)

    # Cancelling frees a seat: the waiting person moves up.
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=binh, actor=organiser, reason="Đi công tác")
    cuc.refresh_from_db()
    assert cuc.status == Registration.Status.CONFIRMED
    _fresh(event)

    # Substitute: the seat and attendance pass on.
    other = services.registration_substitute(registration=an, person=_person(hue, "Phạm Quốc Chí"), actor=organiser)
    _fresh(event)

    # Back to the waiting list and a seat again.
    services.registration_waitlist(registration=other, actor=organiser)
    _fresh(event)
    services.registration_confirm(registration=Registration.objects.get(pk=other.pk), actor=organiser)
    _fresh(event)

    # The door admits a waitlisted person and a walk-in.
    services.attendance_admit(
        session=running, actor=organiser, email="khach@example.vn", full_name="Vũ Thị Khách", org_unit=danang
    )
    _fresh(event)
    waiting = services.registration_create(
        event=event, user=_person(danang, "Đỗ Văn Chờ"), created_by=organiser, source="import"
    )
    assert waiting.status == Registration.Status.WAITLISTED
    services.attendance_admit(session=running, actor=organiser, registration=waiting)
    _fresh(event)

    # Settings: more seats promote the queue.
    late = services.registration_create(
        event=event, user=_person(hue, "Lý Thị Muộn"), created_by=organiser, source="import"
    )
    assert late.status == Registration.Status.WAITLISTED
    services.event_settings_update(
        event=event,
        actor=organiser,
        capacity=20,
        registration_mode=event.registration_mode,
        registration_opens=event.registration_opens,
        registration_closes=event.registration_closes,
    )
    _fresh(event)

    # Self check-in by the delegate's own phone.
    late.refresh_from_db()
    assert services.attendance_self_check_in(session_id=running.pk, user=late.user).outcome == "ok"
    _fresh(event)

    # The import.
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Họ và tên", "Email", "Mã đơn vị"])
    workbook.active.append(["Nguyễn Thị Nhập", "nhap@example.vn", danang.code])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = registration_import_preview(event=event, file=buffer.getvalue(), filename="ds.xlsx", by=organiser)
    registration_import_commit(event=event, rows=preview.payload()["rows"], by=organiser)
    _fresh(event)

    # Deleting an attendance and a registration directly (the admin, a shell).
    Attendance.objects.filter(registration=late).delete()
    _fresh(event)
    Registration.objects.get(pk=late.pk).delete()
    _fresh(event)
    assert tallies.stored_counts([event.pk])  # something was counted all along


def test_the_report_reads_the_tallies_in_a_fixed_number_of_queries(organiser_client, event, running, danang):
    url = f"/events/manage/{event.pk}/report/"
    services.attendance_check_in(
        session=running, recorded_by=None, registration=RegistrationFactory(event=event, org_unit=danang)
    )
    organiser_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        organiser_client.get(url)
    for n in range(30):
        registration = RegistrationFactory(event=event, org_unit=OrgUnitFactory() if n % 3 else danang)
        services.attendance_check_in(session=running, recorded_by=None, registration=registration)
    with CaptureQueriesContext(connection) as many:
        response = organiser_client.get(url)
    assert len(many) == len(few)
    assert response.context["session_rows"][0].attended == 31


def test_a_bulk_write_is_made_right_by_the_recount(event, running, danang):
    registration = RegistrationFactory(event=event, org_unit=danang)
    services.attendance_check_in(session=running, recorded_by=None, registration=registration)
    # Around the models: what bench/national.py's COPY and a QuerySet.update do.
    Attendance.objects.filter(registration=registration).update(status=Attendance.Status.EXCUSED)
    Registration.objects.bulk_create(
        [Registration(event=event, user=UserFactory(), full_name="Hàng loạt", org_unit=danang, seat=99)]
    )
    assert tallies.stored_counts([event.pk]) != tallies.fresh_counts([event.pk])
    # --check finds it and changes nothing...
    out = io.StringIO()
    # The attendance's old and new status, and the unit's registrations.
    with pytest.raises(CommandError, match="3 tallies differ"):
        call_command("events_recount_tallies", "--check", "--event", str(event.pk), stdout=out)
    assert f"{event.pk}/{danang.pk}/{running.pk}/excused: kept 0, counted 1" in out.getvalue()
    assert tallies.stored_counts([event.pk]) != tallies.fresh_counts([event.pk])
    # ...the recount puts it right.
    call_command("events_recount_tallies", verbosity=0)
    _fresh(event)
    call_command("events_recount_tallies", "--check", stdout=io.StringIO())
    assert EventTally.objects.filter(event=event).exclude(n=0).count() == 2


def test_the_report_counts_a_coordinator_s_units_from_the_tallies(event, running, danang, hue):
    for unit in (danang, danang, hue):
        services.attendance_check_in(
            session=running, recorded_by=None, registration=RegistrationFactory(event=event, org_unit=unit)
        )
    from accounts.scopes import subtree
    from events.selectors import session_report

    [row, _upcoming] = session_report(event, units=subtree(danang))
    assert (row.registered, row.attended) == (2, 2)
    [row, _upcoming] = session_report(event)
    assert (row.registered, row.attended) == (3, 3)


def test_deleting_an_event_takes_its_tallies_with_it(event, running, danang):
    services.attendance_check_in(
        session=running, recorded_by=None, registration=RegistrationFactory(event=event, org_unit=danang)
    )
    assert EventTally.objects.filter(event=event).exists()
    EventPage.objects.filter(pk=event.pk).delete()
    assert not EventTally.objects.filter(event_id=event.pk).exists()
