"""The sign-in limits against the real case: a conference room on one NAT address.

allauth counts hits in sliding windows; the tests' clock (tests/conftest.py)
lets them play minutes of traffic in a second.
"""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROOM_IP = "203.0.113.7"
LOGIN = reverse("account_login")
CONFIRM_CODE = reverse("account_confirm_login_code")
VERIFY = reverse("certificates:verify_lookup")


def sign_in(email, password, ip=ROOM_IP):
    client = Client(REMOTE_ADDR=ip)
    return client, client.post(LOGIN, {"login": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def code_in(message) -> str:
    return re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", message.body).group(1)


@pytest.mark.django_db
def test_a_room_of_250_behind_one_address_signs_in_within_three_minutes(clock, password):
    trainees = UserFactory.create_batch(250)
    spacing = 180 / 250  # every trainee within three minutes, evenly
    for index, trainee in enumerate(trainees):
        if index % 10 == 0:
            # One in ten mistypes the password first, as people do.
            _client, response = sign_in(trainee.email, "go-nham-mat-khau")
            assert response.status_code == 200
        client, response = sign_in(trainee.email, password)
        assert response.status_code == 302, f"trainee {index} was refused"
        assert signed_in(client)
        clock.advance(spacing)


@pytest.mark.django_db
def test_guessing_one_accounts_password_is_stopped_even_from_many_addresses(clock, password):
    victim = UserFactory()
    for attempt in range(5):
        _client, response = sign_in(victim.email, f"doan-sai-{attempt}", ip=f"198.51.100.{attempt}")
        assert response.status_code == 200
    # The sixth try is refused even with the right password and a new address.
    client, response = sign_in(victim.email, password, ip="198.51.100.99")
    assert not signed_in(client)
    # Five minutes later the owner can sign in.
    clock.advance(5 * 60 + 1)
    client, response = sign_in(victim.email, password, ip="198.51.100.99")
    assert signed_in(client)


@pytest.mark.django_db
def test_a_slow_guesser_is_capped_per_day(clock, password):
    victim = UserFactory()
    for attempt in range(20):
        sign_in(victim.email, f"doan-cham-{attempt}", ip=f"192.0.2.{attempt}")
        clock.advance(5 * 60 + 1)  # stay under the five-minute window every time
    client, _response = sign_in(victim.email, password, ip="192.0.2.200")
    assert not signed_in(client)
    clock.advance(24 * 60 * 60)
    client, _response = sign_in(victim.email, password, ip="192.0.2.200")
    assert signed_in(client)


@pytest.mark.django_db
def test_a_room_signs_in_while_one_client_behind_its_address_fails_500_times(
    clock, password, django_capture_on_commit_callbacks
):
    """250 trainees over three minutes; beside them one client fails twice per trainee."""
    trainees = UserFactory.create_batch(250)
    bad_client = Client(REMOTE_ADDR=ROOM_IP)
    failures = codes_needed = 0
    for index, trainee in enumerate(trainees):
        for attempt in range(2):
            # Mostly addresses we have never seen, and now and then a real
            # trainee's with a wrong password (credential stuffing).
            email = trainees[(index + 1) % 250].email if attempt else f"ro-ri-{index}@example.com"
            response = bad_client.post(LOGIN, {"login": email, "password": f"lo-lot-{index}"})
            assert response.status_code == 200 and not signed_in(bad_client)
            failures += 1

        client = Client(REMOTE_ADDR=ROOM_IP)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(LOGIN, {"login": trainee.email, "password": password})
        assert response.status_code == 302, f"trainee {index} was refused"
        if response["Location"] == CONFIRM_CODE:
            # The address is over its failures: the right password is not
            # enough, the code in the trainee's own mailbox is.
            assert not signed_in(client)
            message = mail.outbox[-1]
            assert message.to == [trainee.email]
            response = client.post(CONFIRM_CODE, {"code": code_in(message)})
            codes_needed += 1
        assert signed_in(client), f"trainee {index} did not get in"
        assert int(client.session["_auth_user_id"]) == trainee.pk
        clock.advance(180 / 250)

    assert failures == 500
    # Past the first few dozen trainees, the address stayed over its limit.
    assert codes_needed > 200


@pytest.mark.django_db
def test_over_the_address_limit_a_stolen_password_gets_no_one_in(clock, password):
    victim = UserFactory()
    for attempt in range(60):
        _client, response = sign_in(f"khong-ton-tai-{attempt}@example.vn", "mat-khau-doan")
        assert response.status_code == 200
    # The stuffing client finally holds a right pair: it is sent to enter a
    # code it never sees (the victim is mailed it) and is not signed in.
    client, response = sign_in(victim.email, password)
    assert response["Location"] == CONFIRM_CODE
    assert not signed_in(client)
    # The owner, had it been them, is told why a code is asked, once.
    page = client.get(CONFIRM_CODE).content.decode()
    assert page.count("Vừa có nhiều lần đăng nhập sai từ mạng của bạn") == 1
    assert not signed_in(Client(REMOTE_ADDR=ROOM_IP))
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        client.post(CONFIRM_CODE, {"code": guess})
    assert not signed_in(client)
    # A minute without failures, and a right password is enough again.
    clock.advance(61)
    client, response = sign_in(victim.email, password)
    assert signed_in(client)


@pytest.mark.django_db
def test_failures_from_one_address_change_nothing_for_another(clock, password):
    someone = UserFactory()
    for attempt in range(100):
        sign_in(f"khong-ton-tai-{attempt}@example.vn", "mat-khau-doan")
    client, _response = sign_in(someone.email, password, ip="198.51.100.77")
    assert signed_in(client)


@pytest.mark.django_db
def test_sign_in_posts_per_address_have_a_flood_ceiling(clock):
    flood = Client(REMOTE_ADDR=ROOM_IP, HTTP_ACCEPT="application/json")  # no page rendered: a faster test
    for _ in range(1000):
        assert flood.post(LOGIN, {"login": "", "password": ""}).status_code == 400
    response = Client(REMOTE_ADDR=ROOM_IP).post(LOGIN, {"login": "", "password": ""})
    assert response.status_code == 429
    assert "Vui lòng chờ một phút rồi thử lại" in response.content.decode()
    clock.advance(61)
    assert Client(REMOTE_ADDR=ROOM_IP).post(LOGIN, {"login": "", "password": ""}).status_code == 200


@pytest.mark.django_db
def test_the_public_certificate_pdf_check_is_limited_per_address(clock):
    def check(ip=ROOM_IP):
        upload = SimpleUploadedFile("chung-nhan.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
        return Client(REMOTE_ADDR=ip).post(VERIFY, {"pdf": upload})

    for _ in range(20):
        assert check().status_code == 200
    refused = check()
    assert refused.status_code == 429
    assert "Vui lòng chờ một phút rồi thử lại" in refused.content.decode()
    # Looking, rather than uploading, is not counted; nor is another address.
    assert Client(REMOTE_ADDR=ROOM_IP).get(VERIFY).status_code == 200
    assert check(ip="198.51.100.8").status_code == 200
    clock.advance(61)
    assert check().status_code == 200
