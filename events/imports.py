"""Organisers' and coordinators' bulk registration from XLSX or CSV.

Two steps: ``registration_import_preview`` reads and validates every row and
writes nothing; the person sees errors by row number and what was converted
from legacy encodings; ``registration_import_commit`` then saves only the
valid rows, all in one transaction, and reports the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, User, UserManager
from accounts.scopes import AnyUser
from core.errors import ServiceError
from core.legacy_vn import LegacyFixer
from core.spreadsheets import Column, build_template, read_spreadsheet
from core.text import collapse_spaces
from events.models import EventPage, Registration
from events.permissions import can_register_into_unit

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

COLUMNS = (
    Column("full_name", ("Họ và tên", "Họ tên", "Full name", "Name"), required=True, example="Nguyễn Văn An", width=28),
    Column("email", ("Email", "Thư điện tử", "E-mail"), required=True, example="nguyen.van.an@example.vn", width=30),
    Column(
        "unit",
        ("Mã đơn vị", "Đơn vị", "Unit code"),
        required=True,
        example="DANANG-STTTT",
        help=gettext_lazy("The unit code as listed on the platform."),
    ),
    Column("position", ("Chức vụ", "Position"), example="Chuyên viên"),
    Column("phone", ("Điện thoại", "Số điện thoại", "Phone"), example="0912345678"),
    Column("notes", ("Ghi chú", "Notes"), example=""),
)


@dataclass
class ImportRow:
    number: int
    full_name: str
    email: str
    unit_code: str
    position: str = ""
    phone: str = ""
    notes: str = ""
    errors: list[str] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    encoding: str | None
    ignored_headers: list[str]

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.valid]

    def valid_payload(self) -> list[dict]:
        """What the confirm step needs, small enough for the session."""
        return [asdict(row) for row in self.valid_rows]

    def rejected_lines(self) -> list[str]:
        """The invalid rows as the final report lists them, by row number."""
        return [
            _("Row %(row)d: %(error)s") % {"row": row.number, "error": " ".join(row.errors)}
            for row in self.invalid_rows
        ]


def template_bytes() -> bytes:
    return build_template(COLUMNS, sheet_title="Danh sách đại biểu")


def registration_import_preview(*, event: EventPage, file, filename: str, by: AnyUser) -> ImportPreview:
    fixer = LegacyFixer()
    sheet = read_spreadsheet(file, filename=filename, columns=COLUMNS, max_bytes=MAX_UPLOAD_BYTES, cell_fixer=fixer)
    units = {unit.code.upper(): unit for unit in OrgUnit.objects.filter(is_active=True)}
    registered = set(
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("user__email", flat=True)
    )
    registered = {email.lower() for email in registered}
    allowed = _unit_check(by, event)
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    for raw in sheet.rows:
        row = ImportRow(
            number=raw.number,
            full_name=collapse_spaces(raw["full_name"]),
            email=UserManager.normalize_email(raw["email"].strip()) or "",
            unit_code=raw["unit"].strip().upper(),
            position=collapse_spaces(raw["position"]),
            phone="".join(ch for ch in raw["phone"] if ch.isdigit() or ch == "+"),
            notes=raw["notes"],
        )
        for value in raw.values.values():
            conversion = fixer.conversions.get(value)
            if conversion is not None:
                row.converted.append(
                    _("“%(original)s” → “%(converted)s” (%(encoding)s)")
                    % {
                        "original": conversion.original,
                        "converted": conversion.converted,
                        "encoding": conversion.encoding.upper(),
                    }
                )
        _validate(row, allowed=allowed, units=units, registered=registered, seen=seen)
        rows.append(row)
    if not rows:
        raise ServiceError("file_empty", _("The file has no rows."))
    return ImportPreview(rows=rows, encoding=sheet.encoding, ignored_headers=sheet.ignored_headers)


def _unit_check(by: AnyUser, event: EventPage):
    """Whether ``by`` may register people of a unit: the event's question asked once, not per row."""
    if has_event_rights(by, event):
        return lambda unit: True
    return lambda unit: can_register_into_unit(by, event, unit)


def _validate(row: ImportRow, *, allowed, units, registered, seen) -> None:
    if not row.full_name:
        row.errors.append(_("The name is missing."))
    try:
        validate_email(row.email)
    except ValidationError:
        row.errors.append(_("“%(email)s” is not a valid email address.") % {"email": row.email})
    else:
        key = row.email.lower()
        if key in seen:
            row.errors.append(_("The same email is on row %(row)d.") % {"row": seen[key]})
        else:
            seen[key] = row.number
        if key in registered:
            row.errors.append(_("Already registered for this event."))
    unit = units.get(row.unit_code)
    if unit is None:
        row.errors.append(_("Unknown unit code “%(code)s”.") % {"code": row.unit_code})
    elif not allowed(unit):
        row.errors.append(_("You may not register people of unit “%(code)s”.") % {"code": row.unit_code})
    if row.phone and not 9 <= len(row.phone.lstrip("+")) <= 15:
        row.errors.append(_("“%(phone)s” is not a valid phone number.") % {"phone": row.phone})


@dataclass
class ImportReport:
    confirmed: int = 0
    waitlisted: int = 0
    accounts_created: int = 0
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def registration_import_commit(*, event: EventPage, rows: list[dict], by: User) -> ImportReport:
    """Save the rows the preview found valid; rows invalid by now (registered meanwhile) are reported."""
    from events.services import registration_create

    report = ImportReport()
    units = {unit.code.upper(): unit for unit in OrgUnit.objects.filter(code__in=[r["unit_code"] for r in rows])}
    allowed = _unit_check(by, event)
    source = Registration.Source.IMPORT if has_event_rights(by, event) else Registration.Source.COORDINATOR
    for data in rows:
        unit = units.get(data["unit_code"])
        if unit is None or not allowed(unit):
            report.skipped.append(_("Row %(row)d: unit not allowed.") % {"row": data["number"]})
            continue
        user = User.objects.filter(email__iexact=data["email"]).first()
        if user is None:
            # Imported delegates get an account without a usable password;
            # they sign in by emailed code when they want their ticket.
            user = User.objects.create_user(
                email=data["email"],
                full_name=data["full_name"],
                position=data["position"],
                org_unit=unit,
                phone=data["phone"][:20],
            )
            report.accounts_created += 1
        try:
            registration = registration_create(
                event=event,
                user=user,
                full_name=data["full_name"],
                org_unit=unit,
                position=data["position"],
                phone=data["phone"],
                notes=data["notes"],
                source=source,
                created_by=by,
            )
        except ServiceError as error:
            report.skipped.append(_("Row %(row)d: %(error)s") % {"row": data["number"], "error": error.message})
            continue
        if registration.status == Registration.Status.CONFIRMED:
            report.confirmed += 1
        else:
            report.waitlisted += 1
    return report


def has_event_rights(user: AnyUser, event: EventPage) -> bool:
    from events.permissions import can_manage_event

    return can_manage_event(user, event)
