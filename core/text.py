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
