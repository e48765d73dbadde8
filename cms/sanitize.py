"""The one place where HTML from outside is made safe to show.

Training content, quiz stems and imported text may carry HTML pasted from
Word, exported from another LMS or written by a hostile account. Whatever is
later rendered with ``|safe`` passes through :func:`sanitize_html` first;
:func:`html_to_text` gives the plain text of such HTML (search, previews,
PDFs, e-mail).

This is the only module in the project that imports bleach, and a test keeps
it that way. bleach is no longer maintained (its maintainers announced on
2026-06-05 that there will be no further releases, not even for security
issues), so replacing it must mean rewriting this file and nothing else.

Not for Wagtail rich text in its database format: that format stores page
links and images as ``<a linktype="page" id="…">`` and ``<embed embedtype=…>``,
which this allow-list removes. Wagtail's editor already limits what it stores.
"""

import html
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner
from django.conf import settings

from core.text import nfc

Token = dict[str, Any]

# What training text needs and nothing more. Deliberately absent:
# - h1: the page title is the page's only h1;
# - span, div, class, id, style: they carry only presentation or hooks into
#   the site's CSS and JS (a pasted class="message-error" would pass for a
#   system message), and the site's Content-Security-Policy blocks inline
#   style anyway;
# - iframe, object, embed, form, input, svg, math: active or foreign content.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "strong", "b", "em", "i", "u", "s", "sub", "sup", "code", "pre",
        "ul", "ol", "li", "blockquote",
        "h2", "h3", "h4",
        "a", "img",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)  # fmt: skip
LINK_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Removed together with everything inside them, rather than leaving their
# text behind: a quiz stem should not start with the body of a <script> or
# the CSS of a Word <style> block. The parser must see them as elements
# (so that their contents are raw text, as in a browser); _DropContentFilter
# then removes them before the serializer runs.
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "noembed", "noframes", "xmp", "title"}
)

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_SMALL_NUMBER = re.compile(r"[1-9][0-9]{0,2}")
_PIXELS = re.compile(r"[1-9][0-9]{0,3}")
_LIST_START = re.compile(r"-?[0-9]{1,4}")
# Characters allowed in an image path after MEDIA_URL: what Django's storage
# produces (letters of any script, digits, _ - . / ~ and %-escapes).
_MEDIA_PATH = re.compile(r"[\w\-./~%+]+")


def _browser_scheme(value: str) -> str | None:
    """The scheme a browser would find in an attribute value, lower-cased.

    bleach checks the scheme too; this second check decodes character
    references the way HTML5 does (``&#106`` without its semicolon counts)
    and drops every control, format and space character a browser would skip
    or an attacker could hide in ``java&#x09;script:``. None means a relative
    URL (a path, ``#anchor`` or ``//host``).
    """
    decoded = html.unescape(value)
    compact = "".join(ch for ch in decoded if not ch.isspace() and unicodedata.category(ch)[0] not in "CZ")
    match = _SCHEME.match(compact)
    return match.group(1).lower() if match else None


def _is_safe_link(value: str) -> bool:
    scheme = _browser_scheme(value)
    return scheme is None or scheme in LINK_PROTOCOLS


def _is_own_media(value: str) -> bool:
    """True for an image uploaded to this site (a path under MEDIA_URL).

    Images are allowed only from our own media, not from any http(s) URL: a
    remote image tells its host who read the lesson and when (a tracking
    pixel), and the public Content-Security-Policy (img-src 'self' data:)
    would block it anyway. data: URLs are refused too (SVG payloads, huge
    inline blobs in the database). Character references, '..' and '%2e' are
    refused so that the path cannot climb out of MEDIA_URL to another URL
    of the site.
    """
    prefix = settings.MEDIA_URL or ""
    if not prefix or prefix.startswith("//") or not value.startswith(prefix):
        return False
    rest = value[len(prefix) :]
    return bool(_MEDIA_PATH.fullmatch(rest)) and ".." not in rest and "%2e" not in rest.lower()


def _anchor_attribute(tag: str, name: str, value: str) -> bool:
    if name == "href":
        return _is_safe_link(value)
    return name == "title"


