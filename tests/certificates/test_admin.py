import io

import pypdf
import pytest

from accounts.roles import Role
from certificates.models import CertificateTemplate

FIELDS = {
    "name": "Mẫu hội nghị 2015",
    "issuing_body_parent": "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
    "issuing_body": "VỤ TỔ CHỨC CÁN BỘ",
    "national_title": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "motto": "Độc lập – Tự do – Hạnh phúc",
    "serial_prefix": "TĐKT",
    "title": "GIẤY CHỨNG NHẬN",
    "body": "Chứng nhận ông/bà: {name}\nĐã hoàn thành {achievement}",
    "place": "Đà Nẵng",
    "signatory_title": "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG",
    "signatory_name": "Phạm Thị Lan",
    "verification_label": "Xác minh tại:",
}


@pytest.fixture
def editor_client(client, make_staff, enable_totp):
    editor = make_staff(Role.EDITOR)
    enable_totp(editor)
    client.force_login(editor)
    return client


@pytest.mark.django_db
def test_editor_adds_a_template_in_the_admin(editor_client):
    response = editor_client.post("/admin/snippets/certificates/certificatetemplate/add/", FIELDS)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CertificateTemplate.objects.get(name="Mẫu hội nghị 2015").place == "Đà Nẵng"


@pytest.mark.django_db
def test_admin_refuses_a_character_the_font_lacks_and_names_it(editor_client):
    response = editor_client.post(
        "/admin/snippets/certificates/certificatetemplate/add/", {**FIELDS, "signatory_name": "Phạm Thị Lan 🖋"}
    )
    assert response.status_code == 200
    assert "“🖋” (U+1F58B)" in response.content.decode()
    assert not CertificateTemplate.objects.filter(name="Mẫu hội nghị 2015").exists()


@pytest.mark.django_db
def test_admin_preview_is_the_pdf_with_sample_data(editor_client):
    template = CertificateTemplate.objects.get(is_default=True)
    url = f"/admin/snippets/certificates/certificatetemplate/preview/{template.pk}/"
    response = editor_client.post(url, {**FIELDS, "title": "GIẤY CHỨNG NHẬN THAM DỰ"})
    assert response.json()["is_valid"] is True
    response = editor_client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "GIẤY CHỨNG NHẬN THAM DỰ" in text
    assert "Nguyễn Văn An" in text  # the sample holder


@pytest.mark.django_db
def test_trainee_cannot_reach_the_template_admin(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/admin/snippets/certificates/certificatetemplate/")
    assert response.status_code in (302, 403)
