"""An event's own certificate: its template and issuer (from its organising unit), its place and last day,
and the name on the registration, chosen by the organiser when it is not the account's."""

import datetime
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch, CertificateTemplate
from core.errors import ServiceError
from courses.models import CoursePage
from events.models import Attendance, EventPage, EventSession
from events.services import NAME_FROM_ACCOUNT, event_certificate_issue
from tests.factories import CertificateTemplateFactory, OrgUnitFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.usefixtures("media")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def pdf_text(certificate: Certificate) -> str:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return pypdf.PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()


@pytest.fixture
def dalat(event):
    """The event as the 2022 Đà Lạt conference of Bộ TN&MT: organised by a department of the Ministry."""
    ministry = OrgUnitFactory(code="BTNMT", name="Bộ Tài nguyên và Môi trường")
    department = OrgUnitFactory(code="BTNMT-TCCB", name="Vụ Tổ chức cán bộ", parent=ministry)
    CertificateTemplateFactory(
        name="Mẫu Bộ TN&MT",
        org_unit=ministry,
        issuing_body_parent="BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG",
        issuing_body="HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
        place="Hà Nội",
        signatory_title="TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
        signatory_name="Trần Quốc Hưng",
    )
    starts = datetime.datetime(2022, 6, 2, 8, tzinfo=VN)
    EventSession.objects.filter(event=event).delete()
    EventSession.objects.create(event=event, title="Chuyên đề 1", starts_at=starts, ends_at=starts.replace(hour=11))
    EventPage.objects.filter(pk=event.pk).update(
        organising_unit=department,
        place="Đà Lạt",
        starts_at=starts,
        ends_at=starts.replace(hour=16, minute=30),
        capacity=50,
    )
    event.refresh_from_db()
    return event


def _attended(event, **registration):
    person = RegistrationFactory(event=event, **registration)
    for session in event.sessions.all():
        Attendance.objects.create(
            registration=person, session=session, status="present", checked_in_at=session.starts_at
        )
    return person


def test_the_da_lat_certificate_prints_its_ministry_its_place_its_day_and_the_registered_name(
    dalat, organiser, django_capture_on_commit_callbacks
):
    person = _attended(dalat, user=UserFactory(full_name="Nguyễn Văn An"), full_name="Nguyễn Văn Ân")
    with django_capture_on_commit_callbacks(execute=True):
        certificate = event_certificate_issue(registration=person, issued_by=organiser, name_choice="registration")
    text = pdf_text(certificate)
    assert "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG" in text
    assert "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" not in text
    assert "Đà Lạt, ngày 02 tháng 6 năm 2022" in text
    assert "Trần Quốc Hưng" in text
    assert "Nguyễn Văn Ân" in text and "Nguyễn Văn An" not in text
    assert certificate.template.name == "Mẫu Bộ TN&MT"


def test_the_event_names_its_own_issuer_and_template(dalat, organiser, client, django_capture_on_commit_callbacks):
    own = CertificateTemplateFactory(name="Mẫu riêng của hội nghị", issuing_body="VỤ TỔ CHỨC CÁN BỘ")
    EventPage.objects.filter(pk=dalat.pk).update(
        certificate_template=own,
        issuing_body_parent="Bộ Tài nguyên và Môi trường",
        issuing_body="Ban Tổ chức Hội nghị",
        signatory_title="KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG",
        signatory_name="Lê Văn Minh",
    )
    person = _attended(dalat)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = event_certificate_issue(registration=person, issued_by=organiser)
    text = pdf_text(certificate)
    assert certificate.template == own
    assert "BAN TỔ CHỨC HỘI NGHỊ" in text and "VỤ TỔ CHỨC CÁN BỘ" not in text
    assert "THỨ TRƯỞNG" in text and "Lê Văn Minh" in text
    # The verification page names the issuer the certificate printed, not its template's.
    html = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "Bộ Tài nguyên và Môi trường – Ban Tổ chức Hội nghị" in html


