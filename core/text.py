"""Text rules every app shares: NFC storage and accent-insensitive folding.

Pure functions with no app imports, so any layer may use them.
"""

import unicodedata

# Unicode gives đ/Đ no decomposition, so stripping combining marks alone
# would leave them; they are folded by hand.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(value: str | None) -> str | None:
    """The NFC form of a text, the form we store (None stays None)."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value)


def fold(value: str) -> str:
    """Lower-case text without Vietnamese accents: "Thi đua" -> "thi dua"."""
    decomposed = unicodedata.normalize("NFD", value.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).casefold()


def collapse_spaces(value: str) -> str:
    """One space between words, none at the ends (names typed by hand)."""
    return " ".join(value.split())


def control_characters(value: str, *, line_breaks: bool = False) -> list[str]:
    """The control characters in ``value`` as "U+0000", each once, in order of appearance.

    NUL, the other C0 and C1 controls, lone surrogates and the noncharacters
    U+FFFE/U+FFFF: invisible in a preview, refused by PostgreSQL (NUL) or
    by XML (most of them) when the text is written out again. Tab is allowed;
    line breaks only where asked (notes, not names).
    """
    allowed = {"\t", "\n", "\r"} if line_breaks else {"\t"}
    found: dict[str, None] = {}
    for ch in value:
        code = ord(ch)
        if ch in allowed:
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            found.setdefault(f"U+{code:04X}")
    return list(found)
