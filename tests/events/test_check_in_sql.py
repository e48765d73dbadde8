"""The door's hand-written SQL (events.door) reads and writes what the ORM did, on SQLite and PostgreSQL alike."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from core.audit import snapshot
from events import door, tallies
from events.models import Attendance, EventPage, Registration, ScanNonce
from events.policies import can_check_in
from events.services import ATTENDANCE_AUDIT_FIELDS, attendance_check_in
from events.tokens import ticket_token
from tests.factories import RegistrationFactory


def _scan(client, event, session, **data):
    response = client.post(f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/scan/", data)
    return response.status_code, response.json() if response["Content-Type"] == "application/json" else None


def _fresh(event) -> None:
    assert tallies.stored_counts([event.pk]) == tallies.fresh_counts([event.pk])
    call_command("events_recount_tallies", "--check", "--event", str(event.pk), stdout=io.StringIO())


# --- a first scan's rows --------------------------------------------------------------------------


def test_a_first_scan_writes_the_attendance_tally_history_and_nonce_as_the_orm_did(
    organiser_client, event, session, organiser, danang
):
    registration = RegistrationFactory(event=event, org_unit=danang, full_name="Nguyễn Thị Lan")
    status, answer = _scan(
        organiser_client, event, session, token=ticket_token(registration.uuid), nonce="first", device="door-1"
    )
    assert status == 200 and answer["outcome"] == "ok" and answer["unit"] == danang.name

    attendance = Attendance.objects.get(registration=registration, session=session)
    assert (attendance.method, attendance.device, attendance.recorded_by) == ("scan", "door-1", organiser)
    assert attendance.status in ("present", "late") and answer["state"] == attendance.status
    entry = ModelLogEntry.objects.get(pk=answer["change"])
    assert (entry.object_id, entry.label, entry.action, entry.user) == (
        str(registration.pk),
        str(registration),
        "events.attendance.check_in",
        organiser,
    )
    assert entry.content_type.model_class() is Registration
    assert entry.data == {
        "session": session.pk,
        "attendance": attendance.pk,
        "change": "create",
        "after": snapshot(attendance, ATTENDANCE_AUDIT_FIELDS),
    }
    assert not entry.content_changed and not entry.deleted and entry.revision_id is None
    nonce = ScanNonce.objects.get(nonce="first")
    assert (nonce.session_id, nonce.attendance_id, nonce.outcome) == (session.pk, attendance.pk, "ok")
    _fresh(event)

    # The rows are the ones the rest of the door works with: the history, the undo, a rescan.
    again = _scan(
        organiser_client, event, session, token=ticket_token(registration.uuid), nonce="again", device="door-1"
    )[1]
    assert again["outcome"] == "ok"  # the same device within seconds: the same scan
    undo = organiser_client.post(f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/undo/{entry.pk}/")
    assert undo.json()["ok"] is True
    assert not Attendance.objects.filter(registration=registration).exists()
    _fresh(event)


def test_a_nonce_another_scan_kept_writes_nothing_for_the_second_person(organiser_client, event, session):
    """The four inserts are one unit: a nonce collision takes the attendance and its history back with it."""
    first, second = RegistrationFactory(event=event), RegistrationFactory(event=event)
    _scan(organiser_client, event, session, token=ticket_token(first.uuid), nonce="shared")
    entries = ModelLogEntry.objects.count()
    answer = _scan(organiser_client, event, session, token=ticket_token(second.uuid), nonce="shared")[1]
    # The nonce's first answer (an offline queue replaying it), not a check-in of the second person.
    assert (answer["outcome"], answer["registration"]) == ("ok", str(first.uuid))
    assert not Attendance.objects.filter(registration=second).exists()
    assert ModelLogEntry.objects.count() == entries
    assert ScanNonce.objects.get(nonce="shared").attendance.registration == first
    _fresh(event)


def test_a_first_scan_raced_by_another_door_is_answered_from_the_row_that_won(event, session, organiser, monkeypatch):
    registration = RegistrationFactory(event=event)
    stale = door.ticket_registration(registration.uuid, session)
    assert stale.door_attendance is None  # read before the other door's check-in committed
    attendance_check_in(session=session, recorded_by=organiser, registration=registration, device="door-b")
    monkeypatch.setattr(door, "ticket_registration", lambda *args: stale)

    result = attendance_check_in(
        session=session, recorded_by=organiser, token=ticket_token(registration.uuid), nonce="late", device="door-a"
    )
    assert result.outcome == "duplicate"
    assert Attendance.objects.filter(registration=registration).count() == 1
    assert (
        ModelLogEntry.objects.filter(object_id=str(registration.pk), action="events.attendance.check_in").count() == 1
    )
    assert ScanNonce.objects.get(nonce="late").outcome == "duplicate"
    _fresh(event)


def test_nothing_else_listens_to_the_rows_a_first_scan_inserts_without_signals():
    """events.door inserts a first scan's rows without the models' signals, moving the tallies itself. A new
    receiver for these models would be skipped at the door: this fails so that it is wired there too."""

    def receivers(signal, model) -> set[str]:
        sync, asynchronous = signal._live_receivers(model)
        return {f"{r.__module__}.{r.__qualname__}" for r in [*sync, *asynchronous]}

    # Connected for every model, acting on pages alone and on translatable models alone.
    page_only = {"cms.signals.page_saved"}
    translatable_only = {"wagtail.models.i18n.set_locale_on_new_instance"}
    assert receivers(pre_save, Attendance) <= {"events.tallies._on_attendance_pre_save"} | translatable_only
    assert receivers(post_save, Attendance) <= {"events.tallies._on_attendance_saved"} | page_only
    for model in (ScanNonce, ModelLogEntry):
        assert receivers(pre_save, model) <= translatable_only, model
        assert receivers(post_save, model) <= page_only, model


# --- the reads ----------------------------------------------------------------------------------


def test_the_ticket_read_gives_the_rows_the_orm_gives(event, session, organiser, danang):
    registration = RegistrationFactory(event=event, org_unit=danang, phone="0912345678")
    attendance_check_in(session=session, recorded_by=organiser, registration=registration, device="door-1")
    stored = Attendance.objects.get(registration=registration)

    with CaptureQueriesContext(connection) as queries:
        read = door.ticket_registration(registration.uuid, session)
        assert read.org_unit.name == danang.name
        held = read.door_attendance
        assert held.registration is read and held.session is session
    assert len(queries) == 1
    assert (read.pk, read.uuid, read.event_id, read.user_id, read.full_name, read.status) == (
        registration.pk,
        registration.uuid,
        event.pk,
        registration.user_id,
        registration.full_name,
        "confirmed",
    )
    assert isinstance(read.uuid, uuid.UUID)
    for field in Attendance._meta.concrete_fields:
        assert getattr(held, field.attname) == getattr(stored, field.attname), field.name
    assert held.checked_in_at.tzinfo is not None
    assert read.tally_state() == registration.tally_state()
    assert read.phone == "0912345678"  # a field the scan does not read comes on use

    other_session = event.sessions.exclude(pk=session.pk).get()
    assert door.ticket_registration(registration.uuid, other_session).door_attendance is None
    assert door.ticket_registration(uuid.uuid4(), session) is None
    unitless = RegistrationFactory(event=event, org_unit=None)
    with CaptureQueriesContext(connection) as queries:
        assert door.ticket_registration(unitless.uuid, session).org_unit is None
    assert len(queries) == 1


def test_the_session_read_carries_the_saved_organisers_for_the_policy(
    event, session, organiser, make_staff, danang, django_assert_num_queries
):
    other_organiser = make_staff(Role.ORGANISER)
    admin = make_staff(Role.ADMIN)
    coordinator = make_staff(Role.COORDINATOR, unit=danang)
    with django_assert_num_queries(1):
        read = door.scan_session(event.pk, session.pk)
    assert (read.pk, read.event_id, read.title, read.starts_at, read.ends_at) == (
        session.pk,
        event.pk,
        session.title,
        session.starts_at,
        session.ends_at,
    )
    assert read.event.pk == event.pk and read.event.late_after_minutes == event.late_after_minutes
    assert read.event.saved_organiser_ids == {organiser.pk}
    assert can_check_in(organiser, read) and can_check_in(admin, read)
    assert not can_check_in(other_organiser, read) and not can_check_in(coordinator, read)
    assert door.scan_session(event.pk + 1000, session.pk) is None

    # What was saved decides, never the page's unsaved edit.
    page = EventPage.objects.get(pk=event.pk)
    page.organisers.add(other_organiser)
    assert not can_check_in(other_organiser, door.scan_session(event.pk, session.pk))
    page.save()
    assert can_check_in(other_organiser, door.scan_session(event.pk, session.pk))
    both = door.scan_session(event.pk, session.pk)
    assert both.event.saved_organiser_ids == {organiser.pk, other_organiser.pk}


def test_an_organiser_taken_off_the_event_cannot_scan_at_once(organiser_client, event, session, organiser):
    registration = RegistrationFactory(event=event)
    assert _scan(organiser_client, event, session, token=ticket_token(registration.uuid))[0] == 200
    EventPage.organisers.through.objects.filter(eventpage_id=event.pk, user_id=organiser.pk).delete()
    other = RegistrationFactory(event=event)
    assert _scan(organiser_client, event, session, token=ticket_token(other.uuid))[0] == 403
    assert not Attendance.objects.filter(registration=other).exists()


def test_a_check_in_by_search_reads_the_registration_the_same_way(organiser_client, event, session):
    registration = RegistrationFactory(event=event, full_name="Lê Thị Tìm")
    answer = _scan(organiser_client, event, session, registration=str(registration.uuid), nonce="s1")[1]
    assert (answer["outcome"], answer["name"]) == ("ok", "Lê Thị Tìm")
    assert Attendance.objects.get(registration=registration).method == "search"
    again = _scan(organiser_client, event, session, registration=str(registration.uuid), nonce="s2")[1]
    assert again["outcome"] == "duplicate"
    status, answer = _scan(organiser_client, event, session, registration=str(uuid.uuid4()))
    assert (status, answer["outcome"]) == (404, "unknown")
    foreign = RegistrationFactory()
    answer = _scan(organiser_client, event, session, registration=str(foreign.uuid))[1]
    assert (answer["outcome"], answer["name"]) == ("other_event", "")


@pytest.mark.parametrize("confirmed", [True, False])
def test_the_tally_of_a_first_scan_counts_confirmed_delegates_only(event, session, organiser, confirmed):
    registration = RegistrationFactory(event=event)
    if not confirmed:
        Registration.objects.filter(pk=registration.pk).update(status="waitlisted", seat=None)
        registration.refresh_from_db()
    added = tallies.attendance_added(registration, session.pk, "present")
    assert sum(added.values()) == (1 if confirmed else 0)
    with pytest.raises(ValueError, match="tally fields"):
        tallies.attendance_added(Registration.objects.only("pk").get(pk=registration.pk), session.pk, "present")


def test_the_scan_form_shares_its_fields_and_cleans_each_scan_on_its_own():
    from events.forms import CheckInForm

    too_long = CheckInForm({"token": "t", "nonce": "x" * 65})
    good = CheckInForm({"token": "t", "status": "late", "confirm": "on", "device": " door-1 "})
    assert too_long.fields["nonce"] is good.fields["nonce"] is CheckInForm.base_fields["nonce"]
    assert not too_long.is_valid() and list(too_long.errors) == ["nonce"]
    assert good.is_valid() and not good.errors
    assert (good.cleaned_data["status"], good.cleaned_data["confirm"], good.cleaned_data["device"]) == (
        "late",
        True,
        "door-1",
    )
    assert not CheckInForm({"status": "gone"}).is_valid()
    assert CheckInForm({"token": "t"}).is_valid()


# serialized_rollback: the data migrations' rows (home page, index pages) come back for the next test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_first_scan_is_one_unit_and_a_collision_leaves_the_connection_usable(
    event, session, organiser
):
    """Production runs the door's inserts in autocommit: on PostgreSQL one statement, its own transaction."""
    first, second = RegistrationFactory(event=event), RegistrationFactory(event=event)
    assert not connection.in_atomic_block
    ok = attendance_check_in(session=session, recorded_by=organiser, token=ticket_token(first.uuid), nonce="x")
    assert ok.outcome == "ok" and ok.attendance.pk and ok.change
    replay = attendance_check_in(session=session, recorded_by=organiser, token=ticket_token(second.uuid), nonce="x")
    assert (replay.outcome, replay.registration.pk) == ("ok", first.pk)
    assert not Attendance.objects.filter(registration=second).exists()
    assert not ModelLogEntry.objects.filter(object_id=str(second.pk)).exists()
    later = attendance_check_in(session=session, recorded_by=organiser, token=ticket_token(second.uuid), nonce="y")
    assert later.outcome == "ok" and Attendance.objects.filter(registration=second).count() == 1
    _fresh(event)
