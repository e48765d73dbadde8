"""Report downloads: XLSX (by unit, then people) and CSV (people), formula-safe."""

from __future__ import annotations

import csv
import datetime
import itertools
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import SheetSpec, safe_cell, stream_xlsx


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
    """One list of values a person: dates as dates (the workbook writes them as date cells)."""
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
            enrolment.due_date,
            _("Yes") if row.overdue else "",
            timezone.localdate(enrolment.completed_at) if enrolment.completed_at else None,
            float(enrolment.final_score) if enrolment.final_score is not None else None,
        ]


def _csv_value(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else safe_cell(value)


def report_xlsx(*, course, unit_rows, total, people) -> Iterator[bytes]:
    """By unit (the whole tree, indented), then everyone, as a stream for a StreamingHttpResponse."""
    unit_header = [
        _("Unit"),
        _("Enrolled"),
        _("Not started"),
        _("In progress"),
        _("Completed"),
        _("Overdue"),
        _("Completed (%)"),
    ]

    def by_unit():
        yield [course.title]
        yield unit_header
        for row in unit_rows:
            name = ("  " * row.depth) + row.unit.name
            counts = [row.enrolled, row.not_started, row.in_progress, row.completed, row.overdue]
            yield [name, *counts, row.percent_completed]
        yield [
            _("Total"),
            total.enrolled,
            total.not_started,
            total.in_progress,
            total.completed,
            total.overdue,
            total.percent_completed,
        ]

    people_widths = (6, 28, 30, 40, 14, 12, 12, 12, 10, 12, 12)
    return stream_xlsx(
        [
            # No filter on the units: sorting would tear the indented tree apart (and move the total).
            SheetSpec(
                _("By unit"),
                by_unit(),
                widths=(48, 10, 12, 12, 12, 10, 14),
                header_row=2,
                autofilter=False,
                bold_rows={len(unit_rows) + 3},
            ),
            SheetSpec(
                _("People"),
                itertools.chain([_people_header()], _people_rows(people)),
                widths=people_widths,
                freeze="C2",
            ),
        ]
    )


class _Line:
    """csv.writer's file: hands back the line written instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def report_csv(*, people) -> Iterator[bytes]:
    """The people, line by line (for a streaming response); with a BOM, spreadsheets read it as UTF-8."""
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(_people_header())).encode("utf-8")
    for values in _people_rows(people):
        yield writer.writerow([_csv_value(v) for v in values]).encode("utf-8")
