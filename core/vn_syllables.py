"""The shape of a written Vietnamese syllable: onset + rhyme + one tone on the right vowel.

Used to tell real Vietnamese from text typed in a legacy 8-bit encoding (see
core.legacy_vn): "Tô Lâm" is two well-formed syllables, while its TCVN3
misreading "NguyÔn" or its VNI misreading "Nguyeãn" are not. The grammar is
orthographic (what is written, not how it sounds) and deliberately accepts
both tone-placement styles in use ("hòa" and "hoà", "thủy" and "thuỷ").

Pure functions, no Django.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# --- data --------------------------------------------------------------------


def _listed(text: str) -> frozenset[str]:
    """The words of a table written as text, one group of rhymes a line."""
    return frozenset(text.split())


ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
    "",
)  # fmt: skip

# Rhymes without a medial (the glide written o/u before the main vowel).
PLAIN_RHYMES = _listed(
    """
    a ac ach ai am an ang anh ao ap at au ay
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ich im in inh ip it iu ia iêc iêm iên iêng iêp iêt iêu
    y yêm yên yêt yêu
    o oc oi om on ong op ot oong ooc
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt
    ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu
    """
)

# Rhymes with the medial: written "o" before a, ă, e and "u" before â, ê, ơ, y.
MEDIAL_RHYMES = _listed(
    """
    oa oac oach oai oam oan oang oanh oao oap oat oay
    oăc oăm oăn oăng oăt
    oe oen oeo oet
    uân uâng uât uây
    uê uêch uênh
    uơ
    uy uych uynh uyt uyu uya uyên uyêt
    """
)

# After "qu" the u is the medial, so the medial rhymes appear without their
# first letter ("qua", "quân", "quyết"), plus a few of their own.
QU_RHYMES = frozenset({rhyme[1:] for rhyme in MEDIAL_RHYMES} | {"i", "ôc"})

# "gi" swallows the i of iê: "giếng" is gi + êng.
GI_EXTRA_RHYMES = frozenset({"êng", "êc"})

VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
# Syllables closed by a stop take only the sắc or nặng tone.
STOP_CODAS = ("ch", "c", "p", "t")
# Open two-vowel rhymes written with the tone on either vowel, old style
# ("hòa", "thủy") or new style ("hoà", "thuỷ").
_EITHER_STYLE = frozenset({"oa", "oe", "uy"})

GRAVE, ACUTE, HOOK, TILDE, DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
TONES = frozenset({GRAVE, ACUTE, HOOK, TILDE, DOT})
_STOP_TONES = frozenset({ACUTE, DOT})
# The letters c, g, ng are written k, gh, ngh before these.
_FRONT = frozenset("eêiy")


@dataclass(frozen=True)
class Syllable:
    onset: str
    rhyme: str
    tone: str | None  # one of TONES, None for the level tone


# --- grammar -----------------------------------------------------------------


def parse(word: str) -> Syllable | None:
    """The syllable ``word`` spells, or None if it is not a Vietnamese syllable.

    Case must be one of lower, Title or UPPER: "NguyÔn" (TCVN3 read as
    Latin-1) is not a name even though its letters are Vietnamese.
    """
    word = unicodedata.normalize("NFC", word)
    if not word or not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
        return None
    split = _split_tone(word.lower())
    if split is None:
        return None
    base, tone, tone_at = split
    for onset in ONSETS:
        if base.startswith(onset) and _fits(onset, base[len(onset) :], tone, tone_at - len(onset)):
            return Syllable(onset=onset, rhyme=base[len(onset) :], tone=tone)
    return None


def is_syllable(word: str) -> bool:
    return parse(word) is not None


def _split_tone(word: str) -> tuple[str, str | None, int] | None:
    """(letters without the tone, the tone, the index of the letter carrying it)."""
    letters: list[str] = []
    tone, tone_at = None, -1
    for ch in word:
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [mark for mark in decomposed[1:] if mark in TONES]
        if marks:
            if tone is not None or len(marks) > 1:
                return None
            tone, tone_at = marks[0], len(letters)
        letter = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        if len(letter) != 1:
            return None
        letters.append(letter)
    return "".join(letters), tone, tone_at


def _rhymes_after(onset: str) -> frozenset[str]:
    if onset == "qu":
        return QU_RHYMES
    if onset == "gi":
        return PLAIN_RHYMES | MEDIAL_RHYMES | GI_EXTRA_RHYMES
    return PLAIN_RHYMES | MEDIAL_RHYMES


def _spelling_ok(onset: str, rhyme: str) -> bool:
    first = rhyme[0]
    front = first in _FRONT
    if onset in ("c", "ng"):
        return not front
    if onset == "g":
        # "gì", "gìn": the i belongs to gi, written once.
        return first not in "eê"
    if onset in ("k", "gh", "ngh"):
        return front
    if onset == "gi":
        return first != "i"
    if rhyme.startswith("iê"):
        # iê is written yê without an onset: "yên", but "kiên".
        return onset != ""
    if rhyme.startswith("yê"):
        # ...and after qu, whose u is the medial: "quyết".
        return onset in ("", "qu")
    return True


def _fits(onset: str, rhyme: str, tone: str | None, tone_at: int) -> bool:
    if not rhyme or rhyme not in _rhymes_after(onset) or not _spelling_ok(onset, rhyme):
        return False
    if rhyme.endswith(STOP_CODAS) and tone not in _STOP_TONES:
        return False
    return tone is None or tone_at in tone_positions(rhyme)


def tone_positions(rhyme: str) -> frozenset[int]:
    """Where in ``rhyme`` the tone mark may stand."""
    vowels = [index for index, ch in enumerate(rhyme) if ch in VOWELS]
    marked = [index for index in vowels if rhyme[index] in _MARKED_VOWELS]
    if marked:
        # The vowel with its own diacritic carries the tone; in ươ the ơ.
        return frozenset({marked[-1]})
    if vowels[-1] < len(rhyme) - 1:
        # Closed rhyme: the last vowel ("hoàng", "quỳnh", "toán").
        return frozenset({vowels[-1]})
    if len(vowels) == 1:
        return frozenset(vowels)
    if len(vowels) == 2:
        return frozenset(vowels) if rhyme in _EITHER_STYLE else frozenset({vowels[0]})
    # Open three-vowel rhymes (oai, oay, uya, uyu, oeo): the middle one.
    return frozenset({vowels[1]})
