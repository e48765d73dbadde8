import shutil
import subprocess
import unicodedata

import pytest

from core.legacy_vn import (
    TCVN3,
    VNI,
    from_tcvn3,
    from_vni,
    legacy_evidence,
    propose,
    readings,
    reads_as_vietnamese,
    vietnamese_evidence,
)
from tests.core.vn_corpus import (
    TCVN3_BYTES,
    VNI_BYTES,
    full_names,
    tcvn3_encodable,
    to_tcvn3,
    to_vni,
    unit_and_job_texts,
    variants,
)


def convert(text: str) -> tuple[str, str | None]:
    """One cell on its own evidence: what an import applies unless the person refuses it."""
    proposal = propose([(0, text)]).get(0)
    if proposal is None or not proposal.default:
        return text, None
    return proposal.converted, proposal.encoding


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
        # The names and words the old detector "converted" (issue 12).
        "Tô Lâm",
        "Lê Thành Công",
        "Lâm Hoàng Tú",
        "Phó phòng",
        "Ghi chú",
        "TÔ LÂM",
        "Nguyễn Văn A",
        "Trần Thị Bình",
        "Thi đua, khen thưởng – “điển hình tiên tiến”",
        "Café",
        "José",
        "Müller",
        "nguyen.van.a@example.vn",
        "0912 345 678",
        "",
    ],
)
def test_unicode_and_plain_text_are_never_converted(text):
    assert convert(text) == (text, None)
    assert propose([(0, text)]) == {}


def test_latin1_vietnamese_that_also_reads_as_legacy_is_only_offered_in_a_legacy_file():
    # "Tô Lâm" is the TCVN3 spelling of "Tụ Lõm" too: in a TCVN3 file the
    # person is asked, and nothing changes unless they accept.
    proposals = propose([("a", "Tô Lâm"), ("b", "NguyÔn V¨n A")])
    assert proposals["a"].converted == "Tụ Lõm" and proposals["a"].default is False and proposals["a"].ambiguous
    assert proposals["b"].converted == "Nguyễn Văn A" and proposals["b"].default is True


def test_a_cell_readable_in_both_encodings_follows_the_file():
    text = "Hoaø"  # VNI "Hoà"; as TCVN3 "Hoaứ" is no syllable, so only VNI reads
    assert [reading.encoding for reading in readings(text)] == [VNI]
    both = "Tµ"  # TCVN3 "Tà"; VNI leaves µ, so only TCVN3
    assert [reading.encoding for reading in readings(both)] == [TCVN3]


def test_windows_1258_text_decodes_to_nfc_and_reads_as_vietnamese():
    # Windows-1258 stores ễ as ê + a combining tilde (0xDE).
    data = b"Nguy\xea\xden V\xe3n \xc1nh"
    decoded = data.decode("cp1258")
    assert decoded != unicodedata.normalize("NFC", decoded)
    assert reads_as_vietnamese(unicodedata.normalize("NFC", decoded))
    assert convert(unicodedata.normalize("NFC", decoded)) == ("Nguyễn Văn Ánh", None)


def test_evidence_counts_tell_8bit_legacy_from_windows_1258():
    legacy = "NguyÔn V¨n A, Hµ Néi"
    assert legacy_evidence(legacy) == 4 and vietnamese_evidence(legacy) == 0
    unicode = "Nguyễn Văn Ánh, Hà Nội"
    assert legacy_evidence(unicode) == 0 and vietnamese_evidence(unicode) == 5


# --- the corpus ----------------------------------------------------------------


def test_corpus_is_big_enough():
    assert len(set(full_names())) >= 10_000


def test_no_correct_name_title_or_unit_is_ever_converted():
    cells = [text for name in full_names() for text in variants(name)] + unit_and_job_texts()
    assert all(convert(text)[1] is None for text in cells)
    # As one file: nothing is even offered.
    assert propose(enumerate(cells)) == {}


def test_corpus_encoded_in_tcvn3_converts_back_exactly():
    texts = [text for text in full_names() + unit_and_job_texts() if tcvn3_encodable(text)]
    encoded = [to_tcvn3(text) for text in texts]
    proposals = propose(enumerate(encoded))
    for index, (text, legacy) in enumerate(zip(texts, encoded, strict=True)):
        repaired = proposals[index].converted if index in proposals else legacy
        assert repaired == text, legacy
    # What still reads as Vietnamese after encoding ("Vò" is "Vũ" in TCVN3
    # and a syllable itself) is offered, not applied: a handful, not a habit.
    ambiguous = [p for p in proposals.values() if not p.default]
    assert all(reads_as_vietnamese(p.original) for p in ambiguous)
    assert len(ambiguous) < len(texts) / 100


def test_corpus_encoded_in_vni_converts_back_exactly():
    texts = full_names() + [name.upper() for name in full_names()] + unit_and_job_texts()
    encoded = [to_vni(text) for text in texts]
    proposals = propose(enumerate(encoded))
    for index, (text, legacy) in enumerate(zip(texts, encoded, strict=True)):
        repaired = proposals[index].converted if index in proposals else legacy
        assert repaired == text, legacy
    ambiguous = [p for p in proposals.values() if not p.default]
    assert all(reads_as_vietnamese(p.original) for p in ambiguous)
    assert len(ambiguous) < len(texts) / 100


@pytest.mark.parametrize(("code", "letter"), sorted(TCVN3_BYTES.items()))
def test_every_tcvn3_code_converts(code, letter):
    assert from_tcvn3(bytes([code]).decode("latin-1")) == letter


@pytest.mark.parametrize(("letter", "typed"), sorted(VNI_BYTES.items()))
def test_every_vni_letter_converts(letter, typed):
    assert from_vni(typed.decode("latin-1")) == letter


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs iconv (glibc) for its TCVN5712-1 table")
def test_reference_tcvn3_table_agrees_with_glibc():
    letters = "".join(TCVN3_BYTES[code] for code in sorted(TCVN3_BYTES))
    encoded = subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input=letters.encode(), capture_output=True, check=True
    ).stdout
    assert list(encoded) == sorted(TCVN3_BYTES)
