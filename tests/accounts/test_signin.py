import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

SIGNUP = {
    "full_name": "Nguyễn Thị Mai",
    "email": "mai.nguyen@example.vn",
    "password1": "hoc-tap-va-lam-theo-2015",
    "password2": "hoc-tap-va-lam-theo-2015",
    "position": "Chuyên viên",
}


@pytest.fixture
def send_on_commit(django_capture_on_commit_callbacks):
    """Run the on_commit hooks (the queued emails) as a real commit would."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def _link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


@pytest.mark.django_db
def test_signup_then_verify_then_sign_in(client, send_on_commit):
    response = send_on_commit(client, reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="mai.nguyen@example.vn")
    assert user.full_name == "Nguyễn Thị Mai"
    assert user.position == "Chuyên viên"

    # Mandatory verification: the password alone does not sign in yet.
    client.logout()
    response = send_on_commit(
        client, reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    # One mail: the blocked sign-in does not resend within the cooldown.
    assert len(mail.outbox) == 1
    confirm_path = _link_in(mail.outbox[0])
    assert client.get(confirm_path).status_code == 200
    client.post(confirm_path)
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified

    client.logout()
    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_signup_with_an_existing_email_looks_the_same_as_a_new_one(client, send_on_commit):
    UserFactory(email="da.co@example.vn")
    taken = send_on_commit(client, reverse("account_signup"), {**SIGNUP, "email": "Da.Co@example.vn"})
    client.logout()
    fresh = send_on_commit(client, reverse("account_signup"), {**SIGNUP, "email": "moi@example.vn"})
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email="da.co@example.vn").count() == 1
    # The owner of the existing account is told someone tried, instead of
    # the form telling the stranger the address is registered.
    assert [m.to for m in mail.outbox] == [["da.co@example.vn"], ["moi@example.vn"]]


@pytest.mark.django_db
def test_password_reset_does_not_reveal_whether_an_account_exists(client, send_on_commit):
    UserFactory(email="co.that@example.vn")
    known = send_on_commit(client, reverse("account_reset_password"), {"email": "co.that@example.vn"})
    unknown = send_on_commit(client, reverse("account_reset_password"), {"email": "khong.co@example.vn"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert mail.outbox[0].to == ["co.that@example.vn"]


@pytest.mark.django_db
def test_password_reset_link_sets_a_new_password(client, send_on_commit, password):
    user = UserFactory(email="quen@example.vn")
    send_on_commit(client, reverse("account_reset_password"), {"email": user.email})
    reset_path = _link_in(mail.outbox[0])
    form_path = client.get(reset_path)["Location"]
    new = "mat-khau-moi-an-toan-2024"
    response = client.post(form_path, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


@pytest.mark.django_db
def test_login_by_emailed_code_for_shared_phones(client, send_on_commit):
    user = UserFactory(email="dienthoai.chung@example.vn")
    response = send_on_commit(client, reverse("account_request_login_code"), {"email": user.email})
    assert response.status_code == 302
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[0].body).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_wrong_password_and_unknown_account_get_the_same_answer(client):
    UserFactory(email="that@example.vn")
    wrong = client.post(reverse("account_login"), {"login": "that@example.vn", "password": "sai-mat-khau-123"})
    unknown = client.post(reverse("account_login"), {"login": "nobody@example.vn", "password": "sai-mat-khau-123"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
