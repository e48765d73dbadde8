"""The verify form takes whatever the certificate prints; anything else is "not found", never a 500."""

import pytest
from django.conf import settings

from core.text import fold


@pytest.fixture
def certificate(issue):
    return issue()


def _found(client, text):
    return client.get("/certificates/verify/", {"code": text})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shape",
    [
        lambda c: c.code,
        lambda c: f"{c.code}/",  # as printed, with its trailing slash
        lambda c: f"  {c.code} ",
        lambda c: f"/{c.code}//",
        lambda c: f"{settings.WAGTAILADMIN_BASE_URL}/certificates/verify/{c.code}/",  # the printed address
        lambda c: f"https://daotao.example.vn/certificates/verify/{c.code}/pdf/",
        lambda c: c.serial,
        lambda c: c.serial.lower(),
        lambda c: fold(c.serial).upper(),  # TDKT-… without the Đ
        lambda c: c.serial.replace("-", " - "),
    ],
)
def test_what_the_certificate_prints_finds_it(client, certificate, shape):
    response = _found(client, shape(certificate))
    assert response.status_code == 302
    assert response.url == f"/certificates/verify/{certificate.code}/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["abc/", "abc%2F", "a/b", "TĐKT-2026-999999", "x" * 300, "a\x00b", "../../etc/passwd", "²"]
)
def test_anything_else_is_not_found(client, certificate, text):
    response = _found(client, text)
    # 404 "not found"; 400 for control characters, refused before any view (lms.middleware).
    assert response.status_code == (400 if "\x00" in text else 404)
