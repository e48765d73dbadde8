"""Report downloads: XLSX (by unit, then people) and CSV (people), formula-safe."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from typing import IO

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


def _people_rows(people) -> Iterator[list]:
    labels = _bucket_labels()
    for number, row in enumerate(people, start=1):
        enrolment = row.enrolment
        user = enrolment.user
        yield [
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


def report_xlsx(*, course, unit_rows, total, people) -> IO[bytes]:
    """The workbook in openpyxl's write-only mode (rows go to disk as they come), as a file to send.

    A national course has tens of thousands of people: the normal mode keeps
    every cell as an object and takes about twice as long to save.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Theo đơn vị")
    sheet.column_dimensions["A"].width = 48
    bold = Font(bold=True)

    def header(target, values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(target, value=value)
            cell.font = bold
            cells.append(cell)
        target.append(cells)

    sheet.append([safe_cell(course.title)])
    header(
        sheet,
        [
            _("Unit"),
            _("Enrolled"),
            _("Not started"),
            _("In progress"),
            _("Completed"),
            _("Overdue"),
            _("Completed (%)"),
        ],
    )
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
    people_sheet = workbook.create_sheet("Học viên")
    for letter, width in zip("ABCDE", (6, 28, 30, 40, 14), strict=True):
        people_sheet.column_dimensions[letter].width = width
    header(people_sheet, _people_header())
    for values in _people_rows(people):
        people_sheet.append([safe_cell(v) for v in values])
    # On disk, not in memory; deleted when the response closes it.
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    workbook.save(file)
    file.seek(0)
    return file


class _Line:
    """csv.writer's file: hands back the line written instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def report_csv(*, people) -> Iterator[bytes]:
    """The people, line by line (for a streaming response); with a BOM, spreadsheets read it as UTF-8."""
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(_people_header())).encode("utf-8")
    for values in _people_rows(people):
        yield writer.writerow([safe_cell(v) for v in values]).encode("utf-8")
