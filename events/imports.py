"""Organisers' and coordinators' bulk registration from XLSX or CSV.

Two steps. ``registration_import_preview`` reads and validates every row and
writes nothing: the person sees each row's errors by row number, and each
proposed repair of legacy-font text (TCVN3, VNI) next to what was typed,
which they may refuse per row or for the whole file. The valid rows wait
server-side under a one-time token (core.pending); ``registration_import_confirm``
saves them once, in one transaction, and a second confirm of the same token
shows the first one's result. Everything that could refuse a row at saving
time (lengths, control characters, the phone's shape) is checked in the
preview, so what the preview accepts the confirm writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, User, UserManager, phone_validator
from accounts.scopes import AnyUser
from accounts.services import user_create
from core.errors import ServiceError
from core.legacy_vn import Proposal, propose
from core.pending import Confirmation, pending_import_confirm, pending_import_create, previously_imported
from core.spreadsheets import Column, build_template, read_spreadsheet, read_upload
from core.text import collapse_spaces, control_characters
from events.models import EventPage, Registration
from events.policies import can_manage_event, can_register_into_unit

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
NAME_MAX = Registration._meta.get_field("full_name").max_length
POSITION_MAX = Registration._meta.get_field("position").max_length
EMAIL_MAX = User._meta.get_field("email").max_length
NOTES_MAX = 2000

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
# Free text that may have been typed in a legacy font; codes, emails and
# phone numbers are ASCII and never repaired.
TEXT_FIELDS = {"full_name": NAME_MAX, "position": POSITION_MAX, "notes": NOTES_MAX}


def import_kind(event: EventPage) -> str:
    return f"events.registrations:{event.pk}"


@dataclass
class ImportRow:
    number: int
    full_name: str  # as typed
    email: str
    unit_code: str
    position: str = ""
    phone: str = ""
    notes: str = ""
    errors: list[str] = field(default_factory=list)
    conversions: dict[str, Proposal] = field(default_factory=dict)
    # The phone as the cell gave it, when a dropped leading zero was put back
    # (shown in the preview; "keep every text as typed" keeps this one).
    phone_typed: str = ""
    # What the confirm will give the row as things stand: "confirmed",
    # or why it will wait ("quota": the unit's quota is used up, "full").
    placement: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def waits(self) -> bool:
        return self.placement in ("quota", "full")

    @property
    def convert_by_default(self) -> bool:
        """Whether the row's repairs are applied unless refused (not when one is only a guess)."""
        return bool(self.conversions) and all(proposal.default for proposal in self.conversions.values())

    def typed(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}

    def converted(self) -> dict[str, str]:
        return {name: proposal.converted for name, proposal in self.conversions.items()}

    @property
    def shown_name(self) -> str:
        """The name as it will be saved if the person changes nothing."""
        if self.convert_by_default and "full_name" in self.conversions:
            return self.conversions["full_name"].converted
        return self.full_name


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    encoding: str | None
    ignored_headers: list[str]
    imported_before: dt.datetime | None = None  # when the same file was imported into this event, if it was

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.valid]

    @property
    def converted_rows(self) -> list[ImportRow]:
        return [row for row in self.valid_rows if row.conversions]

    @property
    def phone_repairs(self) -> list[ImportRow]:
        return [row for row in self.valid_rows if row.phone_typed]

    @property
    def waiting_rows(self) -> list[ImportRow]:
        return [row for row in self.valid_rows if row.waits]

    def payload(self) -> dict:
        """What the confirm needs, kept server-side under the token."""
        return {
            "rows": [
                {
                    "number": row.number,
                    "email": row.email,
                    "unit_code": row.unit_code,
                    "phone": row.phone,
                    "phone_typed": row.phone_typed or row.phone,
                    "typed": row.typed(),
                    "converted": row.converted(),
                }
                for row in self.valid_rows
            ],
            "rejected": self.rejected_lines(),
        }

    def rejected_lines(self) -> list[str]:
        """The invalid rows as the final report lists them, by row number."""
        return [
            _("Row %(row)d: %(error)s") % {"row": row.number, "error": " ".join(row.errors)}
            for row in self.invalid_rows
        ]


def template_bytes() -> bytes:
    return build_template(COLUMNS, sheet_title="Danh sách đại biểu")


