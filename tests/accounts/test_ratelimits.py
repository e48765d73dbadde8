"""The sign-in limits against the real case: a conference room on one NAT address.

allauth counts hits in sliding windows; the tests' clock (tests/conftest.py)
lets them play minutes of traffic in a second.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROOM_IP = "203.0.113.7"
LOGIN = reverse("account_login")


def sign_in(email, password, ip=ROOM_IP):
    client = Client(REMOTE_ADDR=ip)
    return client, client.post(LOGIN, {"login": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


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
def test_one_address_spraying_many_accounts_is_stopped(clock, password):
    someone = UserFactory()
    for attempt in range(60):
        _client, response = sign_in(f"khong-ton-tai-{attempt}@example.vn", "mat-khau-doan")
        assert response.status_code == 200
    # The address is paused for a minute, for everyone behind it.
    client, _response = sign_in(someone.email, password)
    assert not signed_in(client)
    clock.advance(61)
    client, _response = sign_in(someone.email, password)
    assert signed_in(client)


@pytest.mark.django_db
def test_login_requests_per_address_are_capped_per_minute(clock):
    for _ in range(120):
        response = Client(REMOTE_ADDR=ROOM_IP).post(LOGIN, {"login": "", "password": ""})
        assert response.status_code == 200
    response = Client(REMOTE_ADDR=ROOM_IP).post(LOGIN, {"login": "", "password": ""})
    assert response.status_code == 429
