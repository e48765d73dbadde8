"""cms.sanitize: known XSS vectors come out inert, training markup survives.

Outputs are checked by parsing them (Python's html.parser) and inspecting the
elements and attributes a browser would build, against an allow-list kept
here on purpose: widening the module's list must be a visible decision in
this file too.
"""

import ast
import os
import random
import re
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cms.sanitize import html_to_text, sanitize_html
from core.text import nfc

PROJECT_ROOT = Path(__file__).resolve().parents[2]

EXPECTED_ATTRIBUTES: dict[str, set[str]] = {
    "p": set(),
    "br": set(),
    "hr": set(),
    "strong": set(),
    "b": set(),
    "em": set(),
    "i": set(),
    "u": set(),
    "s": set(),
    "sub": set(),
    "sup": set(),
    "code": set(),
    "pre": set(),
    "ul": set(),
    "ol": {"start", "type"},
    "li": set(),
    "blockquote": set(),
    "h2": set(),
    "h3": set(),
    "h4": set(),
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "table": set(),
    "caption": set(),
    "thead": set(),
    "tbody": set(),
    "tfoot": set(),
    "tr": set(),
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag = tag
        self.attrs = attrs


class Inspector(HTMLParser):
    """Records what a browser would build: elements, attributes, comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.comments: list[str] = []
        self.declarations: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.declarations.append(decl)

    def handle_pi(self, data):
        self.declarations.append(data)

    def unknown_decl(self, data):
        self.declarations.append(data)

    def handle_data(self, data):
        self.text.append(data)


def inspect(markup: str) -> Inspector:
    parser = Inspector()
    parser.feed(markup)
    parser.close()
    return parser


def url_scheme(value: str) -> str | None:
    """The scheme a browser finds in an attribute value (None: a relative URL).

    The parser has already decoded character references, once, as a browser
    does. The URL parser then skips tabs, newlines and leading controls and
    spaces; what precedes the first ":" is a scheme only if it is a letter
    followed by letters, digits, "+", "-" or ".". Format and other invisible
    characters are dropped too, to err on the strict side.
    """
    compact = "".join(ch for ch in value if not ch.isspace() and unicodedata.category(ch)[0] not in "CZ")
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", compact)
    return match.group(1).lower() if match else None


def assert_safe(markup: str) -> None:
    # NFC is the project's storage form; normalising must neither change the
    # output nor make it unsafe (NFC composes ">" + U+0338 into "≯").
    assert nfc(markup) == markup
    parsed = inspect(markup)
    assert not parsed.comments, parsed.comments
    assert not parsed.declarations, parsed.declarations
    for element in parsed.elements:
        assert element.tag in EXPECTED_ATTRIBUTES, f"<{element.tag}> in {markup!r}"
        unexpected = set(element.attrs) - EXPECTED_ATTRIBUTES[element.tag]
        assert not unexpected, f"{unexpected} on <{element.tag}> in {markup!r}"
        assert not any(name.startswith("on") for name in element.attrs)
        if "href" in element.attrs:
            scheme = url_scheme(element.attrs["href"])
            assert scheme is None or scheme in SAFE_SCHEMES, f"href {element.attrs['href']!r}"
            assert element.attrs.get("rel") == "noopener noreferrer nofollow"
        if element.tag == "img":
            assert element.attrs["src"].startswith("/media/"), f"img src {element.attrs['src']!r}"
    # Sanitising is a fixed point: what comes out is what would come out again,
    # so no re-parse (by us or by a browser) finds something new.
    assert sanitize_html(markup) == markup


# OWASP's encoded variants: decimal and hex references, with and without
# semicolons and with leading zeros.
PAYLOAD = "javascript:alert('XSS')"
XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>alert(1);//<</script>",
    '<script type="text/javascript">document.write("<img src=x onerror=alert(1)>")</script>',
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG SRC=" + "".join(f"&#{ord(ch)};" for ch in PAYLOAD) + ">",
    "<IMG SRC=" + "".join(f"&#{ord(ch):07d}" for ch in PAYLOAD) + ">",
    "<IMG SRC=" + "".join(f"&#x{ord(ch):X}" for ch in PAYLOAD) + ">",
    '<img """><script>alert(1)</script>">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img src="/media/a.png" alt="ảnh" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="jav&#x0D;ascript:alert(1)">x</a>',
    '<a href="java&Tab;script:alert(1)">x</a>',
    '<a href="java&NewLine;script:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="&#106avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    '<a href="&amp;#106;avascript:alert(1)">x</a>',
    '<a href="javascript://%0aalert(1)">x</a>',
    '<a href="\u2028javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="https://thuvienphapluat.vn" onclick="alert(1)">x</a>',
    '<a href="https://ok.example" title="x" " onmouseover=alert(1)>x</a>',
    "<a title='\"><script>alert(1)</script>'>x</a>",
    '<a href="#" onfocus=alert(1) autofocus>x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mi><style><img src=x onerror=alert(1)></style></mi></math>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    '<table><a href="javascript:alert(1)">x</a><td>y</td></table>',
    '<math href="javascript:alert(1)">CLICK</math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<title><img src=x onerror=alert(1)></title>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    "<style>@import 'http://xss.example/xss.css';</style>",
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<input onfocus=alert(1) autofocus>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<marquee onstart=alert(1)>x</marquee>",
    '<table background="javascript:alert(1)"><tr><td background="javascript:alert(1)">x</td></tr></table>',
    '<td colspan="2" onmouseover="alert(1)">x</td>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version='1.0'?><script>alert(1)</script>",
    '<img src="/media/../admin/">',
    '<img src="/media/%2e%2e/admin/">',
    '<img src="/media/&#46;&#46;/admin/">',
    '<img src="//evil.example/media/x.png">',
    '<img src="https://evil.example/track.gif">',
    '<p class="message-error" id="main">x</p>',
    # NFC composes ">" followed by U+0338 into "≯": normalising the HTML as a
    # whole would eat the end of </b> and turn the text into attributes.
    '<b>x</b>&#x338; x="</b><a title=" onmouseover=alert(1) y=">t</a>',
    '<b>x</b>\u0338 x="</b><a title=" onmouseover=alert(1) y=">t</a>',
    '<p>&#x338;&#x301;"><img src=x onerror=alert(1)></p>',
]


