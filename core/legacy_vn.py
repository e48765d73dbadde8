"""Vietnamese text typed in legacy 8-bit font encodings (TCVN3 "ABC", VNI), back to Unicode.

Spreadsheets typed with .VnTime (TCVN3) or VNI-Times fonts store bytes that
read as Latin-1 letters: "NguyÔn V¨n A" (TCVN3) or "Nguyeãn Vaên A" (VNI)
for "Nguyễn Văn A". Pure functions, no Django.

Detection is deliberately cautious, because converting real text would be
worse than leaving garbled text: a text containing any character beyond
Latin-1 (real Unicode Vietnamese has ư, ơ, ă, đ, ạ...) is never touched; a
candidate conversion is accepted only when every changed word becomes a
well-formed Vietnamese syllable, so "Café" or "José" stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

TCVN3 = "tcvn3"
VNI = "vni"

# TCVN3 code points (as Latin-1 characters) -> Unicode. The base .VnTime
# fonts carry lower-case accented letters and a few capitals; upper-case
# accented letters use the same codes in the .VnTimeH fonts.
_TCVN3_TABLE = {
    "µ": "à",
    "¸": "á",
    "¶": "ả",
    "·": "ã",
    "¹": "ạ",
    "¨": "ă",
    "»": "ằ",
    "¾": "ắ",
    "¼": "ẳ",
    "½": "ẵ",
    "Æ": "ặ",
    "©": "â",
    "Ç": "ầ",
    "Ê": "ấ",
    "È": "ẩ",
    "É": "ẫ",
    "Ë": "ậ",
    "®": "đ",
    "Ì": "è",
    "Ð": "é",
    "Î": "ẻ",
    "Ï": "ẽ",
    "Ñ": "ẹ",
    "ª": "ê",
    "Ò": "ề",
    "Õ": "ế",
    "Ó": "ể",
    "Ô": "ễ",
    "Ö": "ệ",
    "×": "ì",
    "Ý": "í",
    "Ø": "ỉ",
    "Ü": "ĩ",
    "Þ": "ị",
    "ß": "ò",
    "ã": "ó",
    "á": "ỏ",
    "â": "õ",
    "ä": "ọ",
    "«": "ô",
    "å": "ồ",
    "è": "ố",
    "æ": "ổ",
    "ç": "ỗ",
    "é": "ộ",
    "¬": "ơ",
    "ê": "ờ",
    "í": "ớ",
    "ë": "ở",
    "ì": "ỡ",
    "î": "ợ",
    "ï": "ù",
    "ó": "ú",
    "ñ": "ủ",
    "ò": "ũ",
    "ô": "ụ",
    "\xad": "ư",
    "õ": "ừ",
    "ø": "ứ",
    "ö": "ử",
    "÷": "ữ",
    "ù": "ự",
    "ú": "ỳ",
    "ý": "ý",
    "û": "ỷ",
    "ü": "ỹ",
    "þ": "ỵ",
    "¡": "Ă",
    "¢": "Â",
    "§": "Đ",
    "£": "Ê",
    "¤": "Ô",
    "¥": "Ơ",
    "¦": "Ư",
}

# VNI: letters that are whole characters of their own...
_VNI_LETTERS = {
    "ô": "ơ",
    "Ô": "Ơ",
    "ö": "ư",
    "Ö": "Ư",
    "ñ": "đ",
    "Ñ": "Đ",
    "ì": "ì",
    "Ì": "Ì",
    "í": "í",
    "Í": "Í",
    "æ": "ỉ",
    "Æ": "Ỉ",
    "ó": "ĩ",
    "Ó": "Ĩ",
    "ò": "ị",
    "Ò": "Ị",
    "î": "ỵ",
    "Î": "Ỵ",
}
# ...and marks typed after the base vowel, as combining sequences.
_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE = "\u0302", "\u0306"
_VNI_MARKS = {
    "ø": _GRAVE,
    "ù": _ACUTE,
    "û": _HOOK,
    "õ": _TILDE,
    "ï": _DOT,
    "â": _CIRC,
    "à": _CIRC + _GRAVE,
    "á": _CIRC + _ACUTE,
    "å": _CIRC + _HOOK,
    "ã": _CIRC + _TILDE,
    "ä": _CIRC + _DOT,
    "ê": _BREVE,
    "è": _BREVE + _GRAVE,
    "é": _BREVE + _ACUTE,
    "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
_VNI_MARKS.update({key.upper(): value for key, value in list(_VNI_MARKS.items())})
_VNI_BASES = set("aeiouyAEIOUYơưƠƯ")

_TONES = {_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT}
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUCLEUS = r"(?:[aăâeêioôơuưy]{1,3})"
_CODA = r"(?:ch|ng|nh|c|m|n|p|t)?"
_SYLLABLE = re.compile(rf"^{_ONSET}{_NUCLEUS}{_CODA}$")
# Vowel sequences that exist in Vietnamese (after removing tones).
_VOWEL_GROUPS = frozenset(
    (
        "a",
        "ă",
        "â",
        "e",
        "ê",
        "i",
        "o",
        "ô",
        "ơ",
        "u",
        "ư",
        "y",
        "ai",
        "ao",
        "au",
        "ay",
        "âu",
        "ây",
        "eo",
        "êu",
        "ia",
        "iê",
        "iu",
        "oa",
        "oă",
        "oe",
        "oi",
        "ôi",
        "ơi",
        "oo",
        "ua",
        "uâ",
        "uê",
        "ui",
        "uô",
        "uơ",
        "uy",
        "ưa",
        "ưi",
        "ưu",
        "ươ",
        "iêu",
        "yê",
        "yêu",
        "oai",
        "oao",
        "oay",
        "oeo",
        "uây",
        "uôi",
        "uya",
        "uyê",
        "uyu",
        "ươi",
        "ươu",
    )
)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass
class Conversion:
    original: str
    converted: str
    encoding: str


def _is_unicode_text(text: str) -> bool:
    # General punctuation (“ ” – …) appears in files of every encoding.
    return any(ord(ch) > 0xFF and not 0x2000 <= ord(ch) <= 0x206F for ch in text)


def _has_legacy_bytes(text: str) -> bool:
    return any(0xA0 <= ord(ch) <= 0xFF or ch == "\xad" for ch in text)


def from_tcvn3(text: str) -> str:
    return "".join(_TCVN3_TABLE.get(ch, ch) for ch in text)


def from_vni(text: str) -> str:
    out: list[str] = []
    for ch in text:
        mark = _VNI_MARKS.get(ch)
        if mark is not None and out and unicodedata.normalize("NFD", out[-1])[0] in _VNI_BASES | {"o", "u", "O", "U"}:
            out[-1] = unicodedata.normalize("NFC", out[-1] + mark)
            continue
        out.append(_VNI_LETTERS.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def _plausible_word(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONES)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    if not _SYLLABLE.match(base):
        return False
    vowels = re.sub(r"^(?:qu|gi)(?=[aăâeêioôơuưy])", "", base)
    group = re.search(r"[aăâeêioôơuưy]+", vowels)
    return group is None or group.group(0) in _VOWEL_GROUPS


# Latin-1 letters that are also Vietnamese letters, so may remain after conversion.
_VIETNAMESE_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_VNI_PAIR = re.compile("[aeiouyAEIOUYôöÔÖ][" + "".join(_VNI_MARKS) + "]")


def _plausible(original: str, converted: str) -> bool:
    leftover = any(_has_legacy_bytes(ch) and ch not in _VIETNAMESE_LATIN1 for ch in converted)
    if converted == original or leftover:
        return False
    changed = [w for w in _WORD.findall(converted) if w not in _WORD.findall(original)]
    return bool(changed) and all(_plausible_word(w) for w in changed)


def detect(text: str) -> str | None:
    """TCVN3, VNI, or None when the text should be left alone."""
    if not text or _is_unicode_text(text) or not _has_legacy_bytes(text):
        return None
    candidates = [enc for enc, conv in ((TCVN3, from_tcvn3), (VNI, from_vni)) if _plausible(text, conv(text))]
    if len(candidates) == 2:
        # Both read as Vietnamese (short texts): VNI types marks after the
        # vowel, which TCVN3 text almost never shows.
        return VNI if _VNI_PAIR.search(text) else TCVN3
    return candidates[0] if candidates else None


def convert(text: str) -> tuple[str, str | None]:
    """The Unicode text and the encoding it was converted from (None: unchanged)."""
    encoding = detect(text)
    if encoding == TCVN3:
        return unicodedata.normalize("NFC", from_tcvn3(text)), encoding
    if encoding == VNI:
        return from_vni(text), encoding
    return text, None


@dataclass
class LegacyFixer:
    """A ``cell_fixer`` for core.spreadsheets that remembers what it converted."""

    conversions: dict[str, Conversion] = field(default_factory=dict)

    def __call__(self, text: str) -> str:
        converted, encoding = convert(text)
        if encoding is not None:
            key = unicodedata.normalize("NFC", converted).strip()
            self.conversions[key] = Conversion(original=text, converted=converted, encoding=encoding)
        return converted
