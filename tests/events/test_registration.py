import pytest
from django.db import IntegrityError

from core.errors import ServiceError
from events.models import EventPage, Registration, UnitQuota
from events.services import registration_cancel, registration_create
from tests.factories import UserFactory


def test_seats_then_waiting_list_then_promotion(event, django_capture_on_commit_callbacks, mailoutbox):
    people = [UserFactory() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        registrations = [registration_create(event=event, user=person) for person in people]
    assert [r.status for r in registrations] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert sorted(r.seat for r in registrations[:3]) == [1, 2, 3]
    tickets = [m for m in mailoutbox if "ve-qr.png" in [name for name, *_ in m.attachments]]
    assert len(tickets) == 3  # tickets go to confirmed people only
    waiting = [m for m in mailoutbox if m not in tickets]
    assert [m.to for m in waiting] == [[people[3].email], [people[4].email]]
    assert "1" in waiting[0].body and "2" in waiting[1].body  # each is told their place

    with django_capture_on_commit_callbacks(execute=True):
        (promoted,) = registration_cancel(registration=registrations[1])
    assert promoted.pk == registrations[3].pk  # first come, first promoted
    promoted.refresh_from_db()
    assert (promoted.status, promoted.seat) == ("confirmed", 2)
    assert registrations[4].__class__.objects.get(pk=registrations[4].pk).status == "waitlisted"
    assert len(mailoutbox) == 6
    assert "ve-qr.png" in [name for name, *_ in mailoutbox[-1].attachments]
    assert mailoutbox[-1].to == [people[3].email]


def test_cancelling_a_waitlisted_place_promotes_nobody(event):
    people = [UserFactory() for _ in range(4)]
    registrations = [registration_create(event=event, user=person) for person in people]
    assert registration_cancel(registration=registrations[3]) == []
    with pytest.raises(ServiceError) as error:
        registration_cancel(registration=registrations[3])
    assert error.value.code == "already_cancelled"


def test_registering_twice_is_refused_but_after_cancel_allowed(event, trainee):
    first = registration_create(event=event, user=trainee)
    with pytest.raises(ServiceError) as error:
        registration_create(event=event, user=trainee)
    assert error.value.code == "already_registered"
    registration_cancel(registration=first)
    assert registration_create(event=event, user=trainee).status == "confirmed"


def test_the_database_refuses_a_second_holder_of_a_seat(event):
    registration_create(event=event, user=UserFactory())
    with pytest.raises(IntegrityError):
        Registration.objects.create(event=event, user=UserFactory(), full_name="X", status="confirmed", seat=1)


def test_self_registration_only_in_open_mode(event, trainee):
    EventPage.objects.filter(pk=event.pk).update(registration_mode=EventPage.Mode.INVITATION)
    event.refresh_from_db()
    with pytest.raises(ServiceError) as error:
        registration_create(event=event, user=trainee)
    assert error.value.code == "registration_by_invitation"


def test_unit_quota_sends_the_extra_person_to_the_waiting_list(event, danang):
    EventPage.objects.filter(pk=event.pk).update(registration_mode=EventPage.Mode.QUOTA)
    event.refresh_from_db()
    UnitQuota.objects.create(event=event, unit=danang, seats=1)
    first = registration_create(event=event, user=UserFactory(org_unit=danang), source="coordinator")
    second = registration_create(event=event, user=UserFactory(org_unit=danang), source="coordinator")
    assert (first.status, second.status) == ("confirmed", "waitlisted")


def test_self_registration_view_and_ticket(client, event, trainee, django_capture_on_commit_callbacks):
    client.force_login(trainee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/{event.pk}/register/", {"full_name": "Nguyễn  Thị Hoa", "phone": "0912345678"})
    registration = Registration.objects.get(event=event, user=trainee)
    assert response.url == f"/events/tickets/{registration.uuid}/"
    assert registration.full_name == "Nguyễn Thị Hoa"
    page = client.get(response.url).content.decode()
    assert "<svg" in page and "Nguyễn Thị Hoa" in page
    assert 'style="' not in page
    # Cancelling asks first: the page, then a POST without the confirmation, change nothing.
    cancel_url = f"/events/tickets/{registration.uuid}/cancel/"
    assert cancel_url in page
    assert client.get(cancel_url).status_code == 200
    assert client.post(cancel_url).status_code == 200
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    client.post(cancel_url, {"confirm": "cancel"})
    registration.refresh_from_db()
    assert registration.status == "cancelled"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_racing_for_the_last_seat(event):
    import threading

    from django.db import connection

    from tests.conftest import require_service

    if connection.vendor != "postgresql":
        require_service("PostgreSQL")
    EventPage.objects.filter(pk=event.pk).update(capacity=1)
    people = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    results = []

    def register(person):
        from django.db import connections

        try:
            barrier.wait()
            results.append(registration_create(event=EventPage.objects.get(pk=event.pk), user=person).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["confirmed", "waitlisted"]
    assert Registration.objects.filter(event=event, status="confirmed").count() == 1


def test_promotion_skips_people_whose_unit_quota_is_full(event, danang):
    from tests.factories import OrgUnitFactory

    hue = OrgUnitFactory(code="HUE-STTTT")
    EventPage.objects.filter(pk=event.pk).update(registration_mode=EventPage.Mode.QUOTA, capacity=3)
    event.refresh_from_db()
    UnitQuota.objects.create(event=event, unit=danang, seats=1)
    UnitQuota.objects.create(event=event, unit=hue, seats=3)

    def nominate(unit):
        return registration_create(event=event, user=UserFactory(org_unit=unit), source="coordinator")

    danang_1, danang_2 = nominate(danang), nominate(danang)
    hue_1, hue_2, hue_3 = nominate(hue), nominate(hue), nominate(hue)
    assert [r.status for r in (danang_1, danang_2, hue_1, hue_2, hue_3)] == [
        "confirmed",
        "waitlisted",  # Đà Nẵng's one seat is taken
        "confirmed",
        "confirmed",
        "waitlisted",  # the event is full
    ]
    (promoted,) = registration_cancel(registration=hue_1)
    assert promoted.pk == hue_3.pk  # first on the list, but Đà Nẵng's quota is still used up
    danang_2.refresh_from_db()
    assert danang_2.status == "waitlisted"


def test_no_cancellation_once_the_event_is_over(event, trainee):
    import datetime

    from django.utils import timezone

    registration = registration_create(event=event, user=trainee)
    with pytest.raises(ServiceError) as error:
        registration_cancel(registration=registration, now=timezone.now() + datetime.timedelta(days=3))
    assert error.value.code == "event_over"
    registration.refresh_from_db()
    assert registration.status == "confirmed"