def registration_import_preview(
    *, event: EventPage, file: bytes | BinaryIO, filename: str, by: AnyUser
) -> ImportPreview:
    data = read_upload(file, max_bytes=MAX_UPLOAD_BYTES)
    sheet = read_spreadsheet(data, filename=filename, columns=COLUMNS, max_bytes=MAX_UPLOAD_BYTES)
    units = {unit.code.upper(): unit for unit in OrgUnit.objects.filter(is_active=True)}
    registered = set(
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("user__email", flat=True)
    )
    registered = {email.lower() for email in registered}
    allowed = _unit_check(by, event)
    rows = [
        ImportRow(
            number=raw.number,
            full_name=collapse_spaces(raw["full_name"]),
            email=UserManager.normalize_email(raw["email"].strip()) or "",
            unit_code=raw["unit"].strip().upper(),
            position=collapse_spaces(raw["position"]),
            phone="".join(ch for ch in raw["phone"] if ch.isdigit() or ch == "+"),
            notes=raw["notes"],
        )
        for raw in sheet.rows
    ]
    if not rows:
        raise ServiceError("file_empty", _("The file has no rows."))
    proposals = propose(
        ((row.number, name), getattr(row, name)) for row in rows for name in TEXT_FIELDS if getattr(row, name)
    )
    seen: dict[str, int] = {}
    for row in rows:
        row.conversions = {name: proposals[row.number, name] for name in TEXT_FIELDS if (row.number, name) in proposals}
        restored = restored_phone(row.phone)
        if restored is not None:
            row.phone_typed, row.phone = row.phone, restored
        _validate(row, allowed=allowed, units=units, registered=registered, seen=seen)
    _project_placements(event, [row for row in rows if row.valid], units)
    return ImportPreview(
        rows=rows,
        encoding=sheet.encoding,
        ignored_headers=sheet.ignored_headers,
        imported_before=previously_imported(kind=import_kind(event), data=data),
    )


def restored_phone(phone: str) -> str | None:
    """A Vietnamese number whose leading zero a spreadsheet dropped, with the zero put back; None if not one.

    A phone typed into a number cell loses its zero (0912345678 is stored as
    912345678). Only a result that is a well-formed Vietnamese number counts:
    a mobile (0 then 3, 5, 7, 8 or 9, ten digits) or a landline (02, eleven
    digits). Anything else is left as typed for the person to see.
    """
    if not phone.isdigit() or phone.startswith("0"):
        return None
    if len(phone) == 9 and phone[0] in "35789":
        return "0" + phone
    if len(phone) == 10 and phone[0] == "2":
        return "0" + phone
    return None


def _project_placements(event: EventPage, rows: list[ImportRow], units: dict[str, OrgUnit]) -> None:
    """Say before the confirm who will get a seat and who will wait, and why (the unit's quota, or a full event).

    The waiting list moves first, as the confirm does: people already
    waiting who fit take their seats before any row of the file.
    """
    from events.services import SeatMap

    seats = SeatMap(event)
    for waiting in (
        Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
        .select_related("org_unit")
        .order_by("waitlisted_at", "created_at", "pk")
    ):
        if seats.fits(waiting.org_unit):
            seats.take(waiting.org_unit)
    for row in rows:
        unit = units.get(row.unit_code)
        if seats.fits(unit):
            seats.take(unit)
            row.placement = "confirmed"
        else:
            row.placement = "full" if seats.free <= 0 else "quota"


def registration_import_stage(*, event: EventPage, preview: ImportPreview, data: bytes, by: User) -> str | None:
    """Keep the preview's valid rows for the confirm; the one-time token, or None if nothing is valid."""
    if not preview.valid_rows:
        return None
    return pending_import_create(kind=import_kind(event), actor_id=by.pk, data=data, payload=preview.payload())


def _unit_check(by: AnyUser, event: EventPage):
    """Whether ``by`` may register people of a unit: the event's question asked once, not per row."""
    if can_manage_event(by, event):
        return lambda unit: True
    return lambda unit: can_register_into_unit(by, event, unit)


def _phone_ok(phone: str) -> bool:
    """9 to 15 digits, and what the account's own validator accepts (a + only in front)."""
    try:
        phone_validator(phone)
    except ValidationError:
        return False
    return 9 <= len(phone.lstrip("+")) <= 15 and "+" not in phone[1:]


