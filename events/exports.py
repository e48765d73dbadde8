"""Files organisers download: the attendance workbook and the sign-in sheet PDF."""

from __future__ import annotations

import datetime
import io
import tempfile
from dataclasses import dataclass
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from core.spreadsheets import FORMULA_START
from events.models import Attendance, EventPage, Registration
from events.selectors import SessionState, SignInSheet, session_state

# --- the attendance workbook --------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIME_FORMAT = "dd/mm/yyyy hh:mm"
PERSON_COLUMNS = 7  # No., name, unit, position, email, phone, registration status
PERSON_WIDTHS = (6, 28, 36, 24, 30, 14, 16)
SESSION_WIDTHS = (16, 17)  # a session's status, its check-in time


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def attendance_xlsx(
    event: EventPage, *, units: QuerySet[OrgUnit] | None = None, now: datetime.datetime | None = None
) -> IO[bytes]:
    """Every delegate with their status and check-in time per session, as an open temporary file.

    openpyxl's write-only mode streams rows to disk instead of building the
    sheet in memory (a national event has 20,000 registrations): the file is
    returned rewound, for the view to stream. Statuses are the door's; a
    confirmed delegate without a check-in is absent once the session has
    ended, and nothing before (a session to come counts nobody absent).
    Text that a spreadsheet would run as a formula is stored as text with
    Excel's quote-prefix style: shown as typed, no apostrophe, never run.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    now = now or timezone.now()
    sessions = list(event.sessions.order_by("starts_at", "pk"))
    states = {session.pk: session_state(session, now) for session in sessions}
    attendance = {
        (registration_id, session_id): (status, checked_in_at)
        for registration_id, session_id, status, checked_in_at in Attendance.objects.filter(
            session__event=event, **({} if units is None else {"registration__org_unit__in": units})
        ).values_list("registration_id", "session_id", "status", "checked_in_at")
    }
    labels = {key: str(label) for key, label in Attendance.Status.choices}
    absent, upcoming, pending = labels[Attendance.Status.ABSENT], _("Not yet held"), _("Not checked in yet")
    registration_labels = {key: str(label) for key, label in Registration.Status.choices}

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Attendance")[:31])
    # Name and number stay in view while scrolling right; the header while scrolling down.
    sheet.freeze_panes = "C2"
    widths = list(PERSON_WIDTHS) + list(SESSION_WIDTHS) * len(sessions)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[_letter(index)].width = width
    bold = Font(bold=True)

    def text(value: str | None):
        # An empty cell is not written at all (None), which keeps a large sheet quick.
        if not value:
            return None
        if value.startswith(FORMULA_START):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl took it for a formula
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
            return cell
        return value

    zone = timezone.get_current_timezone()

    def time(value: datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value.astimezone(zone).replace(tzinfo=None, microsecond=0))
        cell.number_format = TIME_FORMAT
        return cell

    header = [_("No."), _("Full name"), _("Unit"), _("Position"), _("Email"), _("Phone"), _("Registration")]
    for number, session in enumerate(sessions, start=1):
        header += [f"{number}. {session.title}"[:80], _("%(n)d. Checked in at") % {"n": number}]
    heading = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type, cell.font = "s", bold
        heading.append(cell)
    sheet.append(heading)

    rows = 1
    registrations = (
        Registration.objects.filter(event=event)
        .filter(**({} if units is None else {"org_unit__in": units}))
        .exclude(status=Registration.Status.CANCELLED)
        .order_by("org_unit__name", "full_name_folded", "pk")
        .values_list("pk", "full_name", "org_unit__name", "position", "user__email", "phone", "status")
    )
    for number, (pk, name, unit, position, email, phone, status) in enumerate(
        registrations.iterator(chunk_size=2000), start=1
    ):
        row = [number, text(name), text(unit), text(position), text(email), text(phone)]
        row.append(registration_labels.get(status, status))
        confirmed = status == Registration.Status.CONFIRMED
        for session in sessions:
            state, (seen, at) = states[session.pk], attendance.get((pk, session.pk), (None, None))
            if seen:
                row += [labels.get(seen, seen), time(at)]
            elif not confirmed:
                row += [None, None]
            elif state == SessionState.ENDED:
                row += [absent, None]
            else:
                row += [upcoming if state == SessionState.UPCOMING else pending, None]
        sheet.append(row)
        rows += 1
    sheet.auto_filter.ref = f"A1:{_letter(len(header))}{rows}"
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed open to the response, which closes it
    workbook.save(output)
    output.seek(0)
    return output


# --- the sign-in sheet --------------------------------------------------------------
# A4 portrait, drawn row by row so that every page knows its number and the
# total ("Trang x/y"), repeats the column headings and, when a unit runs on
# from the page before, the unit's heading "(tiếp theo)". Points, from the
# bottom left of the page.

MARGIN = 40
HEADER_COLUMN_WIDTH = 250
HEADER_SIZE, MOTTO_SIZE, HEADER_STEP = 10.5, 11.5, 14
TITLE_SIZE, EVENT_SIZE, LINE_SIZE = 14, 12, 11
CELL_SIZE, SMALL_SIZE, CELL_LEADING = 10, 9, 12
HEADING_ROW, NUMBER_ROW, UNIT_ROW, TOTAL_ROW, PERSON_ROW = 24, 14, 18, 17, 26
CELL_PAD = 4
FOOTER_Y = 22
RUNNING_HEADER_DROP = 14
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
ROMAN += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def roman(number: int) -> str:
    """Units are numbered I, II, III… as on official lists; people 1, 2, 3… throughout."""
    text = ""
    for value, letters in ROMAN:
        while number >= value:
            text, number = text + letters, number - value
    return text


@dataclass
class _Row:
    kind: str  # "unit", "person", "total", "grand", "empty"
    height: float
    text: str = ""
    number: int = 0
    name: list[str] | None = None
    position: list[str] | None = None


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    from core.text import nfc

    return simpleSplit(nfc(text) or "", font, size, width) or [""]


def sign_in_sheet_pdf(sheet: SignInSheet) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    from certificates.pdf import BOLD, ITALIC, REGULAR, register_fonts
    from core.text import nfc

    register_fonts()
    width, height = A4
    inner = width - 2 * MARGIN
    signs = len(sheet.columns)
    # No., name, position, one column per signature, notes.
    sign_width = 110 if signs == 1 else 80
    widths = [28, 0, 0, *([sign_width] * signs), 50]
    rest = inner - sum(widths)
    widths[1], widths[2] = rest * 0.5, rest * 0.5
    headings = ["STT", "Họ và tên", "Chức vụ", *sheet.columns, "Ghi chú"]
    event = sheet.event

    # Rows, measured.
    rows: list[_Row] = []
    number = 0
    for index, (unit, people) in enumerate(sheet.groups.items(), start=1):
        rows.append(_Row("unit", UNIT_ROW, text=f"{roman(index)}. {unit}"))
        for registration in people:
            number += 1
            name = _wrap(registration.full_name, REGULAR, CELL_SIZE, widths[1] - 2 * CELL_PAD)
            position = _wrap(registration.position, REGULAR, SMALL_SIZE, widths[2] - 2 * CELL_PAD)
            lines = max(len(name), len(position))
            rows.append(
                _Row(
                    "person",
                    max(PERSON_ROW, lines * CELL_LEADING + 2 * CELL_PAD),
                    number=number,
                    name=name,
                    position=position,
                    text=unit,
                )
            )
        rows.append(_Row("total", TOTAL_ROW, text=f"Cộng {roman(index)}: {len(people)} đại biểu"))
    if rows:
        rows.append(_Row("grand", TOTAL_ROW, text=f"Tổng cộng: {sheet.total} đại biểu của {len(sheet.groups)} đơn vị"))
    else:
        rows.append(_Row("empty", PERSON_ROW, text="Chưa có đại biểu nào được xác nhận."))

    def first_header(c, draw: bool) -> float:
        """The national heading, the organiser and what the sheet is for; returns the y under it."""
        top = height - MARGIN - 4
        left_x, right_x = MARGIN + HEADER_COLUMN_WIDTH / 2 - 10, width - MARGIN - HEADER_COLUMN_WIDTH / 2 + 10
        y = top
        if sheet.organiser_parent:
            for line in _wrap(sheet.organiser_parent.upper(), REGULAR, HEADER_SIZE, HEADER_COLUMN_WIDTH):
                if draw:
                    c.setFont(REGULAR, HEADER_SIZE)
                    c.drawCentredString(left_x, y, line)
                y -= HEADER_STEP
        organiser_width = 0.0
        for line in _wrap(sheet.organiser.upper(), BOLD, HEADER_SIZE, HEADER_COLUMN_WIDTH):
            if draw:
                c.setFont(BOLD, HEADER_SIZE)
                c.drawCentredString(left_x, y, line)
            organiser_width = max(organiser_width, pdfmetrics.stringWidth(line, BOLD, HEADER_SIZE))
            y -= HEADER_STEP
        if draw and sheet.organiser:
            c.setLineWidth(0.6)
            c.line(left_x - organiser_width / 6, y + HEADER_STEP - 4, left_x + organiser_width / 6, y + HEADER_STEP - 4)
        if draw:
            c.setFont(BOLD, HEADER_SIZE)
            c.drawCentredString(right_x, top, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            c.setFont(BOLD, MOTTO_SIZE)
            motto = "Độc lập - Tự do - Hạnh phúc"
            c.drawCentredString(right_x, top - HEADER_STEP, motto)
            half = pdfmetrics.stringWidth(motto, BOLD, MOTTO_SIZE) / 2
            c.line(right_x - half, top - HEADER_STEP - 4, right_x + half, top - HEADER_STEP - 4)
        y = min(y, top - 2 * HEADER_STEP) - 24
        lines = [(BOLD, TITLE_SIZE, "DANH SÁCH ĐẠI BIỂU KÝ TÊN")]
        lines += [(BOLD, EVENT_SIZE, line) for line in _wrap(event.title, BOLD, EVENT_SIZE, inner - 40)]
        if sheet.session is not None:
            topic = f"Chuyên đề {sheet.session_number}: {sheet.session.title}"
            lines += [(REGULAR, LINE_SIZE, line) for line in _wrap(topic, REGULAR, LINE_SIZE, inner - 40)]
            starts, ends = timezone.localtime(sheet.session.starts_at), timezone.localtime(sheet.session.ends_at)
            when = f"Thời gian: {starts:%H:%M} – {ends:%H:%M}, ngày {sheet.day:%d/%m/%Y}"
        else:
            when = f"Ngày {sheet.day:%d/%m/%Y}"
        place = event.venue or event.address
        if place:
            when += f" – Địa điểm: {place}"
        lines += [(ITALIC, LINE_SIZE, line) for line in _wrap(when, ITALIC, LINE_SIZE, inner - 40)]
        for font, size, line in lines:
            y -= size + 5
            if draw:
                c.setFont(font, size)
                c.drawCentredString(width / 2, y, line)
        return y - 14

    def running_header(c, draw: bool) -> float:
        y = height - MARGIN
        if draw:
            c.setFont(ITALIC, SMALL_SIZE)
            label = f"Danh sách đại biểu ký tên – {nfc(event.title)}"
            size = SMALL_SIZE
            while size > 6 and pdfmetrics.stringWidth(label, ITALIC, size) > inner:
                size -= 0.5
            c.setFont(ITALIC, size)
            c.drawString(MARGIN, y, label)
        return y - RUNNING_HEADER_DROP

    # Paginate: each page starts with the column headings (and the unit's
    # heading again when its people run on); a unit heading never ends a page.
    bottom = MARGIN + 10
    table_head = HEADING_ROW + NUMBER_ROW
    pages: list[list[_Row]] = []
    scratch = canvas.Canvas(io.BytesIO())
    y = first_header(scratch, draw=False) - table_head
    page: list[_Row] = []
    current_unit = ""
    for index, row in enumerate(rows):
        needed = row.height
        if row.kind == "unit":
            following = rows[index + 1] if index + 1 < len(rows) else None
            needed += following.height if following is not None else 0
        if y - needed < bottom and page:
            pages.append(page)
            page = []
            y = running_header(scratch, draw=False) - table_head
            if row.kind in ("person", "total"):
                page.append(_Row("unit", UNIT_ROW, text=f"{current_unit} (tiếp theo)"))
                y -= UNIT_ROW
        if row.kind == "unit":
            current_unit = row.text
        page.append(row)
        y -= row.height
    pages.append(page)

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, lang="vi", pageCompression=1)
    c.setTitle(f"Danh sách ký tên – {nfc(event.title)}")
    c.setAuthor(nfc(sheet.organiser) or "")
    c.setCreator("Danh sách ký tên")
    xs = [MARGIN]
    for column_width in widths:
        xs.append(xs[-1] + column_width)
    for page_number, page in enumerate(pages, start=1):
        y = first_header(c, draw=True) if page_number == 1 else running_header(c, draw=True)
        # Column headings, then their numbers (1), (2)… as official tables do.
        c.setLineWidth(0.5)
        c.setFillColor(colors.HexColor("#eeeeee"))
        c.rect(MARGIN, y - HEADING_ROW, inner, HEADING_ROW, stroke=0, fill=1)
        c.setFillColor(colors.black)
        for i, heading in enumerate(headings):
            c.setFont(BOLD, CELL_SIZE)
            c.drawCentredString((xs[i] + xs[i + 1]) / 2, y - HEADING_ROW + 8, heading)
            c.setFont(ITALIC, SMALL_SIZE - 1)
            c.drawCentredString((xs[i] + xs[i + 1]) / 2, y - HEADING_ROW - NUMBER_ROW + 4, f"({i + 1})")
        for x in xs:
            c.line(x, y, x, y - table_head)
        c.line(MARGIN, y, MARGIN + inner, y)
        c.line(MARGIN, y - HEADING_ROW, MARGIN + inner, y - HEADING_ROW)
        y -= table_head
        c.line(MARGIN, y, MARGIN + inner, y)
        for row in page:
            top, y = y, y - row.height
            if row.kind in ("unit", "total", "grand", "empty"):
                font = {"unit": BOLD, "grand": BOLD, "total": ITALIC, "empty": ITALIC}[row.kind]
                c.setFont(font, CELL_SIZE)
                c.drawString(MARGIN + CELL_PAD, y + (row.height - CELL_SIZE) / 2 + 2, nfc(row.text) or "")
                c.line(MARGIN, top, MARGIN, y)
                c.line(MARGIN + inner, top, MARGIN + inner, y)
            else:
                c.setFont(REGULAR, CELL_SIZE)
                c.drawCentredString((xs[0] + xs[1]) / 2, top - CELL_PAD - CELL_SIZE, str(row.number))
                for i, line in enumerate(row.name or []):
                    c.drawString(xs[1] + CELL_PAD, top - CELL_PAD - CELL_SIZE - i * CELL_LEADING, line)
                c.setFont(REGULAR, SMALL_SIZE)
                for i, line in enumerate(row.position or []):
                    c.drawString(xs[2] + CELL_PAD, top - CELL_PAD - SMALL_SIZE - 1 - i * CELL_LEADING, line)
                for x in xs:
                    c.line(x, top, x, y)
            c.line(MARGIN, y, MARGIN + inner, y)
        c.setFont(REGULAR, SMALL_SIZE)
        c.drawCentredString(width / 2, FOOTER_Y, f"Trang {page_number}/{len(pages)}")
        c.showPage()
    c.save()
    return buffer.getvalue()
