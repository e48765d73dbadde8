"""Forms tell the browser what each field holds: phones open the number pad, browsers fill in the rest."""

import re

import pytest
from django.urls import reverse

from tests.factories import EventPageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


def test_sign_up_and_profile_name_the_autofill_and_the_phone_keyboard(client):
    page = client.get(reverse("account_signup")).content.decode()
    phone = _input(page, "phone")
    assert 'type="tel"' in phone and 'inputmode="tel"' in phone and 'autocomplete="tel"' in phone
    assert 'autocomplete="name"' in _input(page, "full_name")
    assert 'autocomplete="email"' in _input(page, "email")
    assert 'autocomplete="new-password"' in _input(page, "password1")
    assert 'autocomplete="organization-title"' in _input(page, "position")

    login = client.get(reverse("account_login")).content.decode()
    assert 'autocomplete="email"' in _input(login, "login")
    assert 'autocomplete="current-password"' in _input(login, "password")

    client.force_login(UserFactory())
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert 'inputmode="tel"' in _input(profile, "phone")


def test_the_registration_form_and_the_pdf_check(client):
    event = EventPageFactory(registration_mode="open")
    client.force_login(UserFactory())
    form = client.get(reverse("events:register", args=[event.pk])).content.decode()
    phone = _input(form, "phone")
    assert 'inputmode="tel"' in phone and 'autocomplete="tel"' in phone
    assert 'autocomplete="name"' in _input(form, "full_name")

    lookup = client.get(reverse("certificates:verify_lookup")).content.decode()
    assert 'accept=".pdf,application/pdf"' in _input(lookup, "pdf")
