import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ServiceError
from events.models import Attendance, ScanNonce
from events.services import attendance_check_in, attendance_undo, registration_cancel
from events.tokens import session_code, ticket_token
from tests.factories import EventPageFactory, EventSessionFactory, RegistrationFactory


def _scan(client, event, session, **data):
    url = f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/scan/"
    return client.post(url, data).json()


def test_scan_then_duplicate_scan_is_amber_with_the_first_time(organiser_client, event, session):
    registration = RegistrationFactory(event=event, full_name="Trần Thị Bình")
    token = ticket_token(registration.uuid)
    first = _scan(organiser_client, event, session, token=token, scanned_at=session.starts_at.isoformat())
    assert (first["colour"], first["name"]) == ("green", "Trần Thị Bình")
    second = _scan(organiser_client, event, session, token=token)
    time = timezone.localtime(session.starts_at).strftime("%H:%M")
    assert second["colour"] == "amber"
    assert second["message"] == f"Already checked in at {time}"
    assert Attendance.objects.filter(registration=registration).count() == 1


def test_offline_replay_with_the_same_nonce_keeps_one_record_and_the_original_time(organiser_client, event, session):
    registration = RegistrationFactory(event=event)
    scanned = session.starts_at + datetime.timedelta(minutes=3)
    data = {"token": ticket_token(registration.uuid), "nonce": "a1b2c3", "scanned_at": scanned.isoformat()}
    first = _scan(organiser_client, event, session, **data)
    replay = _scan(organiser_client, event, session, **{**data, "scanned_at": timezone.now().isoformat()})
    assert first["colour"] == replay["colour"] == "green"  # the same answer, not "already checked in"
    attendance = Attendance.objects.get(registration=registration)
    assert attendance.checked_in_at == scanned
    assert attendance.status == "present"
    assert ScanNonce.objects.filter(nonce="a1b2c3").count() == 1


def test_lateness_threshold(event, session, organiser):
    on_time, late = RegistrationFactory(event=event), RegistrationFactory(event=event)
    threshold = session.starts_at + datetime.timedelta(minutes=event.late_after_minutes)
    a = attendance_check_in(session=session, recorded_by=organiser, registration=on_time, scanned_at=threshold)
    b = attendance_check_in(
        session=session, recorded_by=organiser, registration=late, scanned_at=threshold + datetime.timedelta(seconds=1)
    )
    assert (a.attendance.status, b.attendance.status) == ("present", "late")


@pytest.mark.parametrize(
    ("make_token", "outcome"),
    [
        (lambda r: ticket_token(r.uuid) + "x", "unknown"),
        (lambda r: "eyJhIjoxfQ:1abc:forged", "unknown"),
        (lambda r: str(r.uuid), "unknown"),
        (lambda r: str(r.pk), "unknown"),
        (lambda r: session_code(1), "unknown"),
    ],
)
def test_tampered_or_foreign_tokens_are_red(organiser_client, event, session, make_token, outcome):
    registration = RegistrationFactory(event=event)
    result = _scan(organiser_client, event, session, token=make_token(registration))
    assert (result["colour"], result["outcome"]) == ("red", outcome)
    assert not Attendance.objects.exists()


def test_ticket_of_another_event_and_cancelled_ticket_are_red(organiser_client, event, session):
    other = RegistrationFactory(event=EventPageFactory())
    result = _scan(organiser_client, event, session, token=ticket_token(other.uuid))
    assert (result["colour"], result["outcome"]) == ("red", "other_event")
    assert result["name"] == ""  # nothing about a stranger's registration leaks
    cancelled = RegistrationFactory(event=event)
    registration_cancel(registration=cancelled)
    result = _scan(organiser_client, event, session, token=ticket_token(cancelled.uuid))
    assert (result["colour"], result["outcome"]) == ("red", "cancelled")


def test_session_of_another_event_in_the_url_is_not_found(organiser_client, event):
    foreign_session = EventSessionFactory()
    url = f"/events/manage/{event.pk}/sessions/{foreign_session.pk}/check-in/scan/"
    assert organiser_client.post(url, {"token": "x"}).status_code == 404


def test_undo_within_a_minute_only(organiser_client, event, session, organiser):
    registration = RegistrationFactory(event=event)
    result = _scan(organiser_client, event, session, token=ticket_token(registration.uuid))
    url = f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/undo/{result['change']}/"
    assert organiser_client.post(url).json()["ok"] is True
    assert not Attendance.objects.exists()
    again = attendance_check_in(session=session, recorded_by=organiser, registration=registration)
    with pytest.raises(ServiceError) as error:
        attendance_undo(change_id=again.change, session=session, now=timezone.now() + datetime.timedelta(seconds=61))
    assert error.value.code == "undo_expired"