def test_the_corpus_is_large_enough():
    assert len(set(XSS_VECTORS)) >= 30


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vectors_come_out_inert(vector):
    assert_safe(sanitize_html(vector))


@pytest.mark.parametrize(
    "vector",
    ["<script>alert(1)</script>ok", "<style>p{color:red}</style>ok", "<template><b>alert(1)</b></template>ok"],
)
def test_script_and_style_lose_their_contents_too(vector):
    output = sanitize_html(vector)
    assert inspect(output).text == ["ok"]


def test_the_checker_itself_catches_unsafe_markup():
    # Without this, a broken assert_safe would pass every vector above.
    for unsafe in [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href="jav&#x09;ascript:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<img src="/media/a.png" onerror="alert(1)">',
        '<p style="color:red">x</p>',
        "<!-- x -->",
        "<b>x</b>\u0338",
    ]:
        with pytest.raises(AssertionError):
            assert_safe(unsafe)


def test_a_vietnamese_paragraph_keeps_its_markup_and_text():
    before, bold, after = "Luật ", "Thi đua, khen thưởng", " năm 2022 có hiệu lực từ ngày 01/01/2024"
    text = before + bold + after
    before, bold, after = (unicodedata.normalize("NFD", part) for part in (before, bold, after))
    source = (
        f"<p>{before}<strong>{bold}</strong>{after} "
        '<a href="https://thuvienphapluat.vn/van-ban/Van-hoa-Xa-hoi/Luat-Thi-dua-khen-thuong-2022" '
        'title="Xem văn bản">văn bản</a>.</p>'
    )

    output = sanitize_html(source)

    assert_safe(output)
    parsed = inspect(output)
    assert [element.tag for element in parsed.elements] == ["p", "strong", "a"]
    link = parsed.elements[2].attrs
    assert link["href"] == "https://thuvienphapluat.vn/van-ban/Van-hoa-Xa-hoi/Luat-Thi-dua-khen-thuong-2022"
    assert link["title"] == "Xem văn bản"
    assert link["rel"] == "noopener noreferrer nofollow"
    assert "".join(parsed.text) == f"{text} văn bản."
    assert unicodedata.is_normalized("NFC", output)


def test_decomposed_text_and_character_references_come_out_composed():
    output = sanitize_html("<p>Khen thu\u031bo\u031b\u0309ng, đa\u0300o ta\u0323o, e&#x301; &agrave;</p>")
    assert "".join(inspect(output).text) == "Khen thưởng, đào tạo, é à"
    assert unicodedata.is_normalized("NFC", output)


def test_references_for_invisible_characters_stay_visible_in_the_source():
    output = sanitize_html("<p>Điều&nbsp;5 &#x202E;x</p>")
    assert "&nbsp;" in output
    assert "&#x202E;" in output.upper().replace("&#X", "&#x")
    assert "".join(inspect(output).text) == "Điều\xa05 \u202ex"


