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
from typing import TYPE_CHECKING
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
    title = nfc(template.title) or ""
    c.setTitle(f"{title} {data.serial}".strip())
    c.setAuthor(nfc(template.issuing_body) or "")
    c.setSubject(nfc(f"{data.name} – {data.achievement}") or "")
    c.setKeywords(f"{data.serial}, {data.verify_url}")
    c.setCreator(nfc(settings.WAGTAIL_SITE_NAME) or "")

    background = _image(template.background)
    if background is not None:
        c.drawImage(background, 0, 0, PAGE_WIDTH, PAGE_HEIGHT, preserveAspectRatio=False)
    else:
        c.setStrokeColor(RED)
        c.setLineWidth(2.5)
        c.rect(18, 18, PAGE_WIDTH - 36, PAGE_HEIGHT - 36)
        c.setLineWidth(0.8)
        c.rect(24, 24, PAGE_WIDTH - 48, PAGE_HEIGHT - 48)
    c.setFillColor(colors.black)
    c.setStrokeColor(colors.black)

    # Heading: issuing body (left), national title and motto (right).
    left_x, right_x, column = 215, PAGE_WIDTH - 245, 330
    y = PAGE_HEIGHT - 62
    if template.issuing_body_parent:
        _centred(c, template.issuing_body_parent.upper(), left_x, y, REGULAR, 12, column)
        y -= 16
    width = _centred(c, template.issuing_body.upper(), left_x, y, BOLD, 12, column)
    c.setLineWidth(0.6)
    c.line(left_x - width / 6, y - 5, left_x + width / 6, y - 5)
    _centred(c, f"Số: {data.serial}", left_x, y - 24, REGULAR, 12, column)

    y = PAGE_HEIGHT - 62
    _centred(c, template.national_title, right_x, y, BOLD, 12, column + 20)
    width = _centred(c, template.motto, right_x, y - 17, BOLD, 13, column)
    c.line(right_x - width / 2, y - 22, right_x + width / 2, y - 22)

    # Logo and title.
    y = PAGE_HEIGHT - 150
    logo = _image(template.logo)
    if logo is not None:
        c.drawImage(logo, PAGE_WIDTH / 2 - 30, y - 25, 60, 60, preserveAspectRatio=True, anchor="c", mask="auto")
        y -= 48
    c.setFillColor(RED)
    _centred(c, title, PAGE_WIDTH / 2, y, BOLD, 30, PAGE_WIDTH - 160)
    c.setFillColor(colors.black)

    # Body, shrunk until it fits between the title and the signature block.
    lines = body_markup(template.body, placeholder_values(data))
    top, bottom, body_width = y - 22, 200, PAGE_WIDTH - 220
    for size in (15, 14, 13, 12, 11, 10, 9):
        style = ParagraphStyle("body", fontName=REGULAR, fontSize=size, leading=size * 1.5, alignment=TA_CENTER)
        paragraphs = [Paragraph(markup, style) for markup in lines]
        heights = [p.wrap(body_width, PAGE_HEIGHT)[1] for p in paragraphs]
        if sum(heights) <= top - bottom:
            break
    y = top
    for paragraph, height in zip(paragraphs, heights, strict=True):
        y -= height
        paragraph.drawOn(c, (PAGE_WIDTH - body_width) / 2, y)

    # Place and date, signatory.
    y = 178
    _centred(c, date_line(template.place, data.issued_on), right_x, y, ITALIC, 13, column)
    y -= 20
    for line in (template.signatory_title or "").splitlines():
        if line.strip():
            _centred(c, line.strip().upper(), right_x, y, BOLD, 12, column)
            y -= 15
    signature = _image(template.signature_image)
    if signature is not None:
        c.drawImage(signature, right_x - 70, 62, 140, y - 66, preserveAspectRatio=True, anchor="c", mask="auto")
    _centred(c, template.signatory_name, right_x, 48, BOLD, 13, column)

    # QR code to the verification page, with the address spelt out.
    qr_size = 80
    c.drawImage(ImageReader(qr_image(data.verify_url)), 40, 36, qr_size, qr_size)
    note = ParagraphStyle("note", fontName=ITALIC, fontSize=8, leading=10, alignment=TA_LEFT)
    address = ParagraphStyle("address", fontName=REGULAR, fontSize=8, leading=10, alignment=TA_LEFT)
    label = Paragraph(escape(nfc(template.verification_label) or ""), note)
    link = Paragraph(escape(data.verify_url), address)
    label_height = label.wrap(230, 100)[1]
    link_height = link.wrap(230, 100)[1]
    label.drawOn(c, 40 + qr_size + 6, 36 + qr_size - label_height - 8)
    link.drawOn(c, 40 + qr_size + 6, 36 + qr_size - label_height - link_height - 10)

    c.showPage()
    c.save()
    return buffer.getvalue()


def render_sample_pdf(template: CertificateTemplate) -> bytes:
    return render_pdf(template, SAMPLE)
