"""The demo's conferences each print their own issuer, place and date (issue #15's Đà Lạt check)."""

import io

import pypdf
import pytest

from certificates.models import Certificate
from certificates.services import certificate_render_pdf
from demo import accounts as accounts_demo
from demo import certificates as certificates_demo
from demo import events as events_demo
from events.models import EventPage
from events.selectors import certificate_standings
from events.services import event_certificate_template


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    for app_demo in (accounts_demo, certificates_demo, events_demo):
        app_demo.seed(io.StringIO())


def _text(event: EventPage) -> tuple[Certificate, str]:
    certificate = certificate_render_pdf(certificate=Certificate.objects.filter(page_id=event.pk).order_by("pk")[0])
    with certificate.pdf.open("rb") as handle:
        return certificate, pypdf.PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()


def test_the_da_lat_certificate_prints_bo_tnmt_da_lat_and_2022(seeded):
    dalat = EventPage.objects.get(slug="tap-huan-thi-dua-khen-thuong-da-lat-2022")
    certificate, text = _text(dalat)
    assert "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG" in text
    assert "THÔNG TIN VÀ TRUYỀN THÔNG" not in text
    assert "Đà Lạt, ngày 02 tháng 6 năm 2022" in text
    registration = dalat.registrations.get(user=certificate.holder)
    assert registration.full_name in text
    # The delegate registered as "Nguyễn Văn Ân" waits for the organiser's choice.
    waiting = [s for s in certificate_standings(dalat) if s.names_differ]
    assert [(s.registration.full_name, s.registration.user.full_name) for s in waiting] == [
        ("Nguyễn Văn Ân", "Nguyễn Văn An")
    ]
    assert waiting[0].earned and waiting[0].certificate is None


def test_da_nang_prints_bo_tttt_and_ha_noi_its_city(seeded):
    danang = EventPage.objects.get(slug="tap-huan-thi-dua-khen-thuong-da-nang-2015")
    _certificate, text = _text(danang)
    assert "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" in text
    assert "Đà Nẵng, ngày 25 tháng 8 năm 2015" in text
    hanoi = EventPage.objects.get(slug="tap-huan-thi-dua-khen-thuong-ha-noi-2019")
    assert event_certificate_template(hanoi).issuing_body_parent == "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
    assert hanoi.place == "Hà Nội"
