import unicodedata

import pytest

from core.vn_syllables import ACUTE, DOT, GRAVE, Syllable, is_syllable, parse, tone_positions


@pytest.mark.parametrize(
    ("word", "onset", "rhyme", "tone"),
    [
        ("Nguyễn", "ng", "uyên", "\u0303"),
        ("nghĩa", "ngh", "ia", "\u0303"),
        ("quốc", "qu", "ôc", ACUTE),
        ("quyết", "qu", "yêt", ACUTE),
        ("giếng", "gi", "êng", ACUTE),
        ("gì", "g", "i", GRAVE),
        ("yến", "", "yên", ACUTE),
        ("Thạch", "th", "ach", DOT),
        ("rượu", "r", "ươu", DOT),
        ("khuya", "kh", "uya", None),
        ("xoong", "x", "oong", None),
    ],
)
def test_onset_rhyme_and_tone_are_found(word, onset, rhyme, tone):
    assert parse(word) == Syllable(onset=onset, rhyme=rhyme, tone=tone)


@pytest.mark.parametrize(
    "word",
    ["Tô", "Lâm", "Phó", "phòng", "Hoàng", "Tú", "chú", "Công", "Thành", "TÔ", "LÂM", "Ủy", "uỷ", "khuỷu", "ngoẹo"],
)
def test_latin1_only_vietnamese_words_are_syllables(word):
    assert is_syllable(word)


@pytest.mark.parametrize(("old", "new"), [("hòa", "hoà"), ("thủy", "thuỷ"), ("hòe", "hoè"), ("Thúy", "Thuý")])
def test_both_tone_placement_styles_are_accepted(old, new):
    assert is_syllable(old) and is_syllable(new)


@pytest.mark.parametrize(
    ("word", "why"),
    [
        ("hòang", "tone on the medial of a closed rhyme"),
        ("qúy", "tone on the u of qu"),
        ("nguyêǹ", "tone on no letter"),
        ("mát̀", "two tones"),
        ("mat", "a stop coda without sắc or nặng"),
        ("mảt", "a stop coda with hỏi"),
        ("cê", "c before ê is written k"),
        ("kan", "k before a is written c"),
        ("ngê", "ng before ê is written ngh"),
        ("ghà", "gh only before e, ê, i"),
        ("kiên", None),
        ("iên", "iê without an onset is written yê"),
        ("tyên", "yê after an onset is written iê"),
        ("NguyÔn", "case inside the word"),
        ("Nguyeãn", "VNI mark bytes"),
        ("V¨n", "a TCVN3 byte"),
        ("Müller", "not Vietnamese letters"),
        ("Café", "f is no Vietnamese onset"),
        ("fan", "f is no Vietnamese onset"),
        ("", "empty"),
    ],
)
def test_malformed_words_are_refused(word, why):
    assert is_syllable(word) is (why is None)


def test_decomposed_input_reads_like_composed():
    assert parse(unicodedata.normalize("NFD", "Nguyễn")) == parse("Nguyễn")


@pytest.mark.parametrize(
    ("rhyme", "positions"),
    [("a", {0}), ("oa", {0, 1}), ("uy", {0, 1}), ("ai", {0}), ("oan", {1}), ("ươi", {1}), ("oai", {1}), ("iêu", {1})],
)
def test_tone_positions(rhyme, positions):
    assert tone_positions(rhyme) == positions
