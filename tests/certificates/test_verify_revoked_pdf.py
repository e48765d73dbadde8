"""A revoked certificate's genuine PDF is recognised, and the check says when and why it was revoked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from certificates.services import certificate_reissue, certificate_revoke
from tests.factories import UserFactory


def pdf_bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def upload(certificate) -> SimpleUploadedFile:
    return SimpleUploadedFile("gcn.pdf", pdf_bytes(certificate), "application/pdf")


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["lookup", "certificate"])
def test_a_revoked_certificates_pdf_is_genuine_but_revoked_on_the_day_because_the_reason(
    client, issue, make_staff, where
):
    certificate = issue()
    revoked = certificate_revoke(
        certificate=certificate, reason="Cấp nhầm người.", revoked_by=make_staff(Role.ORGANISER)
    )
    url = "/certificates/verify/" if where == "lookup" else f"/certificates/verify/{certificate.code}/"
    html = client.post(url, {"pdf": upload(certificate)}).content.decode()
    day = timezone.localtime(revoked.revoked_at).strftime("%d/%m/%Y")
    # The reason's own full stop is not doubled.
    assert f"Genuine, but revoked on {day} because Cấp nhầm người." in html
    assert "Cấp nhầm người.." not in html
    assert "cert-status-valid" not in html.split('id="check-pdf"')[1]


@pytest.mark.django_db
def test_a_replaced_certificates_pdf_is_genuine_but_replaced_and_a_valid_one_is_genuine(client, issue, make_staff):
    old = issue(holder=UserFactory(full_name="Nguyen Van An"))
    new = certificate_reissue(
        certificate=old, reason="Sửa họ tên có dấu", reissued_by=make_staff(Role.ADMIN), holder_name="Nguyễn Văn An"
    )
    html = client.post("/certificates/verify/", {"pdf": upload(old)}).content.decode()
    assert "Genuine, but replaced" in html
    assert f"/certificates/verify/{new.code}/" in html
    valid = issue()
    html = client.post("/certificates/verify/", {"pdf": upload(valid)}).content.decode()
    assert "and the certificate is valid" in html
