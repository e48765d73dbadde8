import datetime
import re

from django.utils import timezone

from events.models import Attendance, EventPage, EventSession
from events.tokens import SELF_CHECK_IN_MAX_AGE, SESSION_CODE_MAX_AGE, session_code
from tests.factories import RegistrationFactory, UserFactory


def _now_session(event) -> EventSession:
    session = event.sessions.order_by("starts_at").first()
    now = timezone.now()
    EventSession.objects.filter(pk=session.pk).update(
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=1)
    )
    EventPage.objects.filter(pk=event.pk).update(starts_at=now - datetime.timedelta(minutes=10))
    session.refresh_from_db()
    return session


def _confirmation(response) -> str:
    return re.search(r'name="confirmation" value="([^"]+)"', response.content.decode()).group(1)


def test_registered_participant_checks_in_with_the_projector_code(client, event, clock):
    session = _now_session(event)
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    url = f"/events/s/{session_code(session.pk)}/"
    scan = client.get(url)
    # Opening the link (or a preview fetching it) records nothing: the participant confirms.
    assert scan.status_code == 200
    assert session.title in scan.content.decode()
    assert not Attendance.objects.exists()
    scanned = clock.now()
    clock.advance(120)  # a slow confirmation over venue Wi-Fi
    response = client.post(url, {"confirmation": _confirmation(scan)})
    assert response.status_code == 200
    attendance = Attendance.objects.get(registration=registration, session=session)
    assert attendance.method == "self"
    assert attendance.checked_in_at == scanned  # the time of the scan, not of the confirmation
    # A second confirmation (double tap) keeps the one record.
    again = client.post(url, {"confirmation": _confirmation(scan)})
    assert "Already checked in" in again.content.decode()
    assert Attendance.objects.count() == 1


def test_a_confirmation_is_not_for_another_phone_nor_for_later(client, event, clock):
    session = _now_session(event)
    mine, theirs = RegistrationFactory(event=event), RegistrationFactory(event=event)
    client.force_login(mine.user)
    url = f"/events/s/{session_code(session.pk)}/"
    confirmation = _confirmation(client.get(url))
    client.force_login(theirs.user)
    assert client.post(url, {"confirmation": confirmation}).status_code == 400
    assert client.post(url, {"confirmation": confirmation + "x"}).status_code == 400
    client.force_login(mine.user)
    clock.advance(SELF_CHECK_IN_MAX_AGE + 1)
    response = client.post(url, {"confirmation": confirmation})
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_expired_code_is_refused(client, event, clock):
    session = _now_session(event)
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    code = session_code(session.pk)
    clock.advance(SESSION_CODE_MAX_AGE + 1)
    response = client.get(f"/events/s/{code}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Attendance.objects.exists()


def test_code_is_refused_outside_the_session_window_and_to_strangers(client, event):
    session = event.sessions.order_by("starts_at").first()  # next week
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    url = f"/events/s/{session_code(session.pk)}/"
    assert client.post(url, {"confirmation": _confirmation(client.get(url))}).status_code == 400
    session = _now_session(event)
    client.force_login(UserFactory())
    url = f"/events/s/{session_code(session.pk)}/"
    response = client.post(url, {"confirmation": _confirmation(client.get(url))})
    assert response.status_code == 400
    assert "not registered" in response.content.decode()
    assert not Attendance.objects.exists()