def _image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return _is_own_media(value)
    if name in {"width", "height"}:
        return bool(_PIXELS.fullmatch(value))
    return name in {"alt", "title"}


def _cell_attribute(tag: str, name: str, value: str) -> bool:
    # Browsers clamp colspan at 1000 and rowspan at 65534; a lesson table
    # needs neither, and a huge span only breaks the layout.
    if name in {"colspan", "rowspan"}:
        return bool(_SMALL_NUMBER.fullmatch(value))
    return tag == "th" and name == "scope" and value in {"row", "col", "rowgroup", "colgroup"}


def _list_attribute(tag: str, name: str, value: str) -> bool:
    # Legal texts number their points a), b), c): <ol type="a">.
    if name == "start":
        return bool(_LIST_START.fullmatch(value))
    return name == "type" and value in {"1", "a", "A", "i", "I"}


ALLOWED_ATTRIBUTES: dict[str, Callable[[str, str, str], bool]] = {
    "a": _anchor_attribute,
    "img": _image_attribute,
    "th": _cell_attribute,
    "td": _cell_attribute,
    "ol": _list_attribute,
}


class _DropContentFilter(Filter):
    """Removes the _DROP_WITH_CONTENT elements and everything inside them."""

    def __iter__(self) -> Iterator[Token]:
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            if depth:
                # The tree walker emits balanced start and end tags, so a
                # counter finds the end of the dropped element.
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth -= 1
                continue
            if kind in {"StartTag", "EmptyTag", "EndTag"} and token["name"] in _DROP_WITH_CONTENT:
                if kind == "StartTag":
                    depth = 1
                continue
            yield token


def _is_plain(decoded: str) -> bool:
    """True when a decoded character reference can be written as a character.

    Controls, format characters (bidi overrides, zero-width joiners) and
    spaces other than U+0020 (such as &nbsp;) stay character references, so
    that what an editor typed on purpose stays visible in the source.
    """
    return all(ch == " " or unicodedata.category(ch)[0] not in "CZ" for ch in decoded)


def _normalise_run(tokens: list[Token]) -> Iterator[Token]:
    """One run of text between two tags, NFC-normalised.

    bleach leaves character references in text as written; the ones that
    stand for letters and marks (``e&#x301;``, ``&agrave;``) are decoded so
    that the text can be composed (the serializer escapes <, > and & again).

    Normalising the serialized HTML as a whole would be unsafe: NFC turns
    ">" followed by U+0338 COMBINING LONG SOLIDUS OVERLAY into "≯", which
    would eat the end of a tag and let the rest of the text become attribute
    markup. So text is normalised run by run, and combining marks at the start
    of a run (which would follow a ">") are written as character references.
    The result is stable under NFC: nfc(output) == output.
    """
    pieces: list[str | Token] = []
    text: list[str] = []
    for token in tokens:
        if token["type"] == "Entity":
            decoded = html.unescape(f"&{token['name']};")
            if _is_plain(decoded):
                text.append(decoded)
                continue
            if text:
                pieces.append("".join(text))
                text = []
            pieces.append(token)
        else:
            text.append(token["data"])
    if text:
        pieces.append("".join(text))

    for index, piece in enumerate(pieces):
        if not isinstance(piece, str):
            yield piece
            continue
        composed = nfc(piece) or ""
        if index == 0:
            lead = 0
            while lead < len(composed) and unicodedata.combining(composed[lead]):
                yield {"type": "Entity", "name": f"#x{ord(composed[lead]):x}"}
                lead += 1
            composed = composed[lead:]
        if composed:
            yield {"type": "Characters", "data": composed}


class _TextFilter(Filter):
    """Decodes and NFC-normalises each run of text (see _normalise_run)."""

    def __iter__(self) -> Iterator[Token]:
        run: list[Token] = []
        for token in super().__iter__():
            if token["type"] in {"Characters", "SpaceCharacters", "Entity"}:
                run.append(token)
                continue
            if run:
                yield from _normalise_run(run)
                run = []
            yield token
        if run:
            yield from _normalise_run(run)


