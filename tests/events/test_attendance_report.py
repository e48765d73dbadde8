"""The attendance report and workbook: nobody absent from a session to come; times and statuses per session."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Attendance, EventPage, EventSession
from events.selectors import SessionState, session_report
from tests.factories import OrgUnitFactory, RegistrationFactory


@pytest.fixture
def three_sessions(event, clock):
    """One session over, one under way, one tomorrow."""
    now = clock.now()
    EventSession.objects.filter(event=event).delete()
    spans = [(-5, -3), (-1, 1), (23, 25)]
    sessions = [
        EventSession.objects.create(
            event=event,
            title=f"Chuyên đề {n}",
            starts_at=now + datetime.timedelta(hours=start),
            ends_at=now + datetime.timedelta(hours=end),
        )
        for n, (start, end) in enumerate(spans, start=1)
    ]
    EventPage.objects.filter(pk=event.pk).update(capacity=50, ends_at=now + datetime.timedelta(hours=26))
    return sessions


@pytest.fixture
def people(event, three_sessions, danang):
    over, running, _tomorrow = three_sessions
    came, late, away, unseen = (RegistrationFactory(event=event, org_unit=danang) for _ in range(4))
    Attendance.objects.create(registration=came, session=over, status="present", checked_in_at=over.starts_at)
    Attendance.objects.create(
        registration=late, session=over, status="late", checked_in_at=over.starts_at + datetime.timedelta(minutes=20)
    )
    Attendance.objects.create(registration=away, session=over, status="excused", checked_in_at=over.starts_at)
    Attendance.objects.create(registration=came, session=running, status="present", checked_in_at=running.starts_at)
    RegistrationFactory(event=event, org_unit=danang, status="waitlisted", seat=None)
    return came, late, away, unseen


def test_only_a_session_that_has_ended_counts_absentees(event, people, three_sessions):
    over, running, tomorrow = session_report(event)
    assert (over.state, over.present, over.late, over.excused, over.absent) == (SessionState.ENDED, 1, 1, 1, 1)
    assert (running.state, running.absent, running.unaccounted) == (SessionState.RUNNING, None, 3)
    assert (tomorrow.state, tomorrow.absent, tomorrow.attended) == (SessionState.UPCOMING, None, 0)


def test_report_page_says_a_session_to_come_is_not_held_and_totals_the_units(organiser_client, event, people):
    html = organiser_client.get(f"/events/manage/{event.pk}/report/").content.decode()
    assert "Not yet held: nobody is counted absent." in html
    assert "3 not checked in yet" in html
    assert "<tfoot>" in html and "Total" in html


def test_workbook_has_times_and_statuses_per_session_a_frozen_header_and_filters(organiser_client, event, people):
    came, late, away, unseen = people
    response = organiser_client.get(f"/events/manage/{event.pk}/report.xlsx")
    assert response.streaming
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[7:] == (
        "1. Chuyên đề 1",
        "1. Checked in at",
        "2. Chuyên đề 2",
        "2. Checked in at",
        "3. Chuyên đề 3",
        "3. Checked in at",
    )
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:M{len(rows)}"
    by_name = {row[1]: row for row in rows[1:]}
    local = timezone.localtime(late.attendances.get().checked_in_at).replace(tzinfo=None, microsecond=0)
    assert by_name[late.full_name][7:9] == ("Late", local)
    assert sheet.cell(row=[r[1] for r in rows].index(late.full_name) + 1, column=9).number_format == "dd/mm/yyyy hh:mm"
    assert by_name[came.full_name][7:13:2] == ("Present", "Present", "Not yet held")
    assert by_name[away.full_name][7:13:2] == ("Excused", "Not checked in yet", "Not yet held")
    # Absent only where the session is over; a session to come counts nobody absent.
    assert by_name[unseen.full_name][7:13:2] == ("Absent", "Not checked in yet", "Not yet held")
    waiting = next(row for row in rows[1:] if row[6] == "Waiting list")
    assert waiting[7:] == (None,) * 6


def test_workbook_query_count_does_not_grow(organiser_client, event, people):
    url = f"/events/manage/{event.pk}/report.xlsx"
    b"".join(organiser_client.get(url).streaming_content)
    with CaptureQueriesContext(connection) as small:
        b"".join(organiser_client.get(url).streaming_content)
    for unit in (OrgUnitFactory() for _ in range(5)):
        for _ in range(4):
            RegistrationFactory(event=event, org_unit=unit)
    with CaptureQueriesContext(connection) as large:
        b"".join(organiser_client.get(url).streaming_content)
    assert len(large) == len(small)
