"""The personal check-in link of the ticket mail: what it lets a passwordless delegate do, and nothing more."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.services import user_create
from core.errors import ServiceError
from events import services
from events.models import Attendance, EventPage, EventSession, Registration
from events.passes import pass_path
from events.tokens import PERSONAL_LINK_SALT, check_in_pass_token, session_code
from tests.factories import EventPageFactory, EventSessionFactory, RegistrationFactory, UserFactory


@pytest.fixture
def session(event):
    session = event.sessions.order_by("starts_at").first()
    now = timezone.now()
    EventSession.objects.filter(pk=session.pk).update(
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def delegate(event, danang, organiser, django_capture_on_commit_callbacks, settings):
    """Imported by the organisers: an account without a password, registered, its ticket mailed."""
    settings.WAGTAILADMIN_BASE_URL = "https://daotao.example.vn"
    user = user_create(email="an.nguyen@example.vn", full_name="Nguyễn Văn Ân", org_unit=danang)
    assert not user.has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        return services.registration_create(
            event=event, user=user, org_unit=danang, source=Registration.Source.IMPORT, created_by=organiser
        )


def _confirmation(response) -> str:
    return re.search(r'name="confirmation" value="([^"]+)"', response.content.decode()).group(1)


def _link(registration) -> str:
    return pass_path(registration)


def test_the_ticket_mail_links_the_ticket_and_the_personal_check_in_link(delegate, mailoutbox):
    [message] = mailoutbox
    assert message.to == ["an.nguyen@example.vn"]
    assert f"https://daotao.example.vn/events/tickets/{delegate.uuid}/" in message.body
    assert f"https://daotao.example.vn{_link(delegate)}" in message.body
    assert "ve-qr.png" in [name for name, _content, _type in message.attachments]


def test_a_passwordless_delegate_opens_the_link_and_checks_in_with_one_tap(client, delegate, session, mailoutbox):
    link = urlsplit(re.search(r"https://\S+/events/p/\S+/", mailoutbox[0].body).group(0)).path
    opened = client.get(link)
    # Straight to the ticket, the secret out of the address bar; no account signed in.
    assert opened.status_code == 302
    assert opened.url == f"/events/tickets/{delegate.uuid}/"
    ticket = client.get(opened.url)
    assert ticket.status_code == 200
    assert "Nguyễn Văn Ân" in ticket.content.decode()
    assert "This phone is ready for self check-in" in ticket.content.decode()
    assert "_auth_user_id" not in client.session

    url = f"/events/s/{session_code(session.pk)}/"
    scan = client.get(url)
    assert scan.status_code == 200
    assert "Nguyễn Văn Ân" in scan.content.decode()
    response = client.post(url, {"confirmation": _confirmation(scan)})
    assert response.status_code == 200
    assert "Checked in" in response.content.decode()
    attendance = Attendance.objects.get(registration=delegate, session=session)
    assert attendance.method == Attendance.Method.SELF
    assert attendance.recorded_by == delegate.user


def test_the_link_opens_no_page_that_needs_an_account(client, delegate, event):
    other = RegistrationFactory(event=event, full_name="Trần Thị Bích", seat=2)
    client.get(_link(delegate))
    for path in ("/events/mine/", "/profile/", "/courses/mine/", "/certificates/mine/", "/events/manage/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/login/"), path
    for path in (f"/events/tickets/{delegate.uuid}/cancel/", f"/events/tickets/{delegate.uuid}/certificate/"):
        assert client.post(path).status_code == 302
    assert Registration.objects.get(pk=delegate.pk).status == Registration.Status.CONFIRMED
    assert client.get(f"/events/manage/{event.pk}/sessions/{event.sessions.first().pk}/projector/").status_code == 302
    assert client.get("/admin/").status_code == 302
    # Another delegate's ticket stays closed.
    response = client.get(f"/events/tickets/{other.uuid}/")
    assert response.status_code == 302
    assert "Trần Thị Bích" not in response.content.decode()


def test_the_signed_in_owner_sees_the_link_on_the_ticket_and_no_one_else_does(client, delegate, organiser):
    client.force_login(delegate.user)
    assert _link(delegate) in client.get(f"/events/tickets/{delegate.uuid}/").content.decode()
    client.force_login(organiser)
    response = client.get(f"/events/tickets/{delegate.uuid}/")
    assert response.status_code == 200
    assert "/events/p/" not in response.content.decode()


def test_a_cancelled_registration_revokes_its_link_even_once_opened(client, delegate, session):
    client.get(_link(delegate))
    services.registration_cancel(registration=delegate)
    assert client.get(f"/events/tickets/{delegate.uuid}/").status_code == 302  # the sign-in page, no ticket
    url = f"/events/s/{session_code(session.pk)}/"
    scan = client.get(url)
    assert 'name="confirmation"' not in scan.content.decode()
    assert "personal check-in link" in scan.content.decode()
    refused = client.get(_link(delegate))
    assert refused.status_code == 410
    assert "no longer valid" in refused.content.decode()
    assert not Attendance.objects.exists()
    # The refusal is in the registration's history, for the organisers.
    assert ModelLogEntry.objects.filter(action="events.check_in_pass.refused", object_id=str(delegate.pk)).exists()


def test_a_substitution_revokes_the_link_of_the_person_replaced(client, delegate, event):
    link = _link(delegate)
    Registration.objects.filter(pk=delegate.pk).update(user=UserFactory(full_name="Lê Văn Thế"))
    assert client.get(link).status_code == 410


def test_the_link_expires_when_the_event_is_over(client, delegate, event):
    link = _link(delegate)
    assert client.get(link).status_code == 302
    EventPage.objects.filter(pk=event.pk).update(ends_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get(f"/events/tickets/{delegate.uuid}/").status_code == 302
    assert client.get(link).status_code == 410


def test_a_link_checks_in_only_to_its_own_event(client, delegate, session):
    # The same person is registered for another conference under way, but this phone
    # holds only the link of the first: the second's code does not check them in.
    other_event = EventPageFactory(starts_at=timezone.now() - datetime.timedelta(hours=1))
    other_session = EventSessionFactory(
        event=other_event,
        starts_at=timezone.now() - datetime.timedelta(minutes=5),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    RegistrationFactory(event=other_event, user=delegate.user)
    client.get(_link(delegate))
    url = f"/events/s/{session_code(other_session.pk)}/"
    assert 'name="confirmation"' not in client.get(url).content.decode()
    assert client.post(url, {"confirmation": "x"}).status_code == 200  # told how, nothing recorded
    assert not Attendance.objects.exists()


def test_forged_links_are_refused_logged_and_rate_limited(client, delegate, caplog):
    token = check_in_pass_token(registration_uuid=delegate.uuid, user_id=delegate.user_id)
    someone_else = signing.Signer(salt="another.salt").sign_object({"r": delegate.uuid.hex, "u": delegate.user_id})
    for bad in (token[:-2] + "xx", someone_else, "abc"):
        response = client.get(f"/events/p/{bad}/")
        assert response.status_code == 410
    assert "Refused personal check-in link (forged)" in caplog.text
    for _attempt in range(17):
        client.get("/events/p/guess/")
    # Beyond 20 refusals a minute from one address, even a good link waits.
    assert client.get(f"/events/p/{token}/").status_code == 429
    assert signing.Signer(salt=PERSONAL_LINK_SALT).unsign_object(token)["r"] == delegate.uuid.hex


def test_pages_of_the_link_take_the_same_queries_as_the_event_grows(
    client, delegate, event, session, django_assert_max_num_queries
):
    client.get(_link(delegate))
    url = f"/events/s/{session_code(session.pk)}/"
    with django_assert_max_num_queries(30) as few:
        client.get(f"/events/tickets/{delegate.uuid}/")
        client.get(url)
    for n in range(30):
        RegistrationFactory(event=event, seat=100 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/events/tickets/{delegate.uuid}/")
        client.get(url)


def test_a_link_opened_weeks_ahead_is_still_held_on_the_day(client, delegate, event):
    EventPage.objects.filter(pk=event.pk).update(ends_at=timezone.now() + datetime.timedelta(days=40))
    event.refresh_from_db()
    client.get(_link(delegate))
    assert client.session.get_expiry_date() >= event.ends_at  # past the default fortnight
    assert client.get(f"/events/tickets/{delegate.uuid}/").status_code == 200


# --- an organiser revokes a delegate's link -----------------------------------------------


def test_an_organiser_revokes_a_link_and_a_new_one_is_mailed(
    client, delegate, session, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    old = _link(delegate)
    phone = client
    assert phone.get(old).status_code == 302  # opened once on the delegate's phone
    mailoutbox.clear()
    desk = type(client)()
    desk.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            f"/events/manage/{delegate.event_id}/registrations/{delegate.uuid}/",
            {"action": "revoke_pass", "send_new": "1"},
        )
    assert response.status_code == 302
    delegate.refresh_from_db()
    assert delegate.pass_version == 1
    # The old link is refused, with the reason, even on the phone that held it.
    refused = type(client)().get(old)
    assert refused.status_code == 410
    assert "Ban tổ chức đã thu hồi đường dẫn điểm danh này" in refused.content.decode()  # a new phone: Vietnamese
    assert phone.get(f"/events/tickets/{delegate.uuid}/").status_code in (302, 404)
    # The new link, in the new mail, works.
    [message] = mailoutbox
    new = _link(delegate)
    assert new != old
    assert f"https://daotao.example.vn{new}" in message.body
    assert type(client)().get(new).status_code == 302
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(delegate.pk)).values_list("action", flat=True).order_by("pk")
    )
    assert "events.check_in_pass.revoke" in actions
    assert "events.check_in_pass.refused" in actions


def test_only_the_events_organisers_revoke_a_link(client, delegate, make_staff, enable_totp, danang):
    from accounts.roles import Role

    coordinator = make_staff(Role.COORDINATOR, unit=danang, org_unit=danang)
    enable_totp(coordinator)
    client.force_login(coordinator)
    client.post(f"/events/manage/{delegate.event_id}/registrations/{delegate.uuid}/", {"action": "revoke_pass"})
    delegate.refresh_from_db()
    assert delegate.pass_version == 0
    assert client.get(_link(delegate)).status_code == 302


def test_links_mailed_before_revocation_existed_still_work(client, delegate):
    # Version 0 signs the same payload as before the field existed.
    token = signing.Signer(salt=PERSONAL_LINK_SALT).sign_object({"r": delegate.uuid.hex, "u": delegate.user_id})
    assert _link(delegate) == f"/events/p/{token}/"


def test_revoking_the_link_of_a_cancelled_registration_is_refused_and_changes_nothing(delegate, organiser, mailoutbox):
    services.registration_cancel(registration=delegate)
    mailoutbox.clear()
    with pytest.raises(ServiceError) as error:
        services.check_in_pass_revoke(registration=delegate, actor=organiser, send_new=True)
    assert error.value.code == "cancelled"
    delegate.refresh_from_db()
    assert delegate.pass_version == 0
    assert mailoutbox == []
    assert not ModelLogEntry.objects.filter(action="events.check_in_pass.revoke").exists()
