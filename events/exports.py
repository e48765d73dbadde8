"""Files organisers download: the attendance workbook and the sign-in sheet PDF."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import safe_cell
from events.models import Attendance, EventPage, Registration


def attendance_xlsx(event: EventPage) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sessions = list(event.sessions.order_by("starts_at"))
    statuses = {
        (a["registration_id"], a["session_id"]): a["status"]
        for a in Attendance.objects.filter(session__event=event).values("registration_id", "session_id", "status")
    }
    labels = dict(Attendance.Status.choices)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Điểm danh"
    header = [_("No."), _("Full name"), _("Unit"), _("Position"), _("Email"), _("Phone"), _("Status")]
    header += [f"{index}. {session.title}"[:60] for index, session in enumerate(sessions, start=1)]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    registrations = (
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("org_unit", "user")
        .order_by("org_unit__name", "full_name_folded")
    )
    for number, registration in enumerate(registrations, start=1):
        row = [
            number,
            registration.full_name,
            registration.org_unit.name if registration.org_unit else "",
            registration.position,
            registration.user.email,
            registration.phone,
            str(registration.get_status_display()),
        ]
        row += [str(labels.get(statuses.get((registration.pk, s.pk)), "")) for s in sessions]
        sheet.append([safe_cell(value) for value in row])
    for letter, width in zip("ABCDEFG", (6, 28, 32, 20, 30, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _font_dir() -> Path:
    configured = getattr(settings, "EVENTS_FONT_DIR", None)
    if configured:
        return Path(configured)
    # Shared with certificates (an OFL font with full Vietnamese coverage).
    return Path(settings.BASE_DIR) / "certificates" / "fonts"


def _register_fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "EventsSerif" not in pdfmetrics.getRegisteredFontNames():
        directory = _font_dir()
        pdfmetrics.registerFont(TTFont("EventsSerif", str(directory / "NotoSerif-Regular.ttf")))
        pdfmetrics.registerFont(TTFont("EventsSerif-Bold", str(directory / "NotoSerif-Bold.ttf")))
    return "EventsSerif", "EventsSerif-Bold"


def sign_in_sheet_pdf(event: EventPage, groups: dict[str, list[Registration]]) -> bytes:
    """The danh sách ký tên: one table per unit, a blank column to sign."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _register_fonts()
    title_style = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, alignment=1)
    sub_style = ParagraphStyle("sub", fontName=regular, fontSize=10, leading=13, alignment=1)
    unit_style = ParagraphStyle("unit", fontName=bold, fontSize=11, leading=14, spaceBefore=8)
    cell_style = ParagraphStyle("cell", fontName=regular, fontSize=10, leading=12)
    starts = timezone.localtime(event.starts_at)
    story = [
        Paragraph("DANH SÁCH KÝ TÊN", title_style),
        Paragraph(event.title, sub_style),
        Paragraph(f"{event.venue} – {starts:%d/%m/%Y}", sub_style),
        Spacer(1, 6 * mm),
    ]
    for unit, registrations in groups.items():
        story.append(Paragraph(unit, unit_style))
        data = [[Paragraph(h, cell_style) for h in ("STT", "Họ và tên", "Chức vụ", "Ký tên")]]
        for number, registration in enumerate(registrations, start=1):
            data.append(
                [
                    str(number),
                    Paragraph(registration.full_name, cell_style),
                    Paragraph(registration.position, cell_style),
                    "",
                ]
            )
        table = Table(data, colWidths=[12 * mm, 70 * mm, 50 * mm, 45 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), regular),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ROWBACKGROUNDS", (0, 0), (-1, 0), [colors.lightgrey]),
                    ("BOTTOMPADDING", (0, 1), (-1, -1), 8),
                    ("TOPPADDING", (0, 1), (-1, -1), 8),
                ]
            )
        )
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=f"Danh sách ký tên – {event.title}", leftMargin=15 * mm, rightMargin=15 * mm
    ).build(story)
    return buffer.getvalue()