def test_search_is_accent_insensitive(organiser_client, event, session):
    RegistrationFactory(event=event, full_name="Nguyễn Thị Đào", phone="0912345678")
    RegistrationFactory(event=event, full_name="Lê Văn Minh")
    url = f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/search/"
    for query in ("nguyen thi dao", "ĐÀO", "345678"):
        names = [person["name"] for person in organiser_client.get(url, {"q": query}).json()["results"]]
        assert names == ["Nguyễn Thị Đào"]


def _count_check_in_queries(client, event, session, registration) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = _scan(client, event, session, token=ticket_token(registration.uuid), nonce=f"n-{registration.pk}")
    assert result["colour"] == "green"
    return len(queries)


def test_check_in_query_count_does_not_grow_with_registrations(organiser_client, event, session):
    from events.models import EventPage, Registration
    from tests.factories import UserFactory

    EventPage.objects.filter(pk=event.pk).update(capacity=5000)
    RegistrationFactory.create_batch(10, event=event)
    _count_check_in_queries(organiser_client, event, session, RegistrationFactory(event=event))  # caches filled
    small = _count_check_in_queries(organiser_client, event, session, RegistrationFactory(event=event))
    users = UserFactory.create_batch(1990, verified=False)
    Registration.objects.bulk_create(
        Registration(event_id=event.pk, user=user, full_name=user.full_name, status="confirmed", seat=100_000 + i)
        for i, user in enumerate(users)
    )
    assert Registration.objects.filter(event=event).count() >= 2000
    large = _count_check_in_queries(organiser_client, event, session, RegistrationFactory(event=event))
    assert large == small


def _statements(client, event, session, registration, nonce, **extra) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        result = _scan(client, event, session, token=ticket_token(registration.uuid), nonce=nonce, **extra)
    # The test's own transaction wraps each request in savepoints; production has none.
    return result, [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_scan_reads_before_it_writes_and_nothing_after(organiser_client, event, session):
    """The door's hot path: a first scan is one read of the ticket (with its attendance) then inserts only;
    a second scan of the same ticket writes its nonce and nothing else; a replayed nonce gets its first answer."""
    warm = RegistrationFactory(event=event)
    _scan(organiser_client, event, session, token=ticket_token(warm.uuid), nonce="warm")
    registration = RegistrationFactory(event=event)

    first, statements = _statements(organiser_client, event, session, registration, "first-1")
    assert first["outcome"] == "ok"
    writes = [i for i, sql in enumerate(statements) if not sql.lstrip().upper().startswith("SELECT")]
    assert writes, statements
    # Every statement after the first write is a write: attendance, tally, history entry, nonce. On
    # PostgreSQL the four are one statement (a data-modifying WITH, events.door.insert_check_in: no BEGIN
    # and COMMIT round trips); elsewhere one statement each, in a transaction.
    assert writes == list(range(writes[0], len(statements))), statements
    if connection.vendor == "postgresql":
        (write,) = statements[writes[0] :]
        assert write.startswith("WITH a AS (INSERT INTO")
        for table in ("events_attendance", "events_eventtally", "wagtailcore_modellogentry", "events_scannonce"):
            assert f'"{table}"' in write, table
    else:
        assert len(statements) - writes[0] == 4, statements
    reads = statements[: writes[0]]
    ticket_reads = [sql for sql in reads if '"events_registration"' in sql]
    assert len(ticket_reads) == 1 and "events_attendance" in ticket_reads[0]  # the attendance comes with the ticket

    again, statements = _statements(organiser_client, event, session, registration, "first-2")
    assert again["outcome"] == "duplicate"
    assert statements[-1].lstrip().upper().startswith("INSERT INTO") and "events_scannonce" in statements[-1]
    assert len(statements) == len(reads) + 1  # the same reads, then the nonce
    assert not any("events_attendance" in sql and "FOR UPDATE" in sql.upper() for sql in statements)

    replay, statements = _statements(organiser_client, event, session, registration, "first-1")
    assert replay["outcome"] == "ok"  # the answer the scan got the first time
    from events.models import Attendance, ScanNonce

    assert Attendance.objects.filter(registration=registration).count() == 1
    assert ScanNonce.objects.filter(nonce__in=["first-1", "first-2"]).count() == 2
