"""The certificate as a PDF: A4 landscape, in the layout of Vietnamese official paper.

Issuing body top left with the serial under it, the national title and motto
top right, the title and body in the middle, the place-and-date line and the
signatory block bottom right, and a QR code to the verification page bottom
left.

Text is drawn in Noto Serif, shipped in ``certificates/fonts/`` with its
licence (OFL): ReportLab's own fonts lack most Vietnamese letters. Every text
is NFC-normalised before it is drawn, because ReportLab places the combining
marks of decomposed text on top of the wrong glyphs (or draws them as boxes).
"""

from __future__ import annotations

import datetime
import functools
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import qrcode
from django.conf import settings
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from core.text import nfc

if TYPE_CHECKING:
    from certificates.models import Certificate, CertificateTemplate

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD, ITALIC = "NotoSerif", "NotoSerif-Bold", "NotoSerif-Italic"
FONT_FILES = {REGULAR: "NotoSerif-Regular.ttf", BOLD: "NotoSerif-Bold.ttf", ITALIC: "NotoSerif-Italic.ttf"}

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
RED = colors.HexColor("#9b1c1c")

# --- the layout: points (1/72 inch) from the bottom left of the A4 landscape page;
# "_X" is the centre a text is centred on, "_DROP" and "_STEP" how far a line sits
# below the one it follows.
OUTER_BORDER_INSET, OUTER_BORDER_WIDTH = 18, 2.5
INNER_BORDER_INSET, INNER_BORDER_WIDTH = 24, 0.8

# Header: two columns, as on official paper.
LEFT_COLUMN_X = 215  # issuing body and serial
RIGHT_COLUMN_X = PAGE_WIDTH - 245  # national title and motto; the signatory block below
COLUMN_WIDTH = 330  # a longer line is shrunk to fit
HEADER_TOP = PAGE_HEIGHT - 62
HEADER_SIZE = 12
HEADER_LINE_STEP = 16  # from the parent body to the issuing body
SERIAL_DROP = 24
RULE_WIDTH = 0.6
RULE_DROP = 5  # the rule under the issuing body
NATIONAL_TITLE_EXTRA_WIDTH = 20
MOTTO_SIZE = 13
MOTTO_DROP = 17
MOTTO_RULE_DROP = 22  # from the national title's baseline

# Title, with the logo above it.
TITLE_BASELINE = PAGE_HEIGHT - 150  # without a logo
TITLE_SIZE = 30
TITLE_WIDTH = PAGE_WIDTH - 160
LOGO_SIZE = 60
LOGO_BELOW_BASELINE = 25  # the logo's box starts this far below the title's place without a logo
TITLE_DROP_UNDER_LOGO = 48

# Body: shrunk, size by size, until it fits above the signatory block.
BODY_GAP_BELOW_TITLE = 22
BODY_BOTTOM = 200
BODY_WIDTH = PAGE_WIDTH - 220
BODY_SIZES = (15, 14, 13, 12, 11, 10, 9)
BODY_LEADING = 1.5  # times the font size

# Signatory block, bottom right, centred on RIGHT_COLUMN_X.
DATE_LINE_BASELINE = 178
DATE_LINE_SIZE = 13  # also the signatory's name
DATE_LINE_STEP = 20
SIGNATORY_SIZE = 12
SIGNATORY_LINE_STEP = 15
SIGNATURE_WIDTH = 140
SIGNATURE_BOTTOM = 62
SIGNATURE_GAP_BELOW_TITLE = 4
SIGNATORY_NAME_BASELINE = 48

# Verification block, bottom left: the QR code, the address on one line under it,
# and beside it the note and the verification code, large enough to type.
QR_X, QR_Y, QR_SIZE = 40, 48, 84
URL_BASELINE, URL_SIZE, URL_WIDTH = 36, 8, 370
NOTE_GAP = 8  # between the QR code and the text
NOTE_WIDTH, NOTE_MAX_HEIGHT = 290, 60
NOTE_SIZE, NOTE_LEADING = 8, 10
CODE_LABEL_SIZE = 9
CODE_FONT, CODE_SIZE = "Courier-Bold", 12  # a fixed-pitch face tells 0 from O and l from 1
CODE_GROUP = 4  # characters between the spaces that make the code readable aloud
CODE_LABEL_GAP, CODE_GAP = 14, 17  # baselines below the note, and the code below its label

