"""A corpus of correct Vietnamese text, and the legacy code tables to encode it with.

The tables are written out from the standards, independently of
core.legacy_vn: TCVN 5712:1993 VN3 ("ABC", the .VnTime fonts; glibc's
TCVN5712-1 agrees on every code, see test_legacy_vn) and VNI for Windows
(VNI-Times fonts), so a round trip through them tests the converter's own
tables rather than repeating them.
"""

import itertools
import unicodedata


def _words(text: str) -> list[str]:
    return text.split()


FAMILY = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Tô Lâm Đinh Trịnh Mai Cao Lưu "
    "Quách Kiều Thái Hà Triệu Tạ Đoàn Lương Vương Châu Khúc Đào Mạc Tăng Văn"
)
MIDDLE = _words("Văn Thị Hữu Đức Minh Ngọc Thanh Quốc Thu Xuân Hoàng Công Thành Bảo Gia Diệu Mỹ Khánh Anh")
GIVEN = _words(
    "An Anh Ánh Bình Bích Cường Châu Chi Chiến Công Cúc Dũng Duy Dung Đạt Điệp Đông Giang Hà Hải Hạnh Hằng Hiền "
    "Hiếu Hòa Hoà Hoài Hồng Huệ Hùng Hưng Hương Huy Huyền Khánh Khoa Khuê Kiên Kỳ Lâm Lan Linh Loan Lộc Long Mai "
    "Minh Nam Nga Ngân Nghĩa Ngọc Nguyệt Nhung Oanh Phong Phúc Phương Quân Quang Quế Quyên Quyết Quỳnh Sơn Tâm "
    "Thắng Thảo Thạch Thịnh Thoa Thủy Thuỷ Thúy Thuý Thư Tiến Toàn Trâm Trang Trinh Trung Tú Tuấn Tuyết Uyên Vân "
    "Việt Vinh Vy Xuân Yến Ý Ân Hòe Giàu Giáp Triều Nhi Thy Ủy Nhàn Khôi Gấm Ngà Tùng Sáng Lực Ngoạn Toản Khuyến"
)
UNIT_WORDS = _words(
    "Bộ Thông tin và Truyền thông Sở Ủy ban nhân dân tỉnh thành phố Văn phòng Vụ Thi đua Khen thưởng Tổ chức "
    "Cán bộ Kế hoạch Tài chính Thanh tra Pháp chế Cục Tổng cục Trung tâm Viện Trường Đại học Cao đẳng Công ty "
    "Tập đoàn Bưu điện Viễn Hội đồng Ban Phòng Chi cục Đảng ủy uỷ Công đoàn Đoàn Thanh niên Hà Nội Đà Nẵng Huế "
    "Lạt Nẵng Quảng Ngãi Thừa Thiên Bắc Giang Khánh Hòa Hoà Bình Dương Cần Thơ Nghệ An Hải Phòng Sóc Trăng"
)
JOB_WORDS = _words(
    "Phó phòng Trưởng Giám đốc Chuyên viên chính cao cấp Cán sự Nhân viên Thư ký Chủ tịch Bí thư Thứ trưởng "
    "Kế toán Thủ quỹ Lái xe Bảo vệ Kỹ sư Văn thư Lưu trữ Tổ trưởng Ủy viên Thường trực Quản lý Điều hành Hợp đồng"
)


def full_names() -> list[str]:
    """About 13,000 distinct full names: every sixth of family × middle × given, so every part occurs."""
    return [" ".join(parts) for parts in itertools.product(FAMILY, MIDDLE, GIVEN)][::6]


