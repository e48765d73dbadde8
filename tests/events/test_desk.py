"""The registration desk: the waiting list's rules, every change audited, the pages organisers and coordinators use."""

import datetime
import io

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from core.errors import ServiceError
from events import services
from events.imports import registration_import_commit, registration_import_preview, restored_phone
from events.models import Attendance, EventPage, EventSession, Registration, UnitQuota
from tests.factories import EventSessionFactory, OrgUnitFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hue(danang):
    unit = OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")
    danang.refresh_from_db()  # units are kept sorted by name: Huế moved Đà Nẵng's path
    return unit


def _quota_mode(event, capacity, quotas):
    EventPage.objects.filter(pk=event.pk).update(registration_mode=EventPage.Mode.QUOTA, capacity=capacity)
    event.refresh_from_db()
    for unit, seats in quotas.items():
        UnitQuota.objects.create(event=event, unit=unit, seats=seats)


def _add(event, unit, **kwargs):
    return services.registration_create(event=event, user=UserFactory(org_unit=unit), source="coordinator", **kwargs)


def _status(*registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def _actions(registration):
    return list(
        ModelLogEntry.objects.filter(object_id=str(registration.pk), content_type__model="registration")
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


# --- the waiting list's rules ---------------------------------------------------------------


def test_quota_mode_seats_sub_units_and_units_without_a_quota_while_seats_are_free(event, danang, hue):
    """The bug seen: people waitlisted in quota mode while most seats were empty."""
    section = OrgUnitFactory(code="DANANG-VP", name="Văn phòng Sở", parent=danang)
    other = OrgUnitFactory(code="QNAM-STTTT", name="Sở Thông tin và Truyền thông Quảng Nam")
    danang.refresh_from_db()
    _quota_mode(event, 10, {danang: 2, hue: 2})
    section.refresh_from_db()
    people = [_add(event, section), _add(event, danang), _add(event, danang), _add(event, other)]
    # The section counts under Đà Nẵng's quota (2); Quảng Nam has none, so only the capacity limits it.
    assert [r.status for r in people] == ["confirmed", "confirmed", "waitlisted", "confirmed"]


def test_raising_a_quota_or_the_capacity_moves_the_waiting_list_at_once(event, danang, hue, organiser):
    _quota_mode(event, 4, {danang: 1, hue: 2})
    first, second, third = _add(event, danang), _add(event, danang), _add(event, danang)
    assert _status(first, second, third) == ["confirmed", "waitlisted", "waitlisted"]
    promoted = services.quota_set(event=event, actor=organiser, unit=danang, seats=2)
    assert [r.pk for r in promoted] == [second.pk]  # first come, first served
    with pytest.raises(ServiceError) as error:
        services.quota_set(event=event, actor=organiser, unit=danang, seats=3)  # 3 + 2 > capacity 4
    assert error.value.code == "quotas_over_capacity"
    promoted = services.event_settings_update(
        event=event,
        actor=organiser,
        capacity=5,
        registration_mode=EventPage.Mode.OPEN,
        registration_opens=None,
        registration_closes=None,
    )
    assert [r.pk for r in promoted] == [third.pk]  # the mode changed: quotas no longer hold anyone back
    assert "events.registration.promote" in _actions(third)


def test_a_newcomer_never_takes_a_seat_ahead_of_someone_waiting(event, danang, hue, organiser):
    """The bug seen: after switching to invitation mode, new imports took seats ahead of 13 people waiting."""
    _quota_mode(event, 4, {danang: 1})
    waiting = [_add(event, danang), _add(event, danang), _add(event, danang)]
    assert _status(*waiting) == ["confirmed", "waitlisted", "waitlisted"]
    # The mode changes behind the desk's back (no promotion ran): the next registration moves the list first.
    EventPage.objects.filter(pk=event.pk).update(registration_mode=EventPage.Mode.INVITATION)
    newcomer = _add(event, hue)
    assert [r.pk for r in newcomer.promoted] == [waiting[1].pk, waiting[2].pk]
    assert newcomer.status == "confirmed"  # the fourth seat was still free
    late = _add(event, hue)
    assert late.status == "waitlisted"


def test_waitlisted_people_are_mailed_their_place_and_the_promoted_their_ticket(
    event, danang, django_capture_on_commit_callbacks, mailoutbox
):
    EventPage.objects.filter(pk=event.pk).update(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        holder, waiting = _add(event, danang), _add(event, danang)
    assert mailoutbox[-1].to == [waiting.user.email]
    assert "1" in mailoutbox[-1].body and "danh sách chờ" in mailoutbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder, reason="Bận công tác")
    assert mailoutbox[-1].to == [waiting.user.email]
    assert "danh sách chờ" in mailoutbox[-1].subject.lower() or "chỗ" in mailoutbox[-1].subject
    assert "ve-qr.png" in [name for name, *_ in mailoutbox[-1].attachments]


def test_cancel_keeps_the_reason_and_moving_to_the_waiting_list_queues_from_the_end(event, danang, organiser):
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    a, b, c = _add(event, danang), _add(event, danang), _add(event, danang)
    promoted = services.registration_waitlist(registration=a, actor=organiser)
    assert [r.pk for r in promoted] == [c.pk]
    assert _status(a, b, c) == ["waitlisted", "confirmed", "confirmed"]
    promoted = services.registration_cancel(registration=b, actor=organiser, reason="  Ốm ")
    assert [r.pk for r in promoted] == [a.pk]
    b.refresh_from_db()
    assert b.cancel_reason == "Ốm"
    entry = ModelLogEntry.objects.get(object_id=str(b.pk), action="events.registration.cancel")
    assert entry.user == organiser and entry.data["after"]["cancel_reason"] == "Ốm"


def test_an_organiser_gives_a_seat_out_of_turn_but_never_past_capacity(event, danang, organiser):
    EventPage.objects.filter(pk=event.pk).update(capacity=1)
    _add(event, danang)
    waiting = _add(event, danang)
    with pytest.raises(ServiceError) as error:
        services.registration_confirm(registration=waiting, actor=organiser)
    assert error.value.code == "event_full"
    services.event_settings_update(
        event=event,
        actor=organiser,
        capacity=2,
        registration_mode=EventPage.Mode.OPEN,
        registration_opens=None,
        registration_closes=None,
    )
    assert _status(waiting) == ["confirmed"]


def test_substitution_passes_on_seat_and_history_and_replaces_the_ticket(
    event, session, danang, hue, organiser, django_capture_on_commit_callbacks, mailoutbox
):
    registration = _add(event, danang)
    Attendance.objects.create(
        registration=registration, session=session, status="present", checked_in_at=timezone.now()
    )
    old_ticket, seat = registration.uuid, registration.seat
    with pytest.raises(ServiceError) as error:
        services.registration_substitute(registration=registration, person=UserFactory(org_unit=hue), actor=organiser)
    assert error.value.code == "other_unit"
    newcomer = UserFactory(org_unit=danang, full_name="Trần Thị Bình")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_substitute(registration=registration, person=newcomer, actor=organiser)
    registration.refresh_from_db()
    assert (registration.user, registration.full_name, registration.seat) == (newcomer, "Trần Thị Bình", seat)
    assert registration.uuid != old_ticket
    assert registration.attendances.count() == 1
    assert _actions(registration)[-1] == "events.registration.substitute"
    assert mailoutbox[-1].to == [newcomer.email]


def test_a_coordinator_acts_only_on_their_units_people(event, danang, hue, make_staff):
    coordinator = make_staff(Role.COORDINATOR, unit=danang, org_unit=danang)
    own, theirs = _add(event, danang), _add(event, hue)
    services.registration_update(
        registration=own, actor=coordinator, full_name="Nguyễn Văn Ân", org_unit=danang, position="", phone="0905"
    )
    for action in (
        lambda: services.registration_update(
            registration=theirs, actor=coordinator, full_name="X", org_unit=hue, position="", phone=""
        ),
        lambda: services.registration_update(
            registration=own, actor=coordinator, full_name="X", org_unit=hue, position="", phone=""
        ),
        lambda: services.registration_cancel(registration=theirs, actor=coordinator),
        lambda: services.registration_substitute(
            registration=theirs, person=UserFactory(org_unit=hue), actor=coordinator
        ),
        lambda: services.registration_resend_ticket(registration=theirs, actor=coordinator),
        lambda: services.registration_waitlist(registration=own, actor=coordinator),
        lambda: services.quota_set(event=event, actor=coordinator, unit=danang, seats=50),
    ):
        with pytest.raises(ServiceError) as error:
            action()
        assert error.value.code == "forbidden"
    own.refresh_from_db()
    assert own.full_name == "Nguyễn Văn Ân"


# --- operational settings -------------------------------------------------------------------


def test_settings_refuse_a_reversed_window_a_capacity_below_the_seated_and_sessions_outside_the_event(
    event, danang, organiser, session
):
    _add(event, danang), _add(event, danang)
    settings = {"event": event, "actor": organiser, "registration_mode": "open"}
    cases = [
        ({"capacity": 1, "registration_opens": None, "registration_closes": None}, "capacity_below_confirmed"),
        (
            {
                "capacity": 5,
                "registration_opens": event.starts_at,
                "registration_closes": event.starts_at - datetime.timedelta(days=1),
            },
            "window_reversed",
        ),
    ]
    for values, code in cases:
        with pytest.raises(ServiceError) as error:
            services.event_settings_update(**settings, **values)
        assert error.value.code == code
    with pytest.raises(ServiceError) as error:
        services.session_save(
            event=event,
            actor=organiser,
            title="Ngoài giờ",
            starts_at=event.ends_at,
            ends_at=event.ends_at + datetime.timedelta(hours=1),
        )
    assert error.value.code == "session_outside_event"
    Attendance.objects.create(
        registration=RegistrationFactory(event=event, seat=99),
        session=session,
        status="present",
        checked_in_at=timezone.now(),
    )
    with pytest.raises(ServiceError) as error:
        services.session_delete(session=session, actor=organiser)
    assert error.value.code == "session_attended"
    spare = EventSessionFactory(event=event)
    services.session_delete(session=spare, actor=organiser)
    assert not EventSession.objects.filter(pk=spare.pk).exists()


def test_publishing_any_revision_keeps_the_live_operational_settings(event, organiser):
    event.save_revision().publish()
    old = event.get_latest_revision()
    services.event_settings_update(
        event=event,
        actor=organiser,
        capacity=250,
        registration_mode=EventPage.Mode.INVITATION,
        registration_opens=None,
        registration_closes=None,
    )
    second = UserFactory()
    services.event_organiser_add(event=event, actor=organiser, person=_organiser(second))
    old.publish()  # an old revision, e.g. by a moderator approving an earlier draft
    event = EventPage.objects.get(pk=event.pk)
    assert (event.capacity, event.registration_mode) == (250, "invitation")
    assert set(event.organisers.values_list("pk", flat=True)) == {organiser.pk, second.pk}


def _organiser(user):
    from accounts.services import user_assign_role

    user_assign_role(user=user, role=Role.ORGANISER)
    return user


def _page_form(event, **overrides):
    from wagtail.test.utils.form_data import nested_form_data, rich_text

    fields = {
        "title": event.title,
        "slug": event.slug,
        "description": rich_text("<p>Hội nghị tập huấn.</p>"),
        "venue": event.venue,
        "address": event.address,
        "starts_at": timezone.localtime(event.starts_at).strftime("%d/%m/%Y %H:%M"),
        "ends_at": timezone.localtime(event.ends_at).strftime("%d/%m/%Y %H:%M"),
        "organising_unit": "",
        "audience": "",
        "pre_reading": "",
        "late_after_minutes": 15,
        "certificate_rule": "attendance",
        "min_attendance_percent": 80,
        "post_test": "",
        "hours": "0",
        "certificate_template": "",
        "place": "",
        "issuing_body_parent": "",
        "issuing_body": "",
        "signatory_title": "",
        "signatory_name": "",
        "signature_image": "",
        "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
    }
    fields.update(overrides)
    return nested_form_data(fields)


def test_creating_an_event_makes_its_creator_an_organiser_and_its_form_refuses_sessions_outside_it(
    client, make_staff, enable_totp, event, session
):
    from tests.factories import EventPageFactory

    creator = make_staff(Role.ORGANISER)
    enable_totp(creator)
    client.force_login(creator)
    client.cookies["django_language"] = "vi"
    index = event.get_parent()
    draft = EventPageFactory.build(slug="hoi-nghi-moi", title="Hội nghị mới")
    response = client.post(f"/admin/pages/add/events/eventpage/{index.pk}/", _page_form(draft))
    assert response.status_code == 302, response.content.decode()[:2000]
    created = EventPage.objects.get(slug="hoi-nghi-moi")
    assert list(created.organisers.all()) == [creator]
    creator.organised_events.add(event)
    later = timezone.localtime(event.starts_at + datetime.timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    response = client.post(f"/admin/pages/{event.pk}/edit/", _page_form(event, starts_at=later, ends_at=later))
    page = response.content.decode()
    assert response.status_code == 200
    assert "nằm ngoài thời gian của hội nghị" in page
    assert "Constraint" not in page


# --- imports --------------------------------------------------------------------------------


def test_a_phone_that_lost_its_leading_zero_is_restored_only_when_it_is_a_vietnamese_number():
    assert restored_phone("912345678") == "0912345678"
    assert restored_phone("2363822222") == "02363822222"
    assert restored_phone("0912345678") is None
    assert restored_phone("12345678") is None  # not a Vietnamese number: left as typed, for the person to see
    assert restored_phone("+84912345678") is None


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Họ và tên", "Email", "Mã đơn vị", "Chức vụ", "Điện thoại"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_import_preview_shows_the_phone_repair_and_who_will_wait(event, danang, organiser):
    _quota_mode(event, 3, {danang: 1})
    data = _xlsx(
        [
            ["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", 912345678],  # a number cell
            ["Lê Thị Hoa", "hoa@example.vn", "DANANG-STTTT", "", "0905123456"],
        ]
    )
    preview = registration_import_preview(event=event, file=data, filename="ds.xlsx", by=organiser)
    first, second = preview.rows
    assert (first.phone_typed, first.phone) == ("912345678", "0912345678")
    assert (first.placement, second.placement) == ("confirmed", "quota")
    report = registration_import_commit(event=event, rows=preview.payload()["rows"], by=organiser)
    assert (report.confirmed, report.waitlisted) == (1, 1)
    assert Registration.objects.get(user__email="an@example.vn").phone == "0912345678"
    kept = registration_import_commit(
        event=event,
        rows=[dict(preview.payload()["rows"][0], email="an2@example.vn")],
        by=organiser,
        keep_phones_as_typed=True,
    )
    assert kept.waitlisted == 1
    assert Registration.objects.get(user__email="an2@example.vn").phone == "912345678"


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def coordinator_client(client, make_staff, enable_totp, danang):
    coordinator = make_staff(Role.COORDINATOR, unit=danang, org_unit=danang)
    enable_totp(coordinator)
    client.force_login(coordinator)
    return client


def _registered(event, unit, name):
    return services.registration_create(
        event=event, user=UserFactory(org_unit=unit, full_name=name), full_name=name, source="import"
    )


def test_the_desk_searches_without_accents_and_filters(organiser_client, event, danang, hue):
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    _registered(event, danang, "Nguyễn Văn Ân")
    _registered(event, hue, "Trần Thị Bình")
    _registered(event, hue, "Lê Văn Cường")  # waits
    url = f"/events/manage/{event.pk}/registrations/"
    page = organiser_client.get(url, {"q": "da nang"}).content.decode()
    assert "Nguyễn Văn Ân" in page and "Trần Thị Bình" not in page
    page = organiser_client.get(url, {"q": "nguyen van an"}).content.decode()
    assert "Nguyễn Văn Ân" in page
    page = organiser_client.get(url, {"status": "waitlisted"}).content.decode()
    assert "Lê Văn Cường" in page and "Nguyễn Văn Ân" not in page and "Waiting #1" in page


def test_a_coordinator_sees_exports_and_opens_only_their_units_people(coordinator_client, event, danang, hue):
    from openpyxl import load_workbook

    own = _registered(event, danang, "Nguyễn Văn Ân")
    theirs = _registered(event, hue, "Trần Thị Bình")
    url = f"/events/manage/{event.pk}/registrations/"
    page = coordinator_client.get(url).content.decode()
    assert "Nguyễn Văn Ân" in page and "Trần Thị Bình" not in page
    assert coordinator_client.get(f"{url}{own.uuid}/").status_code == 200
    assert coordinator_client.get(f"{url}{theirs.uuid}/").status_code == 404
    # A ticked person of another unit is not acted on, whatever the form says.
    coordinator_client.post(url, {"action": "cancel", "r": [theirs.uuid], "confirmed": "1"})
    assert _status(theirs) == ["confirmed"]
    response = coordinator_client.get(f"/events/manage/{event.pk}/registrations.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Nguyễn Văn Ân"]
    # The coordinator's "Manage" link leads to their desk, not to a 403.
    listing = coordinator_client.get("/events/manage/").content.decode()
    assert url in listing


def test_cancelling_from_the_desk_asks_first_then_says_who_moved_up(organiser_client, event, danang):
    EventPage.objects.filter(pk=event.pk).update(capacity=1)
    holder = _registered(event, danang, "Nguyễn Văn Ân")
    waiting = _registered(event, danang, "Trần Thị Bình")
    url = f"/events/manage/{event.pk}/registrations/"
    response = organiser_client.post(url, {"action": "cancel", "r": [holder.uuid]})
    assert response.status_code == 200 and "Cancel these registrations?" in response.content.decode()
    assert _status(holder) == ["confirmed"]
    response = organiser_client.post(
        url, {"action": "cancel", "r": [holder.uuid], "confirmed": "1", "reason": "Đi công tác"}, follow=True
    )
    page = response.content.decode()
    assert _status(holder, waiting) == ["cancelled", "confirmed"]
    assert "Moved from the waiting list" in page and "Trần Thị Bình" in page
    history = organiser_client.get(f"{url}{holder.uuid}/").content.decode()
    assert "Đi công tác" in history and organiser_client.session  # the reason shows in the history


def test_adding_one_person_by_type_ahead_or_creating_them(organiser_client, event, danang):
    UserFactory(full_name="Phạm Đức Thắng", org_unit=danang, email="thang@example.vn")
    fragment = organiser_client.get(
        f"/events/manage/{event.pk}/registrations/people/", {"q": "duc thang", "for": "add"}
    ).content.decode()
    assert "Phạm Đức Thắng" in fragment and "thang@example.vn" in fragment
    person = Registration.objects.model._meta.get_field("user").related_model.objects.get(email="thang@example.vn")
    organiser_client.post(f"/events/manage/{event.pk}/nominate/", {"user": person.pk})
    assert Registration.objects.filter(event=event, user=person, status="confirmed").exists()
    response = organiser_client.post(
        f"/events/manage/{event.pk}/nominate/",
        {"action": "create", "full_name": "Võ  Thị Sáu", "email": "sau@example.vn", "org_unit": "da nang"},
    )
    assert response.status_code == 200  # "da nang" is not a code nor the unit's full name: asked again
    response = organiser_client.post(
        f"/events/manage/{event.pk}/nominate/",
        {"action": "create", "full_name": "Võ  Thị Sáu", "email": "sau@example.vn", "org_unit": "danang-stttt"},
    )
    assert response.status_code == 302
    created = Registration.objects.get(event=event, user__email="sau@example.vn")
    assert (created.full_name, created.org_unit) == ("Võ Thị Sáu", danang)
    units = organiser_client.get(f"/events/manage/{event.pk}/registrations/units/", {"q": "da nang"}).content
    assert b"DANANG-STTTT" in units


def test_a_coordinator_over_quota_is_told_before_and_after(coordinator_client, event, danang):
    _quota_mode(event, 10, {danang: 1})
    _registered(event, danang, "Nguyễn Văn Ân")
    page = coordinator_client.get(f"/events/manage/{event.pk}/nominate/").content.decode()
    assert "1 of 1 used, 0 left" in page
    page = coordinator_client.get(f"/events/manage/{event.pk}/import/").content.decode()
    assert "1 of 1 used, 0 left" in page
    person = UserFactory(org_unit=danang)
    response = coordinator_client.post(f"/events/manage/{event.pk}/nominate/", {"user": person.pk}, follow=True)
    assert "the unit&#x27;s quota is used up" in response.content.decode()


def test_settings_page_changes_capacity_at_once_and_names_who_moved(organiser_client, event, danang):
    EventPage.objects.filter(pk=event.pk).update(capacity=1)
    _registered(event, danang, "Nguyễn Văn Ân")
    _registered(event, danang, "Trần Thị Bình")
    response = organiser_client.post(
        f"/events/manage/{event.pk}/settings/",
        {
            "form": "settings",
            "capacity": 2,
            "registration_mode": "open",
            "registration_opens": "",
            "registration_closes": "",
        },
        follow=True,
    )
    assert "Trần Thị Bình" in response.content.decode()
    response = organiser_client.post(
        f"/events/manage/{event.pk}/settings/",
        {
            "form": "settings",
            "capacity": 2,
            "registration_mode": "open",
            "registration_opens": "20/08/2015 08:00",
            "registration_closes": "10/08/2015 08:00",
        },
    )
    assert "Registration cannot close before it opens." in response.content.decode()
    response = organiser_client.post(
        f"/events/manage/{event.pk}/settings/",
        {
            "form": "session",
            "title": "Hỏi đáp",
            "starts_at": "01/01/2001 08:00",
            "ends_at": "01/01/2001 09:00",
            "required": "on",
        },
    )
    assert "A session must fall within the event" in response.content.decode()


def test_the_desk_reads_in_a_constant_number_of_queries(
    organiser_client, event, session, danang, hue, django_assert_max_num_queries
):
    url = f"/events/manage/{event.pk}/registrations/"
    EventPage.objects.filter(pk=event.pk).update(capacity=100)
    for index in range(3):
        _registered(event, danang if index % 2 else hue, f"Người {index}")
    organiser_client.get(url)
    with django_assert_max_num_queries(40) as few:
        organiser_client.get(url)
    for index in range(30):
        registration = _registered(event, danang if index % 2 else hue, f"Đại biểu {index}")
        Attendance.objects.create(
            registration=registration, session=session, status="present", checked_in_at=timezone.now()
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        organiser_client.get(url)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_cancellations_at_once_promote_two_different_people(event, danang):
    import threading

    from django.db import connection, connections

    from tests.conftest import require_service

    if connection.vendor != "postgresql":
        require_service("PostgreSQL")
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    holders = [_add(event, danang), _add(event, danang)]
    waiting = [_add(event, danang), _add(event, danang)]
    barrier = threading.Barrier(2)
    promoted = []

    def cancel(registration):
        try:
            barrier.wait()
            promoted.extend(r.pk for r in services.registration_cancel(registration=registration))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=(holder,)) for holder in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(promoted) == sorted(r.pk for r in waiting)
    seats = list(Registration.objects.filter(event=event, status="confirmed").values_list("seat", flat=True))
    assert sorted(seats) == [1, 2]


def test_the_desk_never_sends_anyone_off_site_after_an_action(organiser_client, event, danang):
    registration = _registered(event, danang, "Nguyễn Văn Ân")
    url = f"/events/manage/{event.pk}/registrations/"
    response = organiser_client.post(url, {"action": "resend", "r": [registration.uuid], "next": "//evil.example/"})
    assert response.url == url


def test_deleting_a_session_asks_first_and_refuses_one_with_check_ins(organiser_client, event, organiser):
    from events.models import Attendance, EventSession

    attended, spare = list(event.sessions.order_by("starts_at"))
    Attendance.objects.create(
        registration=RegistrationFactory(event=event), session=attended, status="present", checked_in_at=event.starts_at
    )
    base = f"/events/manage/{event.pk}/settings/sessions"
    # The settings page links to a confirmation, not a button that deletes.
    settings_html = organiser_client.get(f"/events/manage/{event.pk}/settings/").content.decode()
    assert f'href="{base}/{spare.pk}/delete/"' in settings_html
    assert f'href="{base}/{attended.pk}/delete/"' not in settings_html
    page = organiser_client.get(f"{base}/{spare.pk}/delete/")
    assert page.status_code == 200
    assert "Yes, delete the session" in page.content.decode()
    # A POST without the confirmation only shows the question again.
    assert organiser_client.post(f"{base}/{spare.pk}/delete/").status_code == 200
    assert EventSession.objects.filter(pk=spare.pk).exists()
    refused = organiser_client.get(f"{base}/{attended.pk}/delete/").content.decode()
    assert "cannot be deleted" in refused and "Yes, delete" not in refused
    organiser_client.post(f"{base}/{attended.pk}/delete/", {"confirm": "delete"})
    assert EventSession.objects.filter(pk=attended.pk).exists()
    response = organiser_client.post(f"{base}/{spare.pk}/delete/", {"confirm": "delete"}, follow=True)
    assert not EventSession.objects.filter(pk=spare.pk).exists()
    assert "Session deleted." in response.content.decode()


def test_the_desk_export_streams_text_as_typed_with_attendance(organiser_client, event, danang, session):
    from openpyxl import load_workbook

    person = _registered(event, danang, '=HYPERLINK("x")')
    Registration.objects.filter(pk=person.pk).update(phone="0912345678")
    services.attendance_check_in(session=session, recorded_by=None, registration=person, confirm=True)
    response = organiser_client.get(f"/events/manage/{event.pk}/registrations.xlsx")
    assert response.streaming
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I2"
    name, phone, attended = sheet["A2"], sheet["E2"], sheet["H2"]
    # Shown as typed, never run; the phone keeps its leading zero as text.
    assert (name.value, name.data_type, name.quotePrefix) == ('=HYPERLINK("x")', "s", True)
    assert (phone.value, phone.data_type) == ("0912345678", "s")
    assert attended.value == 1
