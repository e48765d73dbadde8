"""Who issues a certificate, as the caller names it; the date printed; the code and address under the QR."""

import datetime
import io

import pypdf
import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateTemplate, DatePrinted
from certificates.pdf import grouped_code
from certificates.services import (
    Achievement,
    Issuer,
    certificate_batch_process,
    certificate_batch_start,
    certificate_reissue,
    template_for_unit,
    verify_url,
)
from tests.certificates.conftest import achievement_for
from tests.factories import CertificateTemplateFactory, OrgUnitFactory, UserFactory

BTNMT = Issuer(
    body="Hội đồng Thi đua – Khen thưởng",
    parent_body="Bộ Tài nguyên và Môi trường",
    place="Đà Lạt",
    signatory_title="TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
    signatory_name="Trần Quốc Hưng",
)


def pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        return pypdf.PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()


def test_the_callers_issuer_name_and_unit_are_printed_with_the_last_day(issue):
    holder = UserFactory(full_name="Nguyễn Văn An")
    certificate = issue(
        holder=holder,
        completed_on=datetime.date(2022, 6, 2),
        started_on=datetime.date(2022, 6, 2),
        issuer=BTNMT,
        holder_name="Nguyễn Văn Ân",
        holder_unit="Sở Tài nguyên và Môi trường Lâm Đồng",
    )
    text = pdf_text(certificate)
    assert "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG" in text
    assert "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG" in text
    assert "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" not in text  # the default template's body
    # The conference's last day, not the day the certificate was issued.
    assert "Đà Lạt, ngày 02 tháng 6 năm 2022" in text
    assert "Trần Quốc Hưng" in text
    assert "Nguyễn Văn Ân" in text and "Nguyễn Văn An" not in text
    assert "Sở Tài nguyên và Môi trường Lâm Đồng" in text
    assert (certificate.holder_name, certificate.issuing_body, certificate.place) == (
        "Nguyễn Văn Ân",
        "Hội đồng Thi đua – Khen thưởng",
        "Đà Lạt",
    )


def test_each_part_of_the_issuer_replaces_the_templates_whole(issue):
    CertificateTemplate.objects.filter(is_default=True).update(issuing_body_parent="Bộ Thông tin và Truyền thông")
    template = CertificateTemplate.objects.get(is_default=True)
    # Only the place: the template's body (with its parent) and signatory stay.
    certificate = issue(issuer=Issuer(place="Huế"))
    assert (certificate.issuing_body_parent, certificate.issuing_body) == (
        template.issuing_body_parent,
        template.issuing_body,
    )
    assert (certificate.signatory_title, certificate.signatory_name) == (
        template.signatory_title,
        template.signatory_name,
    )
    assert certificate.place == "Huế"
    # A body without a parent is printed without the template's parent above it.
    certificate = issue(issuer=Issuer(body="Ban Thi đua – Khen thưởng Thành phố Hà Nội"))
    assert certificate.issuing_body_parent == ""
    assert "BAN THI ĐUA – KHEN THƯỞNG THÀNH PHỐ HÀ NỘI" in pdf_text(certificate)
    assert "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" not in pdf_text(certificate)


def _date_words(day: datetime.date) -> str:
    from certificates.pdf import date_line

    return date_line("", day)


@pytest.mark.parametrize(
    ("rule", "completed_in_days", "printed"),
    [
        (DatePrinted.COMPLETED, -30, "completed"),
        (DatePrinted.ISSUED_IF_LATER, -30, "issued"),
        # Issued before the last day (an organiser in a hurry): the last day still.
        (DatePrinted.ISSUED_IF_LATER, 3, "completed"),
    ],
)
def test_the_template_says_which_day_the_date_line_carries(issue, rule, completed_in_days, printed):
    CertificateTemplate.objects.filter(is_default=True).update(date_printed=rule)
    today = timezone.localdate()
    completed_on = today + datetime.timedelta(days=completed_in_days)
    certificate = issue(completed_on=completed_on, started_on=completed_on)
    expected = completed_on if printed == "completed" else today
    assert _date_words(expected) in pdf_text(certificate)


def test_the_code_is_printed_on_one_line_in_groups_and_the_address_under_the_qr(issue):
    certificate = issue()
    lines = pdf_text(certificate).splitlines()
    assert grouped_code(certificate.code) in lines
    assert "".join(grouped_code(certificate.code).split()) == certificate.code
    assert verify_url(certificate) in lines  # whole, on its own line


def test_template_for_unit_is_the_nearest_live_one_above(db):
    ministry = OrgUnitFactory(code="BTNMT", name="Bộ Tài nguyên và Môi trường")
    department = OrgUnitFactory(code="BTNMT-TCCB", name="Vụ Tổ chức cán bộ", parent=ministry)
    office = OrgUnitFactory(code="BTNMT-TCCB-VP", name="Văn phòng Vụ", parent=department)
    assert template_for_unit(office) is None
    ministry_template = CertificateTemplateFactory(org_unit=ministry)
    assert template_for_unit(office) == ministry_template
    department_template = CertificateTemplateFactory(org_unit=department)
    assert template_for_unit(office) == department_template
    CertificateTemplate.objects.filter(pk=department_template.pk).update(live=False)
    assert template_for_unit(office) == ministry_template
    assert template_for_unit(None) is None


def test_a_reissue_keeps_the_issuer_and_a_batch_carries_name_and_issuer(
    issue, page, make_staff, django_capture_on_commit_callbacks
):
    from accounts.roles import Role
    from certificates.services import BatchItem

    admin = make_staff(Role.ADMIN)
    certificate = issue(issuer=BTNMT, holder_name="Nguyễn Văn Ân")
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_reissue(certificate=certificate, reason="Sai đơn vị", reissued_by=admin)
    new.refresh_from_db()
    assert (new.issuing_body, new.place, new.signatory_name) == (
        certificate.issuing_body,
        certificate.place,
        certificate.signatory_name,
    )
    holder = UserFactory(full_name="Lê Văn Tám")
    item = achievement_for(page, issuer=BTNMT, holder_name="Lê Văn Tâm", holder_unit="")
    assert Achievement.from_json(item.to_json(), page=page) == item
    with django_capture_on_commit_callbacks(execute=True):
        batch = certificate_batch_start(page=page, items=[BatchItem(holder=holder, achievement=item)], started_by=admin)
    certificate_batch_process(batch_id=batch.pk)
    issued = Certificate.objects.get(holder=holder)
    assert (issued.holder_name, issued.holder_unit, issued.place) == ("Lê Văn Tâm", "", "Đà Lạt")
    assert timezone.localdate(issued.issued_at) >= issued.completed_on