def variants(name: str) -> list[str]:
    """The shapes a correct name arrives in: as typed, upper case, decomposed (NFD), without accents."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", name) if not unicodedata.combining(ch))
    return [name, name.upper(), unicodedata.normalize("NFD", name), stripped.replace("đ", "d").replace("Đ", "D")]


def unit_and_job_texts() -> list[str]:
    """Unit names and job titles: every word alone, and consecutive runs of words."""
    texts = []
    for vocabulary in (UNIT_WORDS, JOB_WORDS):
        texts.extend(vocabulary)
        texts.extend(" ".join(vocabulary[i : i + n]) for n in (2, 3, 5) for i in range(len(vocabulary) - n + 1))
    return texts


# TCVN 5712:1993 VN3: byte -> Unicode letter.
TCVN3_BYTES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip

# VNI for Windows: Unicode letter -> the bytes typed for it (a base letter
# followed by a mark byte, or one byte of its own).
VNI_BYTES = {
    "à": b"a\xf8", "á": b"a\xf9", "ả": b"a\xfb", "ã": b"a\xf5", "ạ": b"a\xef",
    "â": b"a\xe2", "ầ": b"a\xe0", "ấ": b"a\xe1", "ẩ": b"a\xe5", "ẫ": b"a\xe3", "ậ": b"a\xe4",
    "ă": b"a\xea", "ằ": b"a\xe8", "ắ": b"a\xe9", "ẳ": b"a\xfa", "ẵ": b"a\xfc", "ặ": b"a\xeb",
    "è": b"e\xf8", "é": b"e\xf9", "ẻ": b"e\xfb", "ẽ": b"e\xf5", "ẹ": b"e\xef",
    "ê": b"e\xe2", "ề": b"e\xe0", "ế": b"e\xe1", "ể": b"e\xe5", "ễ": b"e\xe3", "ệ": b"e\xe4",
    "ì": b"\xec", "í": b"\xed", "ỉ": b"\xe6", "ĩ": b"\xf3", "ị": b"\xf2",
    "ò": b"o\xf8", "ó": b"o\xf9", "ỏ": b"o\xfb", "õ": b"o\xf5", "ọ": b"o\xef",
    "ô": b"o\xe2", "ồ": b"o\xe0", "ố": b"o\xe1", "ổ": b"o\xe5", "ỗ": b"o\xe3", "ộ": b"o\xe4",
    "ơ": b"\xf4", "ờ": b"\xf4\xf8", "ớ": b"\xf4\xf9", "ở": b"\xf4\xfb", "ỡ": b"\xf4\xf5", "ợ": b"\xf4\xef",
    "ù": b"u\xf8", "ú": b"u\xf9", "ủ": b"u\xfb", "ũ": b"u\xf5", "ụ": b"u\xef",
    "ư": b"\xf6", "ừ": b"\xf6\xf8", "ứ": b"\xf6\xf9", "ử": b"\xf6\xfb", "ữ": b"\xf6\xf5", "ự": b"\xf6\xef",
    "ỳ": b"y\xf8", "ý": b"y\xf9", "ỷ": b"y\xfb", "ỹ": b"y\xf5", "ỵ": b"\xee",
    "đ": b"\xf1",
    "À": b"A\xd8", "Á": b"A\xd9", "Ả": b"A\xdb", "Ã": b"A\xd5", "Ạ": b"A\xcf",
    "Â": b"A\xc2", "Ầ": b"A\xc0", "Ấ": b"A\xc1", "Ẩ": b"A\xc5", "Ẫ": b"A\xc3", "Ậ": b"A\xc4",
    "Ă": b"A\xca", "Ằ": b"A\xc8", "Ắ": b"A\xc9", "Ẳ": b"A\xda", "Ẵ": b"A\xdc", "Ặ": b"A\xcb",
    "È": b"E\xd8", "É": b"E\xd9", "Ẻ": b"E\xdb", "Ẽ": b"E\xd5", "Ẹ": b"E\xcf",
    "Ê": b"E\xc2", "Ề": b"E\xc0", "Ế": b"E\xc1", "Ể": b"E\xc5", "Ễ": b"E\xc3", "Ệ": b"E\xc4",
    "Ì": b"\xcc", "Í": b"\xcd", "Ỉ": b"\xc6", "Ĩ": b"\xd3", "Ị": b"\xd2",
    "Ò": b"O\xd8", "Ó": b"O\xd9", "Ỏ": b"O\xdb", "Õ": b"O\xd5", "Ọ": b"O\xcf",
    "Ô": b"O\xc2", "Ồ": b"O\xc0", "Ố": b"O\xc1", "Ổ": b"O\xc5", "Ỗ": b"O\xc3", "Ộ": b"O\xc4",
    "Ơ": b"\xd4", "Ờ": b"\xd4\xd8", "Ớ": b"\xd4\xd9", "Ở": b"\xd4\xdb", "Ỡ": b"\xd4\xd5", "Ợ": b"\xd4\xcf",
    "Ù": b"U\xd8", "Ú": b"U\xd9", "Ủ": b"U\xdb", "Ũ": b"U\xd5", "Ụ": b"U\xcf",
    "Ư": b"\xd6", "Ừ": b"\xd6\xd8", "Ứ": b"\xd6\xd9", "Ử": b"\xd6\xdb", "Ữ": b"\xd6\xd5", "Ự": b"\xd6\xcf",
    "Ỳ": b"Y\xd8", "Ý": b"Y\xd9", "Ỷ": b"Y\xdb", "Ỹ": b"Y\xd5", "Ỵ": b"\xce",
    "Đ": b"\xd1",
}  # fmt: skip

_TCVN3_FROM_UNICODE = {letter: bytes([code]) for code, letter in TCVN3_BYTES.items()}


def tcvn3_encodable(text: str) -> bool:
    """TCVN3 ABC has codes for lower-case accented letters and seven capitals only.

    (Accented capitals were typed with the same codes in the .VnTimeH fonts,
    so the file holds lower-case letters: no converter can restore the case.)
    """
    return all(ch.isascii() or ch in _TCVN3_FROM_UNICODE for ch in unicodedata.normalize("NFC", text))


def to_tcvn3(text: str) -> str:
    """``text`` as a .VnTime spreadsheet cell shows it read as Windows-1252."""
    return _encode(text, _TCVN3_FROM_UNICODE)


def to_vni(text: str) -> str:
    return _encode(text, VNI_BYTES)


def _encode(text: str, table: dict[str, bytes]) -> str:
    encoded = b"".join(table[ch] if ch in table else ch.encode("ascii") for ch in unicodedata.normalize("NFC", text))
    return encoded.decode("latin-1")