# Characters that lay out text rather than being drawn.
_LAYOUT_CHARACTERS = frozenset("\n\r\t")


@functools.cache
def register_fonts() -> None:
    for name, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


@functools.cache
def _coverage() -> frozenset[int]:
    # A template's text may be drawn in any of the three faces, so a
    # character counts as covered only when all of them have it.
    maps = [set(TTFont(name, str(FONT_DIR / filename)).face.charToGlyph) for name, filename in FONT_FILES.items()]
    return frozenset(set.intersection(*maps))


def missing_characters(text: str) -> list[str]:
    """Characters of ``text`` (NFC) that the bundled font cannot draw, in order of appearance."""
    covered = _coverage()
    missing: list[str] = []
    for char in nfc(text) or "":
        if char in _LAYOUT_CHARACTERS or ord(char) in covered or char in missing:
            continue
        missing.append(char)
    return missing


# --- what is printed ---------------------------------------------------------


@dataclass(frozen=True)
class PrintData:
    name: str
    unit: str
    achievement: str
    serial: str
    completed_on: datetime.date
    issued_on: datetime.date
    verify_url: str
    hours: Decimal | None = None
    sessions_attended: int | None = None
    sessions_total: int | None = None
    score: Decimal | None = None
    started_on: datetime.date | None = None
    code: str = ""
    # Who issues it. ``issuing_body`` empty means the template's whole heading
    # (parent and body), ``signatory_title`` empty its whole signatory block,
    # ``place`` empty its place: a body is never printed under another's parent.
    issuing_body_parent: str = ""
    issuing_body: str = ""
    place: str = ""
    signatory_title: str = ""
    signatory_name: str = ""
    signature_image: Any = None


@dataclass(frozen=True)
class Printed:
    """What the page shows for the issuer, after the template's values filled what ``PrintData`` left empty."""

    issuing_body_parent: str
    issuing_body: str
    place: str
    signatory_title: str
    signatory_name: str
    signature_image: Any
    dated_on: datetime.date


def printed_date(rule: str, *, completed_on: datetime.date, issued_on: datetime.date) -> datetime.date:
    """The day on the date line: the last day, or the day of issue when the template says so and it is later."""
    from certificates.models import DatePrinted

    if rule == DatePrinted.ISSUED_IF_LATER and issued_on > completed_on:
        return issued_on
    return completed_on


def printed(template: CertificateTemplate, data: PrintData) -> Printed:
    body_from = data if data.issuing_body else template
    signatory_from = data if data.signatory_title else template
    return Printed(
        issuing_body_parent=body_from.issuing_body_parent or "",
        issuing_body=body_from.issuing_body or "",
        place=data.place or template.place or "",
        signatory_title=signatory_from.signatory_title or "",
        signatory_name=signatory_from.signatory_name or "",
        signature_image=signatory_from.signature_image,
        dated_on=printed_date(template.date_printed, completed_on=data.completed_on, issued_on=data.issued_on),
    )


def print_data(certificate: Certificate, verify_url: str) -> PrintData:
    from django.utils import timezone

    return PrintData(
        name=certificate.holder_name,
        unit=certificate.holder_unit,
        achievement=certificate.achievement_title,
        serial=certificate.serial,
        completed_on=certificate.completed_on,
        issued_on=timezone.localdate(certificate.issued_at),
        verify_url=verify_url,
        hours=certificate.hours,
        sessions_attended=certificate.sessions_attended,
        sessions_total=certificate.sessions_total,
        score=certificate.score,
        started_on=certificate.started_on,
        code=certificate.code,
        issuing_body_parent=certificate.issuing_body_parent,
        issuing_body=certificate.issuing_body,
        place=certificate.place,
        signatory_title=certificate.signatory_title,
        signatory_name=certificate.signatory_name,
        signature_image=certificate.signature_image,
    )


