import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Page

from accounts.roles import Role
from certificates.services import certificate_reissue, certificate_revoke
from tests.factories import UserFactory


def pdf_bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_valid_certificate_page_shows_what_was_achieved(client, issue):
    certificate = issue(holder=UserFactory(full_name="Nguyễn Văn An"))
    response = client.get(f"/certificates/verify/{certificate.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nguyễn Văn An" in html
    assert certificate.achievement_title in html
    assert "<dt>Standard page</dt>" in html  # what the page's own type calls itself
    assert certificate.serial in html
    assert "25/08/2015" in html
    assert "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG" in html
    assert "cert-status-valid" in html and "cert-status-revoked" not in html
    assert f'href="/certificates/verify/{certificate.code}/pdf/"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    pdf = client.get(f"/certificates/verify/{certificate.code}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == pdf_bytes(certificate)


@pytest.mark.django_db
def test_the_certificate_still_names_what_it_was_earned_on_after_the_page_is_deleted(client, issue):
    certificate = issue()
    Page.objects.get(pk=certificate.page_id).delete()
    certificate.refresh_from_db()
    assert certificate.page_id is None
    html = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "<dt>Standard page</dt>" in html
    assert certificate.achievement_title in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code",
    ["AAAAAAAAAAAAAAAAAAAAAA", "x", "mã-sai-ý", "a" * 500, "%00", "..%2F..%2Fetc", "' OR 1=1 --", "%F0%9F%98%80"],
)
def test_unknown_or_malformed_code_is_a_plain_not_found(client, code):
    for suffix in ("", "pdf/", "credential.json"):
        response = client.get(f"/certificates/verify/{code}/{suffix}")
        assert response.status_code == 404, (code, suffix)
    if "%2F" not in code:  # with a "/" the URL is not a verification URL at all: the site's own 404
        assert "Certificate not found" in client.get(f"/certificates/verify/{code}/").content.decode()


@pytest.mark.django_db
def test_revoked_certificate_shows_as_revoked_never_valid(client, issue, make_staff):
    certificate = issue()
    certificate_revoke(certificate=certificate, reason="Cấp nhầm người", revoked_by=make_staff(Role.ORGANISER))
    html = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "cert-status-revoked" in html
    assert "cert-status-valid" not in html
    assert "Cấp nhầm người" in html


@pytest.mark.django_db
def test_replaced_certificate_links_to_its_successor_and_back(client, issue, make_staff):
    old = issue(holder=UserFactory(full_name="Nguyen Van An"))
    new = certificate_reissue(
        certificate=old, reason="Sửa họ tên có dấu", reissued_by=make_staff(Role.ADMIN), holder_name="Nguyễn Văn An"
    )
    html = client.get(f"/certificates/verify/{old.code}/").content.decode()
    assert "cert-status-valid" not in html
    assert f"/certificates/verify/{new.code}/" in html
    html = client.get(f"/certificates/verify/{new.code}/").content.decode()
    assert "cert-status-valid" in html
    assert "Nguyễn Văn An" in html and old.serial in html


@pytest.mark.django_db
def test_the_issued_pdf_matches_and_an_edited_one_is_caught(client, issue):
    certificate = issue()
    original = pdf_bytes(certificate)
    url = f"/certificates/verify/{certificate.code}/"
    response = client.post(url, {"pdf": SimpleUploadedFile("gcn.pdf", original, "application/pdf")})
    assert "exactly the PDF issued" in response.content.decode()
    position = len(original) // 2
    edited = original[:position] + bytes([original[position] ^ 0x01]) + original[position + 1 :]
    response = client.post(url, {"pdf": SimpleUploadedFile("gcn.pdf", edited, "application/pdf")})
    html = response.content.decode()
    assert "is not the PDF issued" in html
    assert "exactly the PDF issued" not in html


@pytest.mark.django_db
def test_a_pdf_alone_finds_its_certificate(client, issue):
    certificate = issue()
    response = client.post(
        "/certificates/verify/", {"pdf": SimpleUploadedFile("gcn.pdf", pdf_bytes(certificate), "application/pdf")}
    )
    assert certificate.serial in response.content.decode()
    assert f"/certificates/verify/{certificate.code}/" in response.content.decode()
    response = client.post("/certificates/verify/", {"pdf": SimpleUploadedFile("x.pdf", b"%PDF-1.4 fake")})
    assert "not a PDF we issued" in response.content.decode()
    assert (
        client.get("/certificates/verify/", {"code": certificate.code}).url
        == f"/certificates/verify/{certificate.code}/"
    )


@pytest.mark.django_db
def test_verification_page_queries_do_not_grow(client, issue, django_assert_max_num_queries, make_staff):
    first = issue()
    client.get(f"/certificates/verify/{first.code}/")  # the menu's cache filled (cms.caching)
    with django_assert_max_num_queries(3) as captured:
        client.get(f"/certificates/verify/{first.code}/")
    baseline = len(captured)
    organiser = make_staff(Role.ORGANISER)
    later = issue()
    for _ in range(3):
        later = certificate_reissue(certificate=later, reason="Sửa", reissued_by=organiser)
    client.get(f"/certificates/verify/{first.code}/")  # the menu's cache refilled if the writes emptied it
    with django_assert_max_num_queries(baseline):
        client.get(f"/certificates/verify/{later.code}/")
