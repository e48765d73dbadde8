import datetime
import hashlib
import io
import unicodedata

import pypdf
import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from certificates.models import CertificateTemplate
from certificates.pdf import SAMPLE, body_markup, date_line, missing_characters, render_pdf
from certificates.services import verify_url
from tests.factories import CertificateTemplateFactory, UserFactory

NAME = "Nguyễn Thị Hồng Nhung"


def page_text(data: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def qr_texts(data: bytes) -> list[str]:
    """Decode every QR code among the images embedded in the PDF's page."""
    texts = []
    for image in pypdf.PdfReader(io.BytesIO(data)).pages[0].images:
        texts += [barcode.text for barcode in zxingcpp.read_barcodes(image.image)]
    return texts


@pytest.mark.django_db
def test_issued_pdf_gives_back_the_vietnamese_name_and_metadata(issue):
    holder = UserFactory(full_name=NAME)
    certificate = issue(holder=holder)
    with certificate.pdf.open("rb") as handle:
        data = handle.read()
    text = page_text(data)
    assert NAME in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập – Tự do – Hạnh phúc" in text
    assert "GIẤY CHỨNG NHẬN" in text
    assert f"Số: {certificate.serial}" in text
    # The template prints the day the achievement was completed (its default).
    assert date_line(certificate.template.place, certificate.completed_on) in text
    info = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert info.title == f"GIẤY CHỨNG NHẬN {certificate.serial}"
    assert NAME in info.subject
    assert verify_url(certificate) in info["/Keywords"]
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.django_db
def test_a_name_given_decomposed_is_printed_composed():
    decomposed = unicodedata.normalize("NFD", NAME)
    assert decomposed != NAME
    template = CertificateTemplate.objects.get(is_default=True)
    data = render_pdf(template, SAMPLE.__class__(**{**SAMPLE.__dict__, "name": decomposed}))
    text = page_text(data)
    assert NAME in text
    # Nothing of the decomposed form (a base letter followed by a combining mark) reached the page.
    assert not any(unicodedata.combining(char) for char in text)


@pytest.mark.django_db
def test_qr_code_decodes_to_the_verification_url(issue):
    certificate = issue()
    with certificate.pdf.open("rb") as handle:
        assert qr_texts(handle.read()) == [verify_url(certificate)]
    assert verify_url(certificate) == f"https://daotao.example.vn/certificates/verify/{certificate.code}/"


@pytest.mark.django_db
def test_pdf_is_rendered_once(issue):
    from certificates.services import certificate_render_pdf

    certificate = issue()
    before = (certificate.pdf.name, certificate.pdf_sha256)
    again = certificate_render_pdf(certificate=certificate)
    assert (again.pdf.name, again.pdf_sha256) == before
    assert default_storage.listdir("certificates/pdf")[1] == [before[0].rsplit("/", 1)[1]]


def test_date_line_writes_official_leading_zeros():
    assert date_line("Đà Nẵng", datetime.date(2015, 8, 25)) == "Đà Nẵng, ngày 25 tháng 8 năm 2015"
    assert date_line("Hà Nội", datetime.date(2016, 2, 8)) == "Hà Nội, ngày 08 tháng 02 năm 2016"
    assert date_line("Hà Nội", datetime.date(2009, 12, 2)) == "Hà Nội, ngày 02 tháng 12 năm 2009"


def test_lines_with_only_empty_placeholders_are_left_out_and_values_escaped():
    body = "Chứng nhận: {name}\nThời lượng: {hours} giờ\nĐã hoàn thành"
    lines = body_markup(body, {"name": "A <b> & B", "hours": ""})
    assert lines == ["Chứng nhận: <b>A &lt;b&gt; &amp; B</b>", "Đã hoàn thành"]


def test_the_bundled_font_covers_vietnamese():
    letters = "ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ–“”"
    assert missing_characters(letters + letters.upper()) == []
    assert missing_characters(unicodedata.normalize("NFD", "Nguyễn")) == []
    assert missing_characters("Hà Nội 河内 ☃") == ["河", "内", "☃"]


@pytest.mark.django_db
def test_a_template_with_a_character_the_font_lacks_is_refused_naming_it():
    template = CertificateTemplateFactory.build(title="GIẤY CHỨNG NHẬN ☃")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    messages = error.value.message_dict["title"]
    assert any("“☃” (U+2603)" in message for message in messages)


@pytest.mark.django_db
def test_a_template_with_an_unknown_placeholder_is_refused():
    template = CertificateTemplateFactory.build(body="Chứng nhận {ho_ten}")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "{ho_ten}" in error.value.message_dict["body"][0]


@pytest.mark.django_db
def test_the_default_template_is_clean():
    CertificateTemplate.objects.get(is_default=True).full_clean()
