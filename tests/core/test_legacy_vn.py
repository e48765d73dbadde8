import pytest

from core.legacy_vn import TCVN3, VNI, LegacyFixer, convert, detect


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("NguyÔn V¨n A", "Nguyễn Văn A"),
        ("Hµ Néi", "Hà Nội"),
        ("§µ N½ng", "Đà Nẵng"),
        ("Së Th«ng tin vµ TruyÒn th«ng", "Sở Thông tin và Truyền thông"),
        ("Ph¹m ThÞ Hoa", "Phạm Thị Hoa"),
    ],
)
def test_tcvn3_is_converted(legacy, unicode):
    assert convert(legacy) == (unicode, TCVN3)


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Nguyeãn Vaên A", "Nguyễn Văn A"),
        ("Ñaø Naüng", "Đà Nẵng"),
        ("Thi ñua, khen thöôûng", "Thi đua, khen thưởng"),
        ("Leâ Nam Thaéng", "Lê Nam Thắng"),
        ("Phoøng Toå chöùc", "Phòng Tổ chức"),
    ],
)
def test_vni_is_converted(legacy, unicode):
    assert convert(legacy) == (unicode, VNI)


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Văn A",
        "Trần Thị Bình",
        "Đà Lạt",
        "Sở Thông tin và Truyền thông",
        "Thi đua, khen thưởng – “điển hình tiên tiến”",
        "Café",
        "José",
        "Müller",
        "nguyen.van.a@example.vn",
        "0912 345 678",
        "",
    ],
)
def test_unicode_and_plain_text_are_never_touched(text):
    assert detect(text) is None
    assert convert(text) == (text, None)


def test_fixer_reports_what_it_converted():
    fixer = LegacyFixer()
    assert fixer("NguyÔn V¨n A") == "Nguyễn Văn A"
    assert fixer("Trần Thị Bình") == "Trần Thị Bình"
    assert list(fixer.conversions) == ["Nguyễn Văn A"]
    assert fixer.conversions["Nguyễn Văn A"].original == "NguyÔn V¨n A"
    assert fixer.conversions["Nguyễn Văn A"].encoding == TCVN3
