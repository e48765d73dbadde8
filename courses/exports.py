"""Report downloads: XLSX (by unit, then people) and CSV (people), formula-safe."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from core.spreadsheets import safe_cell


def _people_header() -> list[str]:
    return [
        _("No."),
        _("Full name"),
        _("Email"),
        _("Unit"),
        _("Status"),
        _("Modules completed"),
        _("Progress (%)"),
        _("Due date"),
        _("Overdue"),
        _("Completed on"),
        _("Final score (%)"),
    ]


def _bucket_labels() -> dict[str, str]:
    return {"completed": _("Completed"), "in_progress": _("In progress"), "not_started": _("Not started")}


def _people_rows(people) -> list[list]:
    labels = _bucket_labels()
    rows = []
    for number, row in enumerate(people, start=1):
        enrolment = row.enrolment
        user = enrolment.user
        rows.append(
            [
                number,
                user.full_name,
                user.email,
                user.org_unit.name if user.org_unit else "",
                labels[row.bucket],
                f"{row.completed_modules}/{row.total_modules}",
                row.percent,
                enrolment.due_date.strftime("%d/%m/%Y") if enrolment.due_date else "",
                _("Yes") if row.overdue else "",
                enrolment.completed_at.strftime("%d/%m/%Y") if enrolment.completed_at else "",
                float(enrolment.final_score) if enrolment.final_score is not None else "",
            ]
        )
    return rows


def report_xlsx(*, course, unit_rows, total, people) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Theo đơn vị"
    sheet.append([safe_cell(course.title)])
    sheet.append(
        [_("Unit"), _("Enrolled"), _("Not started"), _("In progress"), _("Completed"), _("Overdue"), _("Completed (%)")]
    )
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in unit_rows:
        name = ("  " * row.depth) + row.unit.name
        values = [name, row.enrolled, row.not_started, row.in_progress, row.completed, row.overdue]
        sheet.append([safe_cell(v) for v in [*values, row.percent_completed]])
    sheet.append(
        [
            _("Total"),
            total.enrolled,
            total.not_started,
            total.in_progress,
            total.completed,
            total.overdue,
            total.percent_completed,
        ]
    )
    sheet.column_dimensions["A"].width = 48

    people_sheet = workbook.create_sheet("Học viên")
    people_sheet.append(_people_header())
    for cell in people_sheet[1]:
        cell.font = Font(bold=True)
    for values in _people_rows(people):
        people_sheet.append([safe_cell(v) for v in values])
    for letter, width in zip("ABCDE", (6, 28, 30, 40, 14), strict=True):
        people_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_csv(*, people) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_people_header())
    for values in _people_rows(people):
        writer.writerow([safe_cell(v) for v in values])
    # With a BOM, spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