# Facts from the 2015 Đà Nẵng conference (docs/domain), for the admin preview.
SAMPLE = PrintData(
    name="Nguyễn Văn An",
    unit="Sở Thông tin và Truyền thông Đà Nẵng",
    achievement="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015",
    serial="TĐKT-2015-000123",
    started_on=datetime.date(2015, 8, 24),
    completed_on=datetime.date(2015, 8, 25),
    issued_on=datetime.date(2015, 8, 25),
    verify_url="https://example.vn/certificates/verify/mau-xem-truoc/",
    code="mau-xem-truoc",
    hours=Decimal("16"),
    sessions_attended=4,
    sessions_total=4,
)


def format_number(value: Decimal | None) -> str:
    """Vietnamese style: 16 for 16.0, 7,5 for 7.5 (decimal comma)."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def format_date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def date_line(place: str, day: datetime.date) -> str:
    """ "Đà Nẵng, ngày 25 tháng 8 năm 2015".

    Official paper writes days below 10 and the months January and February
    with a leading zero (Decree 30/2020/NĐ-CP), so that nothing can be added
    in front of them by hand: "ngày 08 tháng 02 năm 2016".
    """
    day_text = f"{day.day:02d}"
    month_text = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    prefix = f"{place}, " if place else ""
    return f"{prefix}ngày {day_text} tháng {month_text} năm {day.year}"


def placeholder_values(data: PrintData) -> dict[str, str]:
    sessions = ""
    if data.sessions_attended is not None:
        sessions = str(data.sessions_attended)
        if data.sessions_total:
            sessions = f"{data.sessions_attended}/{data.sessions_total}"
    dates = format_date(data.completed_on)
    if data.started_on and data.started_on != data.completed_on:
        dates = f"{format_date(data.started_on)} – {format_date(data.completed_on)}"
    return {
        "name": data.name,
        "unit": data.unit,
        "achievement": data.achievement,
        "hours": format_number(data.hours),
        "sessions": sessions,
        "score": format_number(data.score),
        "dates": dates,
        "date": format_date(data.completed_on),
        "serial": data.serial,
    }


def body_markup(body: str, values: dict[str, str]) -> list[str]:
    """The body's lines as ReportLab paragraph markup, values in bold.

    A line with placeholders that are all empty is dropped ("Thời lượng: giờ"
    for an event without hours); static text and values are escaped, so a
    name with "<" or "&" prints as typed.
    """
    from certificates.models import PLACEHOLDER_RE

    lines = []
    for line in (nfc(body) or "").splitlines():
        names = PLACEHOLDER_RE.findall(line)
        if names and not any(values.get(name) for name in names):
            continue
        parts, last = [], 0
        for match in PLACEHOLDER_RE.finditer(line):
            parts.append(escape(line[last : match.start()]))
            value = values.get(match.group(1), match.group(0))
            parts.append(f"<b>{escape(nfc(value) or '')}</b>")
            last = match.end()
        parts.append(escape(line[last:]))
        markup = "".join(parts).strip()
        if markup:
            lines.append(markup)
    return lines


# --- drawing ---------------------------------------------------------------


def _fit(text: str, font: str, size: float, width: float, minimum: float = 7) -> float:
    while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _centred(c: canvas.Canvas, text: str, x: float, y: float, font: str, size: float, width: float) -> float:
    """Draw one centred line, shrunk to ``width`` if needed; returns its width."""
    text = nfc(text) or ""
    size = _fit(text, font, size, width)
    c.setFont(font, size)
    c.drawCentredString(x, y, text)
    return pdfmetrics.stringWidth(text, font, size)


def _image(image) -> ImageReader | None:
    if image is None:
        return None
    try:
        with image.file.open("rb") as handle:
            return ImageReader(io.BytesIO(handle.read()))
    except (OSError, ValueError):
        # A missing file must not stop a certificate from being issued;
        # it prints without the picture.
        return None


def qr_image(url: str):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")


def render_pdf(template: CertificateTemplate, data: PrintData) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), lang="vi", pageCompression=1)
    issuer = printed(template, data)
    _set_metadata(c, template, data, issuer)
    _draw_frame(c, template)
    _draw_header(c, template, data, issuer)
    title_baseline = _draw_title(c, template)
    _draw_body(c, body_markup(template.body, placeholder_values(data)), top=title_baseline - BODY_GAP_BELOW_TITLE)
    _draw_signatory_block(c, issuer)
    _draw_verification_block(c, template, data)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _set_metadata(c: canvas.Canvas, template: CertificateTemplate, data: PrintData, issuer: Printed) -> None:
    c.setTitle(f"{nfc(template.title) or ''} {data.serial}".strip())
    c.setAuthor(nfc(issuer.issuing_body) or "")
    c.setSubject(nfc(f"{data.name} – {data.achievement}") or "")
    c.setKeywords(f"{data.serial}, {data.verify_url}")
    c.setCreator(nfc(settings.WAGTAIL_SITE_NAME) or "")


def _draw_frame(c: canvas.Canvas, template: CertificateTemplate) -> None:
    """The template's background picture over the whole page, or a double red border."""
    background = _image(template.background)
    if background is not None:
        c.drawImage(background, 0, 0, PAGE_WIDTH, PAGE_HEIGHT, preserveAspectRatio=False)
    else:
        c.setStrokeColor(RED)
        for inset, line_width in ((OUTER_BORDER_INSET, OUTER_BORDER_WIDTH), (INNER_BORDER_INSET, INNER_BORDER_WIDTH)):
            c.setLineWidth(line_width)
            c.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset)
    c.setFillColor(colors.black)
    c.setStrokeColor(colors.black)