def test_training_markup_survives():
    source = (
        "<h2>Chuyên đề 1</h2><h3>Mục 1</h3><h4>Tiểu mục</h4>"
        "<p>Văn bản <strong>đậm</strong>, <em>nghiêng</em>, <i>i</i>, <b>b</b>, <u>gạch chân</u>, <s>gạch ngang</s>, "
        "H<sub>2</sub>O, m<sup>2</sup>, <code>mã</code><br>xuống dòng</p>"
        "<pre>  thụt lề</pre><blockquote>Trích dẫn</blockquote><hr>"
        '<ol type="a" start="2"><li>điểm b</li><li>điểm c</li></ol><ul><li>mục</li></ul>'
        '<table><caption>Bảng 1</caption><thead><tr><th scope="col">Hình thức</th><th>Số</th></tr></thead>'
        '<tbody><tr><td colspan="2" rowspan="1">Huân chương</td></tr></tbody><tfoot><tr><td>Tổng</td></tr></tfoot>'
        "</table>"
        '<p><img src="/media/images/bang-khen.original.png" alt="Bằng khen" width="640" height="480"></p>'
        '<p><a href="mailto:tdkt@example.vn">thư</a> <a href="/khoa-hoc/luat-2022/">khóa học</a> '
        '<a href="#muc-1">mục 1</a></p>'
    )

    output = sanitize_html(source)

    assert_safe(output)
    parsed = inspect(output)
    tags = [element.tag for element in parsed.elements]
    for tag in EXPECTED_ATTRIBUTES:
        assert tag in tags, tag
    by_tag = {element.tag: element.attrs for element in parsed.elements}
    assert by_tag["ol"] == {"type": "a", "start": "2"}
    assert by_tag["img"] == {
        "src": "/media/images/bang-khen.original.png",
        "alt": "Bằng khen",
        "width": "640",
        "height": "480",
    }
    hrefs = [element.attrs["href"] for element in parsed.elements if element.tag == "a"]
    assert hrefs == ["mailto:tdkt@example.vn", "/khoa-hoc/luat-2022/", "#muc-1"]
    assert sanitize_html(output) == output


def test_attribute_values_outside_their_ranges_are_dropped():
    output = sanitize_html(
        '<ol type="disc" start="x"><li>a</li></ol>'
        '<table><tr><th scope="bogus" colspan="99999">a</th><td rowspan="0">b</td></tr></table>'
        '<img src="/media/a.png" width="100%" height="-1">'
    )
    attrs = [element.attrs for element in inspect(output).elements if element.attrs]
    assert attrs == [{"src": "/media/a.png"}]


def test_images_follow_media_url(settings):
    settings.MEDIA_URL = "/uploads/"
    assert inspect(sanitize_html('<img src="/uploads/a.png">')).elements[0].attrs == {"src": "/uploads/a.png"}
    assert inspect(sanitize_html('<img src="/media/a.png">')).elements == []


def test_random_mixtures_of_markup_fragments_stay_safe():
    # A deterministic fuzz: tag openers, quotes, event handlers, schemes,
    # character references and combining marks glued together at random.
    fragments = [
        "<", ">", "</", "/>", " ", "=", '"', "'", "`", "a", "img", "p", "b", "svg", "math", "style",
        "script", "noscript", "title", "table", "td", "href", "src", "onerror", "onload", "alert(1)",
        "javascript:", "java", "script:", "&#", "&#x", "6A", "106", ";", "&colon;", "&Tab;", "\t", "\n",
        "\x00", "!--", "-->", "<![CDATA[", "]]>", "\u0338", "\u0301", "e", "đ", "/media/", "..",
    ]  # fmt: skip
    rng = random.Random(20241118)
    for _ in range(400):
        vector = "".join(rng.choice(fragments) for _ in range(rng.randint(5, 40)))
        assert_safe(sanitize_html(vector))


def test_empty_input_gives_empty_output():
    assert sanitize_html("") == ""
    assert html_to_text("") == ""


def test_sanitising_is_thread_safe():
    # bleach's Cleaner keeps parser state; one shared across threads mixes
    # up documents. Each thread must get its own.
    # (With one Cleaner shared by all threads this fails every round, mostly
    # with IndexError from inside the parser.)
    inputs = [f"<p>Đoạn {n} <b>đậm</b> <a href='https://x.vn/{n}'>liên kết</a></p>" * 10 for n in range(40)]
    expected = [sanitize_html(value) for value in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(sanitize_html, inputs)) == expected


def test_html_to_text_keeps_words_and_line_breaks_only():
    source = (
        "<h2>Điều 5</h2><p>Nguyên tắc <b>thi đua</b>&nbsp;và&amp; khen thưởng</p>"
        "<script>alert(1)</script><style>p{}</style><ul><li>a</li><li>b</li></ul>x<br>y"
        "<table><tr><td>ô 1</td><td>ô 2</td></tr></table>&lt;b&gt;"
    )
    text = html_to_text(unicodedata.normalize("NFD", source))
    # Runs of white space, &nbsp; included, become one space.
    assert text == "Điều 5\nNguyên tắc thi đua và& khen thưởng\na\nb\nx\ny\nô 1 ô 2\n<b>"
    assert unicodedata.is_normalized("NFC", text)


def _project_modules() -> Iterator[Path]:
    """Every .py file of the project, outside virtualenvs and generated folders."""
    skipped = {"venv", "node_modules", "staticfiles", "media", "__pycache__"}
    for directory, subdirectories, files in os.walk(PROJECT_ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in skipped and not name.startswith(".")]
        yield from (Path(directory, name) for name in files if name.endswith(".py"))


def _bleach_importers() -> set[str]:
    importers = set()
    for path in _project_modules():
        relative = path.relative_to(PROJECT_ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                # importlib.import_module("bleach") and __import__("bleach")
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                    names = [node.args[0].value]
            if any(name == "bleach" or name.startswith("bleach.") for name in names):
                importers.add(relative.as_posix())
    return importers


def test_only_cms_sanitize_imports_bleach():
    # bleach is unmaintained: keeping it behind one module keeps its
    # replacement a one-file change.
    assert _bleach_importers() == {"cms/sanitize.py"}
