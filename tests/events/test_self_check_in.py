import datetime
from unittest import mock

from django.utils import timezone

from events.models import Attendance, EventPage, EventSession
from events.tokens import SESSION_CODE_MAX_AGE, session_code
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


def test_registered_participant_checks_in_with_the_projector_code(client, event):
    session = _now_session(event)
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    response = client.get(f"/events/s/{session_code(session.pk)}/")
    assert response.status_code == 200
    assert Attendance.objects.get(registration=registration, session=session).method == "self"


def test_an_expired_code_is_refused(client, event):
    session = _now_session(event)
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    code = session_code(session.pk)
    later = timezone.now().timestamp() + SESSION_CODE_MAX_AGE + 1
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.get(f"/events/s/{code}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Attendance.objects.exists()


def test_code_is_refused_outside_the_session_window_and_to_strangers(client, event):
    session = event.sessions.order_by("starts_at").first()  # next week
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    assert client.get(f"/events/s/{session_code(session.pk)}/").status_code == 400
    session = _now_session(event)
    client.force_login(UserFactory())
    response = client.get(f"/events/s/{session_code(session.pk)}/")
    assert response.status_code == 400
    assert "not registered" in response.content.decode()
    assert not Attendance.objects.exists()