def _draw_header(c: canvas.Canvas, template: CertificateTemplate, data: PrintData, issuer: Printed) -> None:
    """Issuing body and serial (left), national title and motto (right), each with its short rule."""
    y = HEADER_TOP
    if issuer.issuing_body_parent:
        _centred(c, issuer.issuing_body_parent.upper(), LEFT_COLUMN_X, y, REGULAR, HEADER_SIZE, COLUMN_WIDTH)
        y -= HEADER_LINE_STEP
    width = _centred(c, issuer.issuing_body.upper(), LEFT_COLUMN_X, y, BOLD, HEADER_SIZE, COLUMN_WIDTH)
    # Official paper underlines the issuing body over a third of its width.
    c.setLineWidth(RULE_WIDTH)
    c.line(LEFT_COLUMN_X - width / 6, y - RULE_DROP, LEFT_COLUMN_X + width / 6, y - RULE_DROP)
    _centred(c, f"Số: {data.serial}", LEFT_COLUMN_X, y - SERIAL_DROP, REGULAR, HEADER_SIZE, COLUMN_WIDTH)

    y = HEADER_TOP
    national_width = COLUMN_WIDTH + NATIONAL_TITLE_EXTRA_WIDTH
    _centred(c, template.national_title, RIGHT_COLUMN_X, y, BOLD, HEADER_SIZE, national_width)
    width = _centred(c, template.motto, RIGHT_COLUMN_X, y - MOTTO_DROP, BOLD, MOTTO_SIZE, COLUMN_WIDTH)
    c.line(RIGHT_COLUMN_X - width / 2, y - MOTTO_RULE_DROP, RIGHT_COLUMN_X + width / 2, y - MOTTO_RULE_DROP)


def _draw_title(c: canvas.Canvas, template: CertificateTemplate) -> float:
    """The logo (if any) and the red title, centred; returns the title's baseline."""
    y = TITLE_BASELINE
    logo = _image(template.logo)
    if logo is not None:
        c.drawImage(
            logo,
            PAGE_WIDTH / 2 - LOGO_SIZE / 2,
            y - LOGO_BELOW_BASELINE,
            LOGO_SIZE,
            LOGO_SIZE,
            preserveAspectRatio=True,
            anchor="c",
            mask="auto",
        )
        y -= TITLE_DROP_UNDER_LOGO
    c.setFillColor(RED)
    _centred(c, nfc(template.title) or "", PAGE_WIDTH / 2, y, BOLD, TITLE_SIZE, TITLE_WIDTH)
    c.setFillColor(colors.black)
    return y


