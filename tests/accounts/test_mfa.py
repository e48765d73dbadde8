import time
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.decorators import policy_required
from accounts.roles import Role
from accounts.scopes import has_role

STAFF_ROLES = [Role.EDITOR, Role.MODERATOR, Role.ORGANISER, Role.COORDINATOR, Role.ADMIN]


@pytest.fixture
def staff(make_staff, unit):
    def make(role):
        return make_staff(role, unit=unit if role == Role.COORDINATOR else None)

    return make


@pytest.mark.django_db
# Coordinators have no admin access: they get the 403 page there at once
# (tests/accounts/test_admin_door.py), and MFA on their own staff pages.
@pytest.mark.parametrize("role", [role for role in STAFF_ROLES if role != Role.COORDINATOR])
def test_staff_without_mfa_are_sent_to_set_it_up_before_the_admin(client, staff, role, password):
    user = staff(role)
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("mfa_activate_totp")
    assert "next=%2Fadmin%2Fpages%2F" in location.query
    # allauth asks for the password once more before adding an
    # authenticator; after that the set-up page opens (no redirect loop).
    reauth = client.get(response["Location"])
    assert urlsplit(reauth["Location"]).path == reverse("account_reauthenticate")
    client.post(reauth["Location"], {"password": password})
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR, Role.ORGANISER, Role.ADMIN])
def test_staff_with_mfa_reach_the_admin(client, staff, role, enable_totp):
    user = staff(role)
    enable_totp(user)
    client.force_login(user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_trainees_are_not_asked_for_mfa_and_do_not_reach_the_admin(client, trainee):
    client.force_login(trainee)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_signing_in_with_mfa_asks_for_the_code(client, staff, enable_totp, password):
    user = staff(Role.EDITOR)
    current_code = enable_totp(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_the_wagtail_admin_login_is_allauths(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")


@pytest.mark.django_db
def test_staff_cannot_remove_their_last_authenticator_app(client, staff, enable_totp):
    user = staff(Role.MODERATOR)
    enable_totp(user)
    client.force_login(user)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_policy_required_checks_the_policy_then_mfa(staff, trainee, enable_totp):
    @policy_required(lambda user: has_role(user, Role.ORGANISER))
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/staff/report/")
    request.session = {}
    request._messages = type("M", (), {"add": lambda *a, **k: None})()

    request.user = trainee
    with pytest.raises(PermissionDenied):
        view(request)

    organiser = staff(Role.ORGANISER)
    request.user = organiser
    response = view(request)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))

    enable_totp(organiser)
    assert view(request).content == b"ok"


@pytest.mark.django_db
def test_a_totp_code_is_taken_one_period_late_once_and_never_two_periods_late(client, staff, password):
    """RFC 6238 §5.2: one time step of delay for the network, and a code used once is spent."""
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

    user = staff(Role.EDITOR)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    if 30 - time.time() % 30 < 10:  # the three sign-ins below happen within one period
        time.sleep(30 - time.time() % 30 + 0.1)
    period = int(time.time()) // 30

    def sign_in(counter: int) -> str:
        client.logout()
        client.post(reverse("account_login"), {"login": user.email, "password": password})
        response = client.post(reverse("mfa_authenticate"), {"code": format_hotp_value(hotp_value(secret, counter))})
        return urlsplit(response.get("Location", "")).path if response.status_code == 302 else "refused"

    assert sign_in(period - 2) == "refused"
    assert sign_in(period - 1) not in ("refused", reverse("mfa_authenticate"))
    assert sign_in(period - 1) == "refused"  # the same code a second time
