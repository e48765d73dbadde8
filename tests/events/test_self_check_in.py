import datetime
import re

from django.utils import timezone

from events.models import Attendance, EventPage, EventSession
from events.tokens import SELF_CHECK_IN_MAX_AGE, SESSION_CODE_MAX_AGE, SESSION_CODE_REFRESH, session_code
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
    assert registration.full_name in scan.content.decode()  # who is being checked in, before the tap
    assert not Attendance.objects.exists()
    scanned = clock.now()
    clock.advance(120)  # a slow confirmation over venue Wi-Fi; the code in the address has rotated meanwhile
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
    # Too late to confirm: not an error page but the way forward, scanning the code on the screen now.
    response = client.post(url, {"confirmation": confirmation})
    assert response.status_code == 200
    assert "The code on the screen has changed" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_previous_codes_are_still_accepted_and_an_older_one_asks_to_scan_again(client, event, clock):
    session = _now_session(event)
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    code = session_code(session.pk)
    # The projector has moved on twice: the code scanned just before still works.
    clock.advance(2 * SESSION_CODE_REFRESH + 5)
    assert 'name="confirmation"' in client.get(f"/events/s/{code}/").content.decode()
    clock.advance(SESSION_CODE_MAX_AGE)
    response = client.get(f"/events/s/{code}/")
    # Not a bare 400: the session is named and the delegate told to scan the code on the screen now.
    assert response.status_code == 200
    content = response.content.decode()
    assert "The code on the screen has changed" in content
    assert session.title in content
    assert 'name="confirmation"' not in content
    assert not Attendance.objects.exists()
    # Scanning the code on the screen now works at once: nothing was lost.
    fresh = f"/events/s/{session_code(session.pk)}/"
    assert client.post(fresh, {"confirmation": _confirmation(client.get(fresh))}).status_code == 200
    assert Attendance.objects.filter(registration=registration, session=session).exists()


def test_a_forged_code_is_refused(client, event):
    session = _now_session(event)
    client.force_login(RegistrationFactory(event=event).user)
    response = client.get(f"/events/s/{session_code(session.pk)}x/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_code_is_refused_outside_the_session_window_and_to_strangers(client, event):
    session = event.sessions.order_by("starts_at").last()  # in an hour: the door is not open yet
    registration = RegistrationFactory(event=event)
    client.force_login(registration.user)
    url = f"/events/s/{session_code(session.pk)}/"
    assert client.post(url, {"confirmation": _confirmation(client.get(url))}).status_code == 400
    session = _now_session(event)
    client.force_login(UserFactory())
    url = f"/events/s/{session_code(session.pk)}/"
    # No confirmation button for someone who is not registered: told at once.
    response = client.get(url)
    assert response.status_code == 400
    assert "not registered" in response.content.decode()
    assert client.post(url, {"confirmation": "anything"}).status_code == 400
    assert not Attendance.objects.exists()


def test_an_unknown_phone_is_told_how_instead_of_being_sent_to_sign_in(client, event):
    session = _now_session(event)
    url = f"/events/s/{session_code(session.pk)}/"
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "personal check-in link" in content
    assert f"/accounts/login/?next={url.replace(':', '%3A')}" in content
    assert not Attendance.objects.exists()


def test_the_projector_page_shows_only_the_session_the_code_and_the_count(
    organiser_client, event, django_assert_max_num_queries
):
    session = _now_session(event)
    url = f"/events/manage/{event.pk}/sessions/{session.pk}/projector/"
    with django_assert_max_num_queries(40) as few:
        response = organiser_client.get(url)
    content = response.content.decode()
    assert response.status_code == 200
    assert session.title in content
    assert "site-header" not in content and "Sign out" not in content
    assert 'class="projector-count' in content and "0<span" in content
    # The code carries the full quiet zone of 4 modules: the drawing starts 4 modules in.
    assert re.search(r'<path d="M4,4H5V5H4z', content)
    for n in range(20):
        RegistrationFactory(event=event, seat=10 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        organiser_client.get(url)
    # htmx asks for the code and the count apart: each a fragment, not the page.
    code = organiser_client.get(url, {"part": "code"}, HTTP_HX_REQUEST="true").content.decode()
    assert code.startswith('<div class="projector-qr"') and "<svg" in code and "<html" not in code
    count = organiser_client.get(url, {"part": "count"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="projector-count"' in count and "/20" in count and "<svg" not in count
