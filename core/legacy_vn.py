"""Vietnamese text typed in legacy 8-bit font encodings (TCVN3 "ABC", VNI), back to Unicode.

Spreadsheets typed with .VnTime (TCVN3) or VNI-Times fonts store bytes that
read as Latin-1 letters: "NguyÔn V¨n A" (TCVN3) or "Nguyeãn Vaên A" (VNI)
for "Nguyễn Văn A". Pure functions, no Django.

Converting correct text is worse than leaving garbled text, so a text is
repaired only when it is not Vietnamese as typed and its legacy reading is
(every word a syllable by core.vn_syllables). Text with a letter beyond
Latin-1 is Unicode; text made of Latin-1 letters that already forms
syllables ("Tô Lâm", "Phó phòng") is Unicode too, unless the rest of its
file is legacy, and even then it is only offered, never applied by default.
Nothing here changes a cell: importers show each :class:`Proposal` next to
the original and apply the ones the person keeps.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from core.vn_syllables import is_syllable

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

_VNI_PAIR = re.compile("[aeiouyAEIOUYôöÔÖ][" + "".join(_VNI_MARKS) + "]")

# Words are split at spaces, digits and ASCII or general punctuation, none of
# which the legacy encodings use for letters (TCVN3 uses ¨ © ª « ¬ ® µ ...).
_SPLIT = re.compile("[\\s0-9!-/:-@\\[-`{-~\u2000-\u206f]+")


def _is_unicode_text(text: str) -> bool:
    # General punctuation (“ ” – …) appears in files of every encoding.
    return any(ord(ch) > 0xFF and not 0x2000 <= ord(ch) <= 0x206F for ch in text)


def _has_legacy_bytes(text: str) -> bool:
    return any(0xA0 <= ord(ch) <= 0xFF for ch in text)


def from_tcvn3(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(_TCVN3_TABLE.get(ch, ch) for ch in text))


def from_vni(text: str) -> str:
    out: list[str] = []
    for ch in text:
        mark = _VNI_MARKS.get(ch)
        if mark is not None and out and unicodedata.normalize("NFD", out[-1])[0] in _VNI_BASES:
            out[-1] = unicodedata.normalize("NFC", out[-1] + mark)
            continue
        out.append(_VNI_LETTERS.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


_DECODERS = ((TCVN3, from_tcvn3), (VNI, from_vni))


def words(text: str) -> list[str]:
    return [word for word in _SPLIT.split(text) if word]


def reads_as_vietnamese(text: str) -> bool:
    """Every word with a letter beyond ASCII is a Vietnamese syllable (plain ASCII words prove nothing)."""
    return all(is_syllable(word) for word in words(text) if not word.isascii())


@dataclass(frozen=True)
class Reading:
    """One way to read a text as legacy-encoded Vietnamese."""

    original: str
    converted: str
    encoding: str


def readings(text: str) -> list[Reading]:
    """The legacy readings of ``text`` that give Vietnamese, TCVN3 first.

    Empty for text that cannot be legacy: text with a letter beyond Latin-1
    (ư, ơ, ă, đ, ạ... only exist in Unicode) or without any Latin-1 letter.
    """
    if not text or _is_unicode_text(text) or not _has_legacy_bytes(text):
        return []
    found = []
    for encoding, decode in _DECODERS:
        converted = decode(text)
        if converted != text and reads_as_vietnamese(converted):
            found.append(Reading(original=text, converted=converted, encoding=encoding))
    return found


@dataclass(frozen=True)
class Proposal:
    """A conversion shown to the person, who may refuse it.

    ``default`` is whether it is applied unless refused: False when the text
    as typed also reads as Vietnamese (the person decides).
    """

    original: str
    converted: str
    encoding: str
    default: bool

    @property
    def ambiguous(self) -> bool:
        return not self.default


def propose(cells: Iterable[tuple[Hashable, str]]) -> dict[Hashable, Proposal]:
    """The conversions to offer for a file's cells, keyed like ``cells``.

    A file is typed in one encoding, so the cells that are certainly legacy
    (unreadable as typed, one Vietnamese reading) name the file's encoding;
    it decides the cells that read both ways. In a file with no certain
    legacy cell, text that reads as Vietnamese as typed is Unicode and is
    not mentioned at all: "Tô Lâm" stays "Tô Lâm" without a word.
    """
    candidates: list[tuple[Hashable, list[Reading], bool]] = []
    for key, text in cells:
        found = readings(text)
        if found:
            candidates.append((key, found, reads_as_vietnamese(text)))
    certain = Counter(found[0].encoding for _key, found, typed_ok in candidates if len(found) == 1 and not typed_ok)
    file_encoding = certain.most_common(1)[0][0] if certain else None
    proposals: dict[Hashable, Proposal] = {}
    for key, found, typed_ok in candidates:
        by_encoding = {reading.encoding: reading for reading in found}
        if typed_ok:
            if file_encoding in by_encoding:
                reading = by_encoding[file_encoding]
                proposals[key] = Proposal(reading.original, reading.converted, reading.encoding, default=False)
            continue
        if len(found) == 1:
            reading, default = found[0], True
        elif file_encoding is not None:
            reading, default = by_encoding[file_encoding], True
        else:
            # Both readings are Vietnamese and the file says nothing: VNI
            # types marks after the vowel, which TCVN3 text rarely shows.
            reading = by_encoding[VNI if _VNI_PAIR.search(found[0].original) else TCVN3]
            default = False
        proposals[key] = Proposal(reading.original, reading.converted, reading.encoding, default=default)
    return proposals


def legacy_evidence(text: str) -> int:
    """How many words of ``text`` only read as Vietnamese through a legacy encoding."""
    count = 0
    for word in words(text):
        if word.isascii() or is_syllable(word):
            continue
        if any(reads_as_vietnamese(decode(word)) and decode(word) != word for _encoding, decode in _DECODERS):
            count += 1
    return count


def vietnamese_evidence(text: str) -> int:
    """How many words of ``text`` beyond ASCII are Vietnamese syllables as they stand."""
    return sum(1 for word in words(text) if not word.isascii() and is_syllable(word))
