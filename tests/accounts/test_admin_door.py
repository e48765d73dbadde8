"""One door into the Wagtail admin: allauth's sign-in, its limits and its second factor.

Wagtail mounts its own sign-in under /admin/; a password typed there skipped
TOTP and every rate limit. These tests come in by each of the admin's doors.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory

LOGIN = reverse("account_login")


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def follow(client, url, *, limit=10):
    """GET ``url`` and follow redirects by hand: the final response and the hops."""
    hops = 0
    response = client.get(url)
    while response.status_code in (301, 302) and hops < limit:
        hops += 1
        response = client.get(response["Location"])
    return response, hops


@pytest.fixture
def editor_with_totp(make_staff, enable_totp):
    editor = make_staff(Role.EDITOR)
    return editor, enable_totp(editor)


@pytest.mark.django_db
def test_the_admins_sign_in_page_is_a_redirect_to_allauths_keeping_next(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == LOGIN
    assert location.query == "next=/admin/pages/"
    # The page it leads to is allauth's, in Vietnamese.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "account/login.html" in [template.name for template in page.templates]
    assert "Mật khẩu" in page.content.decode()


@pytest.mark.django_db
def test_staff_with_totp_posting_right_credentials_to_the_admins_door_are_not_in_the_admin(
    client, editor_with_totp, password
):
    editor, current_code = editor_with_totp
    # Wagtail's own form and field names: the password is never read.
    response = client.post("/admin/login/?next=/admin/", {"username": editor.email, "password": password})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN
    assert not signed_in(client)
    assert urlsplit(client.get("/admin/")["Location"]).path == LOGIN

    # The way in: allauth's password step, then the TOTP step.
    response = client.post(f"{LOGIN}?next=/admin/", {"login": editor.email, "password": password})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    assert urlsplit(client.get("/admin/")["Location"]).path == LOGIN

    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response["Location"] == "/admin/"
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_signing_in_by_emailed_code_still_take_the_totp_step(
    client, editor_with_totp, django_capture_on_commit_callbacks
):
    editor, current_code = editor_with_totp
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_request_login_code"), {"email": editor.email})
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[-1].body).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_wrong_guesses_by_every_path_count_toward_one_limit_per_account(client, password):
    victim = UserFactory(email="nan.nhan@example.vn")
    # Someone holding the victim's open session guesses at the
    # reauthentication step (which guards changing the email or password)...
    thief = Client(REMOTE_ADDR="198.51.100.1")
    thief.force_login(victim)
    for attempt in range(2):
        response = thief.post(reverse("account_reauthenticate"), {"password": f"doan-sai-{attempt}"})
        assert response.status_code == 200
    # ...then at the sign-in form, from another address and in capitals...
    for attempt in range(3):
        guesser = Client(REMOTE_ADDR="198.51.100.2")
        response = guesser.post(LOGIN, {"login": "NAN.NHAN@example.vn", "password": f"sai-nua-{attempt}"})
        assert response.status_code == 200
    # ...and at the admin's door, which takes no password at all.
    for _ in range(5):
        Client(REMOTE_ADDR="198.51.100.3").post("/admin/login/", {"username": victim.email, "password": password})

    # Five wrong guesses: even the right password is now refused everywhere.
    owner = Client(REMOTE_ADDR="203.0.113.50")
    response = owner.post(LOGIN, {"login": victim.email, "password": password})
    assert not signed_in(owner)
    assert "Bạn đã đăng nhập sai quá nhiều lần" in response.content.decode()
    assert not thief.post(reverse("account_reauthenticate"), {"password": password}).has_header("Location")


@pytest.mark.django_db
def test_the_totp_step_is_limited_per_account(client, editor_with_totp, password):
    editor, current_code = editor_with_totp
    client.post(LOGIN, {"login": editor.email, "password": password})
    for wrong in ("000000", "111111", "222222", "333333", "444444"):
        assert client.post(reverse("mfa_authenticate"), {"code": wrong}).status_code == 200
    client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert not signed_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["trainee", "coordinator without MFA", "coordinator with MFA"])
def test_a_signed_in_person_without_admin_access_gets_one_clear_page(client, kind, make_staff, unit, enable_totp):
    if kind == "trainee":
        person = UserFactory()
    else:
        person = make_staff(Role.COORDINATOR, unit=unit)
        if kind == "coordinator with MFA":
            enable_totp(person)
    client.force_login(person)
    response, hops = follow(client, "/admin/")
    assert hops <= 2
    assert response.status_code == 403
    assert "Tài khoản của bạn không có quyền mở trang này." in response.content.decode()
    # Not ten stacked "no permission" messages waiting for the next page.
    assert len(list(get_messages(response.wsgi_request))) <= 1
    # The rest of the site still works for them.
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_visitor_opening_the_admin_gets_the_sign_in_page_in_one_hop(client):
    response, hops = follow(client, "/admin/pages/")
    assert (response.status_code, hops) == (200, 1)
    assert response.wsgi_request.get_full_path() == f"{LOGIN}?next=/admin/pages/"


@pytest.mark.django_db
@pytest.mark.parametrize("with_mfa", [True, False])
def test_the_admins_log_out_is_allauths(client, make_staff, enable_totp, with_mfa):
    editor = make_staff(Role.EDITOR)
    if with_mfa:
        enable_totp(editor)
    client.force_login(editor)
    # Signing out is never held up by the MFA set-up the admin demands.
    response = client.post("/admin/logout/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert not signed_in(client)
    # Asked by GET (a link, a crawler), it asks to confirm instead of acting.
    client.force_login(editor)
    response = client.get("/admin/logout/")
    assert response.status_code == 200
    assert "account/logout.html" in [template.name for template in response.templates]
    assert signed_in(client)


@pytest.mark.django_db
def test_the_admins_password_reset_is_allauths(client):
    for path in ("/admin/password_reset/", "/admin/password_reset/done/", "/admin/password_reset/confirm/x/y/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, reverse("account_reset_password")), path
    assert client.post("/admin/password_reset/", {"email": "ai@example.vn"}).status_code == 302


@pytest.mark.django_db
def test_the_admins_account_page_leads_to_allauths_password_and_two_factor_pages(client, editor_with_totp, password):
    editor, _code = editor_with_totp
    client.force_login(editor)
    page = client.get(reverse("wagtailadmin_account")).content.decode()
    assert f'href="{reverse("account_change_password")}"' in page
    assert f'href="{reverse("mfa_index")}"' in page
    # Wagtail's own password form is gone: a password posted to it is ignored.
    client.post(
        reverse("wagtailadmin_account"),
        {"password-old_password": password, "password-new_password1": "x" * 12, "password-new_password2": "x" * 12},
    )
    editor.refresh_from_db()
    assert editor.check_password(password)