class _FinishFilter(Filter):
    """Adds rel to links and drops images left without a source.

    Runs after bleach has dropped any rel the input carried. Every link gets
    rel="noopener noreferrer nofollow": nofollow keeps search engines from
    crediting links that editors did not vet; noopener and noreferrer keep
    the linked site from reaching back into our tab or learning which lesson
    linked to it. An <img> whose source was refused would only show a broken
    image.
    """

    def __iter__(self) -> Iterator[Token]:
        for token in super().__iter__():
            if token["type"] in {"StartTag", "EmptyTag"}:
                if token["name"] == "a" and (None, "href") in token["data"]:
                    token["data"][(None, "rel")] = LINK_REL
                elif token["name"] == "img" and (None, "src") not in token["data"]:
                    continue
            yield token


# Tags after which plain text needs a line break.
_TEXT_BREAKS = frozenset({"p", "br", "hr", "li", "blockquote", "h2", "h3", "h4", "pre", "table", "caption", "tr"})


class _PlainTextFilter(Filter):
    """Keeps text only; block boundaries become line breaks."""

    def __iter__(self) -> Iterator[Token]:
        for token in super().__iter__():
            kind = token["type"]
            if kind in {"Characters", "SpaceCharacters", "Entity"}:
                yield token
            elif kind in {"StartTag", "EmptyTag", "EndTag"}:
                if token["name"] in _TEXT_BREAKS:
                    yield {"type": "Characters", "data": "\n"}
                elif token["name"] in {"td", "th"}:
                    yield {"type": "Characters", "data": " "}


def _build_cleaners() -> tuple[Cleaner, Cleaner]:
    html_cleaner = Cleaner(
        tags=ALLOWED_TAGS | _DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=LINK_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_DropContentFilter, _TextFilter, _FinishFilter],
    )
    text_cleaner = Cleaner(
        tags=ALLOWED_TAGS | _DROP_WITH_CONTENT,
        attributes={},
        protocols=LINK_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_DropContentFilter, _PlainTextFilter],
    )
    for cleaner in (html_cleaner, text_cleaner):
        # html5lib would single-quote a value that contains '"', and bleach's
        # serializer then skips its entity handling for that value: every
        # pass would turn "&lt;" into "&amp;lt;". Always double quotes
        # ('"' inside becomes &quot;) keeps sanitising a fixed point.
        cleaner.serializer.use_best_quote_char = False
    return html_cleaner, text_cleaner


# A Cleaner keeps parser state between calls and is not thread-safe, so each
# thread (gunicorn threads, Celery threads) gets its own pair.
_local = threading.local()


def _cleaners() -> tuple[Cleaner, Cleaner]:
    cleaners = getattr(_local, "cleaners", None)
    if cleaners is None:
        cleaners = _local.cleaners = _build_cleaners()
    return cleaners


def sanitize_html(value: str) -> str:
    """HTML that is safe to render with ``|safe``: only ALLOWED_TAGS remain.

    Disallowed tags are removed and their text kept (script, style and the
    like lose their text too); comments are removed; attributes are kept
    only where ALLOWED_ATTRIBUTES says so; links keep only http, https,
    mailto and relative URLs and get ``rel="noopener noreferrer nofollow"``;
    images keep only sources under MEDIA_URL. Text comes out NFC-normalised.
    """
    if not value:
        return ""
    html_cleaner, _ = _cleaners()
    return html_cleaner.clean(nfc(value) or "")


_BLANK_LINES = re.compile(r"\n{2,}")
_SPACES = re.compile(r"[^\S\n]+")


def html_to_text(value: str) -> str:
    """The text of an HTML fragment, NFC-normalised, for places that take no markup.

    Paragraphs, list items and line breaks become single line breaks; the
    contents of script and style elements are dropped. The result is plain
    text, not HTML: it must still be escaped where it is put into HTML
    (Django templates do that).
    """
    if not value:
        return ""
    _, text_cleaner = _cleaners()
    text = html.unescape(text_cleaner.clean(nfc(value) or ""))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return nfc(_BLANK_LINES.sub("\n", "\n".join(lines)).strip()) or ""