def _validate(row: ImportRow, *, allowed, units, registered, seen) -> None:
    if not row.full_name:
        row.errors.append(_("The name is missing."))
    if len(row.email) > EMAIL_MAX:
        row.errors.append(_("The email address is longer than %(max)d characters.") % {"max": EMAIL_MAX})
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
    if row.phone and not _phone_ok(row.phone):
        row.errors.append(_("“%(phone)s” is not a valid phone number.") % {"phone": row.phone})
    labels = {column.key: column.title for column in COLUMNS}
    for name, limit in TEXT_FIELDS.items():
        # Both the typed and the repaired text: the person chooses at confirm time.
        readings = {getattr(row, name)} | ({row.conversions[name].converted} if name in row.conversions else set())
        label = labels[name]
        if any(len(text) > limit for text in readings):
            row.errors.append(_("“%(column)s” is longer than %(max)d characters.") % {"column": label, "max": limit})
        found = sorted({ch for text in readings for ch in control_characters(text, line_breaks=name == "notes")})
        if found:
            row.errors.append(
                _("“%(column)s” contains control characters (%(characters)s); retype the cell.")
                % {"column": label, "characters": ", ".join(found)}
            )


@dataclass
class ImportReport:
    confirmed: int = 0
    waitlisted: int = 0
    accounts_created: int = 0
    converted: int = 0
    skipped: list[str] = field(default_factory=list)


def registration_import_commit(
    *,
    event: EventPage,
    rows: list[dict],
    by: User,
    convert_rows: set[int] | frozenset[int] = frozenset(),
    keep_phones_as_typed: bool = False,
) -> ImportReport:
    """Save the rows the preview found valid, repaired where ``convert_rows`` says (and phones whose zero
    was dropped, unless kept as typed); rows invalid by now (registered meanwhile) are reported. The caller
    provides the transaction."""
    from events.services import registration_create

    report = ImportReport()
    units = {unit.code.upper(): unit for unit in OrgUnit.objects.filter(code__in=[r["unit_code"] for r in rows])}
    allowed = _unit_check(by, event)
    source = Registration.Source.IMPORT if can_manage_event(by, event) else Registration.Source.COORDINATOR
    for data in rows:
        values = dict(data["typed"])
        if data["number"] in convert_rows and data["converted"]:
            values.update(data["converted"])
            report.converted += 1
        phone = data.get("phone_typed", data["phone"]) if keep_phones_as_typed else data["phone"]
        unit = units.get(data["unit_code"])
        if unit is None or not allowed(unit):
            report.skipped.append(_("Row %(row)d: unit not allowed.") % {"row": data["number"]})
            continue
        try:
            user = User.objects.filter(email__iexact=data["email"]).first()
            if user is None:
                # Imported delegates get an account without a usable password;
                # they sign in by emailed code when they want their ticket.
                user = user_create(
                    email=data["email"],
                    full_name=values["full_name"],
                    position=values["position"],
                    org_unit=unit,
                    phone=phone,
                )
                report.accounts_created += 1
            registration = registration_create(
                event=event,
                user=user,
                full_name=values["full_name"],
                org_unit=unit,
                position=values["position"],
                phone=phone,
                notes=values["notes"],
                source=source,
                created_by=by,
            )
        except ServiceError as error:
            report.skipped.append(_("Row %(row)d: %(error)s") % {"row": data["number"], "error": error.message})
            continue
        except ValidationError as error:
            # The preview checks what the models check, so this means the
            # data changed in between; the row is reported, never a 500.
            report.skipped.append(
                _("Row %(row)d: %(error)s") % {"row": data["number"], "error": " ".join(error.messages)}
            )
            continue
        if registration.status == Registration.Status.CONFIRMED:
            report.confirmed += 1
        else:
            report.waitlisted += 1
    return report


def registration_import_confirm(
    *, event: EventPage, token: str, by: User, convert_rows: set[int], keep_as_typed: bool
) -> tuple[Confirmation, ImportReport | None]:
    """Confirm a preview once; a repeated confirm gets the first one's report."""

    def run(payload: dict) -> dict:
        report = registration_import_commit(
            event=event,
            rows=payload["rows"],
            by=by,
            convert_rows=set() if keep_as_typed else convert_rows,
            keep_phones_as_typed=keep_as_typed,
        )
        # The rows the preview refused come first in the report, by row number.
        report.skipped[:0] = payload.get("rejected", [])
        return asdict(report)

    confirmation = pending_import_confirm(token=token, kind=import_kind(event), actor_id=by.pk, run=run)
    report = ImportReport(**confirmation.result) if confirmation.result is not None else None
    return confirmation, report
