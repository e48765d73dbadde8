"""Files organisers download: the attendance workbook and the sign-in sheet PDF."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from core.spreadsheets import SheetSpec, stream_xlsx
from events.models import Attendance, EventPage, Registration
from events.selectors import SessionState, SignInSheet, session_state

# --- the workbooks ------------------------------------------------------------------
# Both go through core.spreadsheets.stream_xlsx, the project's one XLSX
# writer: rows are written as the database hands them over, so the first
# bytes leave before the last row is read, and memory stays flat for a
# national event. Text that a spreadsheet would run as a formula is a text
# cell with Excel's quote prefix (shown as typed, no apostrophe, never run).

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSON_WIDTHS = (6, 28, 36, 24, 30, 14, 16)  # No., name, unit, position, email, phone, registration status
SESSION_WIDTHS = (16, 17)  # a session's status, its check-in time
ROWS_PER_FETCH = 2000


def _in_units(registrations: QuerySet[Registration], units: QuerySet[OrgUnit] | None) -> QuerySet[Registration]:
    return registrations if units is None else registrations.filter(org_unit__in=units)


def attendance_xlsx(
    event: EventPage, *, units: QuerySet[OrgUnit] | None = None, now: datetime.datetime | None = None
) -> Iterator[bytes]:
    """Every delegate (of ``units`` only, when given) with their status and check-in time per session.

    A stream of XLSX chunks for a ``StreamingHttpResponse``. Statuses are the
    door's; a confirmed delegate without a check-in is absent once the
    session has ended, and nothing before (a session to come counts nobody
    absent). The check-in time is a real date-time cell (dd/mm/yyyy hh:mm).
    """
    now = now or timezone.now()
    sessions = list(event.sessions.order_by("starts_at", "pk"))
    states = {session.pk: session_state(session, now) for session in sessions}
    header = [_("No."), _("Full name"), _("Unit"), _("Position"), _("Email"), _("Phone"), _("Registration")]
    for number, session in enumerate(sessions, start=1):
        header += [f"{number}. {session.title}"[:80], _("%(n)d. Checked in at") % {"n": number}]
    labels = {key: str(label) for key, label in Attendance.Status.choices}
    absent, upcoming, pending = labels[Attendance.Status.ABSENT], _("Not yet held"), _("Not checked in yet")
    registration_labels = {key: str(label) for key, label in Registration.Status.choices}

    def rows() -> Iterator[list[object]]:
        yield header
        # Read when the stream starts, not when the view returns: one query for
        # every check-in (three small columns), one streamed for the people.
        attendances = Attendance.objects.filter(session__event=event)
        if units is not None:
            attendances = attendances.filter(registration__org_unit__in=units)
        attendance = {
            (registration_id, session_id): (status, checked_in_at)
            for registration_id, session_id, status, checked_in_at in attendances.values_list(
                "registration_id", "session_id", "status", "checked_in_at"
            ).iterator(chunk_size=ROWS_PER_FETCH)
        }
        registrations = (
            _in_units(Registration.objects.filter(event=event), units)
            .exclude(status=Registration.Status.CANCELLED)
            .order_by("org_unit__name", "full_name_folded", "pk")
            .values_list("pk", "full_name", "org_unit__name", "position", "user__email", "phone", "status")
        )
        for number, (pk, name, unit, position, email, phone, status) in enumerate(
            registrations.iterator(chunk_size=ROWS_PER_FETCH), start=1
        ):
            row: list[object] = [number, name, unit, position, email, phone, registration_labels.get(status, status)]
            confirmed = status == Registration.Status.CONFIRMED
            for session in sessions:
                state, (seen, at) = states[session.pk], attendance.get((pk, session.pk), (None, None))
                if seen:
                    row += [labels.get(seen, seen), at.replace(microsecond=0)]
                elif not confirmed:
                    row += [None, None]
                elif state == SessionState.ENDED:
                    row += [absent, None]
                else:
                    row += [upcoming if state == SessionState.UPCOMING else pending, None]
            yield row

    widths = list(PERSON_WIDTHS) + list(SESSION_WIDTHS) * len(sessions)
    # Name and number stay in view while scrolling right; the header while scrolling down.
    return stream_xlsx([SheetSpec(_("Attendance"), rows(), widths=widths, freeze="C2")])


def registrations_xlsx(registrations: QuerySet[Registration], *, event: EventPage) -> Iterator[bytes]:
    """The registration desk's list as filtered (``registrations``, already scoped to what the user sees).

    Status, seat or place in the queue, sessions attended and certificate
    standing, streamed like the attendance workbook. The standing is read a
    page of people at a time, so its cost stays that of the desk's pages.
    """
    from events import selectors, services

    header = [
        _("Full name"),
        _("Email"),
        _("Unit"),
        _("Position"),
        _("Phone"),
        _("Status"),
        _("Seat / place"),
        _("Sessions attended"),
        _("Certificate"),
    ]
    rules = event.certificate_rule != EventPage.CertificateRule.NONE

    def certificate_text(standing) -> str:
        if standing is None:
            return ""
        if standing.certificate is not None:
            return _("Issued %(serial)s") % {"serial": standing.certificate.serial}
        return _("Met the rule") if standing.earned else standing.reason

    def rows() -> Iterator[list[object]]:
        yield header
        places = services.waitlist_places(event)
        batch: list[Registration] = []

        def flush() -> Iterator[list[object]]:
            ids = [r.pk for r in batch]
            attended = dict(
                Attendance.objects.filter(registration_id__in=ids, status__in=selectors.ATTENDED)
                .values("registration_id")
                .annotate(n=Count("pk"))
                .values_list("registration_id", "n")
            )
            confirmed = [r for r in batch if r.status == Registration.Status.CONFIRMED]
            standings = {}
            if rules and confirmed:
                standings = {
                    s.registration.pk: s for s in selectors.certificate_standings(event, registrations=confirmed)
                }
            for r in batch:
                yield [
                    r.full_name,
                    r.user.email,
                    r.org_unit.name if r.org_unit else "",
                    r.position,
                    r.phone,
                    r.get_status_display(),
                    r.seat if r.seat else (places.get(r.pk) or ""),
                    attended.get(r.pk, 0),
                    certificate_text(standings.get(r.pk)),
                ]

        for registration in registrations.select_related("org_unit", "user").iterator(chunk_size=ROWS_PER_FETCH):
            batch.append(registration)
            if len(batch) == ROWS_PER_FETCH:
                yield from flush()
                batch = []
        if batch:
            yield from flush()

    return stream_xlsx([SheetSpec("Đăng ký", rows(), widths=(28, 30, 36, 24, 14, 16, 10, 10, 40))])


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