def test_an_unpublished_template_cannot_be_chosen_for_an_event_or_a_course(dalat):
    draft = CertificateTemplateFactory(name="Bản nháp")
    CertificateTemplate.objects.filter(pk=draft.pk).update(live=False)
    for model in (EventPage, CoursePage):
        field = model._meta.get_field("certificate_template")
        with pytest.raises(ValidationError):
            field.validate(draft.pk, model())
        field.validate(CertificateTemplate.objects.get(is_default=True).pk, model())


def test_the_organiser_must_choose_when_the_names_differ_the_delegate_gets_the_registered_one(
    dalat, organiser, django_capture_on_commit_callbacks
):
    person = _attended(dalat, user=UserFactory(full_name="Nguyễn Văn An"), full_name="Nguyễn Văn Ân")
    with pytest.raises(ServiceError) as refused:
        event_certificate_issue(registration=person, issued_by=organiser)
    assert refused.value.code == "name_choice_required"
    with django_capture_on_commit_callbacks(execute=True):
        certificate = event_certificate_issue(registration=person, issued_by=organiser, name_choice=NAME_FROM_ACCOUNT)
    assert certificate.holder_name == "Nguyễn Văn An"
    # The delegate's own request (after the event) prints what they registered.
    other = _attended(dalat, user=UserFactory(full_name="Lê Thị Hoa"), full_name="Lê Thị Hòa")
    assert event_certificate_issue(registration=other, issued_by=other.user).holder_name == "Lê Thị Hòa"


def test_certificates_page_shows_both_names_and_issues_with_the_choice(dalat, organiser_client):
    differ = _attended(dalat, user=UserFactory(full_name="Nguyễn Văn An"), full_name="Nguyễn Văn Ân")
    same = _attended(dalat, user=UserFactory(full_name="Trần Thị Bình"))
    url = f"/events/manage/{dalat.pk}/certificates/"
    html = organiser_client.get(url).content.decode()
    assert "Name to print: choose before issuing" in html
    assert "Nguyễn Văn Ân" in html and "Nguyễn Văn An" in html
    assert f'name="name-{differ.uuid}"' in html
    assert f'name="name-{same.uuid}"' not in html
    # Bulk without choosing: refused with the names, nothing started.
    response = organiser_client.post(url, {"action": "bulk"}, follow=True)
    assert "Choose the name to print for Nguyễn Văn Ân" in response.content.decode()
    assert not CertificateBatch.objects.exists()
    # One person, with the account's name chosen.
    organiser_client.post(url, {"issue": str(differ.uuid), f"name-{differ.uuid}": "account"})
    assert Certificate.objects.get(holder=differ.user).holder_name == "Nguyễn Văn An"
    assert "Name to print: choose before issuing" not in organiser_client.get(url).content.decode()


def test_bulk_issue_prints_each_chosen_name(dalat, organiser_client, django_capture_on_commit_callbacks):
    first = _attended(dalat, user=UserFactory(full_name="Nguyễn Văn An"), full_name="Nguyễn Văn Ân")
    second = _attended(dalat, user=UserFactory(full_name="Phạm Văn Đồng"), full_name="Phạm Văn Đông")
    url = f"/events/manage/{dalat.pk}/certificates/"
    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(
            url, {"action": "bulk", f"name-{first.uuid}": "registration", f"name-{second.uuid}": "account"}
        )
    names = dict(Certificate.objects.values_list("holder_id", "holder_name"))
    assert names == {first.user_id: "Nguyễn Văn Ân", second.user_id: "Phạm Văn Đồng"}


def test_certificates_page_query_count_does_not_grow_with_name_differences(dalat, organiser_client):
    url = f"/events/manage/{dalat.pk}/certificates/"
    _attended(dalat, user=UserFactory(full_name="Nguyễn Văn An"), full_name="Nguyễn Văn Ân")
    organiser_client.get(url)
    with CaptureQueriesContext(connection) as small:
        organiser_client.get(url)
    for n in range(8):
        _attended(dalat, user=UserFactory(full_name=f"Người {n}"), full_name=f"Người thứ {n}")
    with CaptureQueriesContext(connection) as large:
        organiser_client.get(url)
    assert len(large) == len(small)
    assert timezone.now() > dalat.ends_at