def _draw_body(c: canvas.Canvas, lines: list[str], *, top: float) -> None:
    """The body's lines, centred, at the largest size that fits between ``top`` and the signatory block."""
    for size in BODY_SIZES:
        style = ParagraphStyle(
            "body", fontName=REGULAR, fontSize=size, leading=size * BODY_LEADING, alignment=TA_CENTER
        )
        paragraphs = [Paragraph(markup, style) for markup in lines]
        heights = [p.wrap(BODY_WIDTH, PAGE_HEIGHT)[1] for p in paragraphs]
        if sum(heights) <= top - BODY_BOTTOM:
            break
    y = top
    for paragraph, height in zip(paragraphs, heights, strict=True):
        y -= height
        paragraph.drawOn(c, (PAGE_WIDTH - BODY_WIDTH) / 2, y)


def _draw_signatory_block(c: canvas.Canvas, issuer: Printed) -> None:
    """Bottom right: place and date, the signatory's title, the signature's room, their name."""
    y = DATE_LINE_BASELINE
    _centred(c, date_line(issuer.place, issuer.dated_on), RIGHT_COLUMN_X, y, ITALIC, DATE_LINE_SIZE, COLUMN_WIDTH)
    y -= DATE_LINE_STEP
    for line in (issuer.signatory_title or "").splitlines():
        if line.strip():
            _centred(c, line.strip().upper(), RIGHT_COLUMN_X, y, BOLD, SIGNATORY_SIZE, COLUMN_WIDTH)
            y -= SIGNATORY_LINE_STEP
    signature = _image(issuer.signature_image)
    if signature is not None:
        # The picture fills the room left between the title lines and the name.
        c.drawImage(
            signature,
            RIGHT_COLUMN_X - SIGNATURE_WIDTH / 2,
            SIGNATURE_BOTTOM,
            SIGNATURE_WIDTH,
            y - SIGNATURE_GAP_BELOW_TITLE - SIGNATURE_BOTTOM,
            preserveAspectRatio=True,
            anchor="c",
            mask="auto",
        )
    _centred(c, issuer.signatory_name, RIGHT_COLUMN_X, SIGNATORY_NAME_BASELINE, BOLD, DATE_LINE_SIZE, COLUMN_WIDTH)


def grouped_code(code: str) -> str:
    """The verification code in groups of four ("AbCd eFgH …"): the form takes it with or without the spaces."""
    return " ".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def _draw_verification_block(c: canvas.Canvas, template: CertificateTemplate, data: PrintData) -> None:
    """Bottom left: the QR code with the address under it, and beside it the note and the code."""
    c.drawImage(ImageReader(qr_image(data.verify_url)), QR_X, QR_Y, QR_SIZE, QR_SIZE)
    # The address on one line, shrunk to fit rather than wrapped: a broken
    # address is typed wrongly.
    size = _fit(data.verify_url, REGULAR, URL_SIZE, URL_WIDTH, minimum=5)
    c.setFont(REGULAR, size)
    c.drawString(QR_X, URL_BASELINE, data.verify_url)
    note = ParagraphStyle("note", fontName=ITALIC, fontSize=NOTE_SIZE, leading=NOTE_LEADING, alignment=TA_LEFT)
    label = Paragraph(escape(nfc(template.verification_label) or ""), note)
    label_height = label.wrap(NOTE_WIDTH, NOTE_MAX_HEIGHT)[1]
    x = QR_X + QR_SIZE + NOTE_GAP
    top = QR_Y + QR_SIZE
    label.drawOn(c, x, top - label_height)
    if data.code:
        y = top - label_height - CODE_LABEL_GAP
        c.setFont(REGULAR, CODE_LABEL_SIZE)
        c.drawString(x, y, "Mã xác minh:")
        c.setFont(CODE_FONT, CODE_SIZE)
        c.drawString(x, y - CODE_GAP, grouped_code(data.code))


def render_sample_pdf(template: CertificateTemplate) -> bytes:
    """The admin's preview: the sample delegate under the template's own issuer."""
    return render_pdf(template, SAMPLE)
