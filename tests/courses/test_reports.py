"""Unit reports: counts by subtree, drill-down, exports, chart, and the coordinator's scope."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Enrolment
from courses.services import enrolment_create, enrolment_leave, module_complete
from courses.tallies import tally_refresh_enrolments
from tests.factories import OrgUnitFactory, UserFactory


@pytest.fixture
def cohort(course, modules, people, danang_dept):
    """dept: completed; danang: in progress and overdue; hue: not started; a leaver is not counted."""
    for user in people.values():
        enrolment_create(user=user, course=course)
    for module in modules:
        module_complete(user=people["dept"], module=module)
    module_complete(user=people["danang"], module=modules[0])
    Enrolment.objects.filter(user=people["danang"]).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    # A past due date, which the services refuse to set: the report's tallies recounted as a write would.
    tally_refresh_enrolments(Enrolment.objects.filter(user=people["danang"]))
    leaver = UserFactory(full_name='=HYPERLINK("http://evil")', org_unit=danang_dept)
    enrolment_leave(enrolment=enrolment_create(user=leaver, course=course), user=leaver)
    return people


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_the_coordinator_sees_their_subtree_counts(coordinator_client, course, cohort, danang, danang_dept, hue):
    response = coordinator_client.get(reverse("courses:report", args=[course.pk]))
    assert response.status_code == 200
    rows = {row.unit.code: row for row in response.context["rows"]}
    assert set(rows) == {"DANANG", "DANANG-STTTT"}
    top = rows["DANANG"]
    assert (top.enrolled, top.not_started, top.in_progress, top.completed, top.overdue) == (2, 0, 1, 1, 1)
    dept = rows["DANANG-STTTT"]
    assert (dept.enrolled, dept.completed) == (1, 1)
    html = response.content.decode()
    assert hue.name not in html
    assert 'style="' not in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="bar-fill"' in html


def test_another_units_report_is_invisible_by_url(coordinator_client, course, cohort, hue):
    url = reverse("courses:report", args=[course.pk])
    assert coordinator_client.get(url, {"unit": hue.pk}).status_code == 404
    assert (
        coordinator_client.get(reverse("courses:report_people", args=[course.pk]), {"unit": hue.pk}).status_code == 404
    )
    export = reverse("courses:report_export", args=[course.pk, "xlsx"])
    assert coordinator_client.get(export, {"unit": hue.pk}).status_code == 404


def test_the_people_list_drills_down(coordinator_client, course, cohort, danang_dept):
    url = reverse("courses:report_people", args=[course.pk])
    html = coordinator_client.get(url).content.decode()
    assert "Nguyễn Văn An" in html and "Trần Thị Hoa" in html and "Lê Văn Minh" not in html
    html = coordinator_client.get(url, {"unit": danang_dept.pk}).content.decode()
    assert "Trần Thị Hoa" in html and "Nguyễn Văn An" not in html
    response = coordinator_client.get(url, {"status": "overdue"})
    assert [row.enrolment.user.full_name for row in response.context["people"]] == ["Nguyễn Văn An"]


def test_an_organiser_sees_every_unit(client, organiser, course, cohort):
    client.force_login(organiser)
    response = client.get(reverse("courses:report", args=[course.pk]))
    assert response.context["total"].enrolled == 3
    assert {row.unit.code for row in response.context["rows"]} >= {"DANANG", "HUE"}


def test_the_xlsx_matches_the_database_and_escapes_formulas(client, organiser, course, cohort, danang_dept):
    # A name that a spreadsheet would run as a formula, enrolled and counted.
    sneaky = UserFactory(full_name="=1+2", org_unit=danang_dept)
    enrolment_create(user=sneaky, course=course)
    client.force_login(organiser)
    response = client.get(reverse("courses:report_export", args=[course.pk, "xlsx"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    people = list(workbook["People"].iter_rows(values_only=True))
    names = [row[1] for row in people[1:]]
    # Shown as typed: a text cell (not a formula), with Excel's quote prefix so that editing it keeps it text.
    assert sorted(names) == sorted(["=1+2", "Nguyễn Văn An", "Trần Thị Hoa", "Lê Văn Minh"])
    sneaky_cell = next(row[1] for row in workbook["People"].iter_rows(min_row=2) if row[1].value == "=1+2")
    assert sneaky_cell.data_type == "s" and sneaky_cell.quotePrefix
    assert len(people) - 1 == Enrolment.objects.filter(course=course).exclude(status="left").count()
    by_unit = list(workbook["By unit"].iter_rows(values_only=True))
    total = by_unit[-1]
    assert total[:6] == ("Total", 4, 2, 1, 1, 1)
    assert not any(cell.data_type == "f" for row in workbook["People"].iter_rows() for cell in row)
    # Dates are date cells.
    overdue = next(row for row in people[1:] if row[8])
    assert isinstance(overdue[7], datetime.datetime) and overdue[7].date() < timezone.localdate()


def test_the_csv_escapes_formulas_and_opens_as_utf8(client, organiser, course, cohort, danang_dept):
    enrolment_create(user=UserFactory(full_name="@SUM(A1)", org_unit=danang_dept), course=course)
    client.force_login(organiser)
    response = client.get(reverse("courses:report_export", args=[course.pk, "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert "'@SUM(A1)" in [row[1] for row in rows]
    assert "Trần Thị Hoa" in [row[1] for row in rows]


def test_an_unknown_export_format_is_not_found(client, organiser, course):
    client.force_login(organiser)
    assert client.get(reverse("courses:report_export", args=[course.pk, "pdf"])).status_code == 404


def test_a_coordinator_without_mfa_is_sent_to_set_it_up(client, make_staff, danang, course):
    from accounts.roles import Role

    user = make_staff(Role.COORDINATOR, unit=danang)
    client.force_login(user)
    response = client.get(reverse("courses:report", args=[course.pk]))
    assert response.status_code == 302


def test_deeper_units_roll_up_and_are_one_click_away(coordinator_client, course, danang_dept):
    ward = OrgUnitFactory(code="DANANG-STTTT-P1", name="Phòng Văn thư", parent=danang_dept)
    enrolment_create(user=UserFactory(org_unit=ward), course=course)
    url = reverse("courses:report", args=[course.pk])
    response = coordinator_client.get(url)
    rows = {row.unit.code: row for row in response.context["rows"]}
    # The report shows the unit and the units right under it, each counting its whole subtree.
    assert set(rows) == {"DANANG", "DANANG-STTTT"}
    assert rows["DANANG"].enrolled == rows["DANANG-STTTT"].enrolled == 1
    assert (rows["DANANG"].depth, rows["DANANG-STTTT"].depth) == (0, 1)
    assert f'href="?unit={danang_dept.pk}"' in response.content.decode()
    rows = {row.unit.code: row for row in coordinator_client.get(url, {"unit": danang_dept.pk}).context["rows"]}
    assert rows["DANANG-STTTT"].enrolled == rows["DANANG-STTTT-P1"].enrolled == 1
    assert rows["DANANG-STTTT-P1"].depth == 1


def test_the_xlsx_has_the_whole_tree(client, organiser, course, danang, danang_dept):
    ward = OrgUnitFactory(code="DANANG-STTTT-P1", name="Phòng Văn thư", parent=danang_dept)
    enrolment_create(user=UserFactory(org_unit=ward), course=course)
    client.force_login(organiser)
    response = client.get(reverse("courses:report_export", args=[course.pk, "xlsx"]), {"unit": danang.pk})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    by_unit = list(workbook["By unit"].iter_rows(values_only=True))
    assert [row[:2] for row in by_unit[2:]] == [
        ("Thành phố Đà Nẵng", 1),
        ("  " + danang_dept.name, 1),
        ("    Phòng Văn thư", 1),
        ("Total", 1),
    ]


def test_the_people_list_is_paged(coordinator_client, course, danang_dept, monkeypatch):
    from courses import views

    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    for number in range(5):
        enrolment_create(user=UserFactory(full_name=f"Học viên {number}", org_unit=danang_dept), course=course)
    url = reverse("courses:report_people", args=[course.pk])
    first = coordinator_client.get(url)
    assert [row.enrolment.user.full_name for row in first.context["people"]] == ["Học viên 0", "Học viên 1"]
    assert first.context["page_obj"].paginator.count == 5
    last = coordinator_client.get(url, {"page": 3})
    assert [row.enrolment.user.full_name for row in last.context["people"]] == ["Học viên 4"]
    assert 'rel="prev"' in last.content.decode()


def test_the_people_buckets_are_filtered_in_the_database(coordinator_client, course, cohort):
    url = reverse("courses:report_people", args=[course.pk])
    names = {}
    for bucket in ("completed", "in_progress", "not_started", "overdue"):
        response = coordinator_client.get(url, {"status": bucket})
        names[bucket] = [row.enrolment.user.full_name for row in response.context["people"]]
        assert response.context["page_obj"].paginator.count == len(names[bucket])
    assert names == {
        "completed": ["Trần Thị Hoa"],
        "in_progress": ["Nguyễn Văn An"],
        "not_started": [],
        "overdue": ["Nguyễn Văn An"],
    }


def grow(course, parent, units, people_per_unit):
    """``units`` more units under ``parent`` (and one under each), with enrolled people and some progress."""
    for number in range(units):
        unit = OrgUnitFactory(code=f"{parent.code}-G{parent.numchild}-{number}", name=f"Đơn vị {number}", parent=parent)
        parent.refresh_from_db()
        below = OrgUnitFactory(code=f"{unit.code}-P", name=f"Phòng {number}", parent=unit)
        for person in range(people_per_unit):
            user = UserFactory(org_unit=below if person % 2 else unit)
            enrolment_create(user=user, course=course)


def report_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_reports_do_not_grow_with_units_or_people(coordinator_client, course, modules, danang):
    urls = [
        reverse("courses:report", args=[course.pk]),
        reverse("courses:report_people", args=[course.pk]),
        reverse("courses:report_people", args=[course.pk]) + "?status=in_progress",
        reverse("courses:report_export", args=[course.pk, "xlsx"]),
        reverse("courses:report_export", args=[course.pk, "csv"]),
    ]
    grow(course, danang, units=2, people_per_unit=2)
    module_complete(user=Enrolment.objects.filter(course=course).first().user, module=modules[0])
    small = [report_queries(coordinator_client, url) for url in urls]
    grow(course, danang, units=12, people_per_unit=6)
    for enrolment in Enrolment.objects.filter(course=course)[:20]:
        module_complete(user=enrolment.user, module=modules[0])
    large = [report_queries(coordinator_client, url) for url in urls]
    assert small == large
    # No unit ids listed in the SQL: the subtree is a path prefix.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        coordinator_client.get(urls[0])
    assert not any(re.search(r'org_unit_id"? IN \(', query["sql"]) for query in context.captured_queries)


def test_the_unit_picker_offers_the_units_near_the_one_shown(coordinator_client, course, danang, danang_dept):
    ward = OrgUnitFactory(code="DANANG-STTTT-P1", name="Phòng Văn thư", parent=danang_dept)
    url = reverse("courses:report", args=[course.pk])

    def offered(response):
        return {label for _value, label in response.context["form"].fields["unit"].widget.choices if _value}

    assert offered(coordinator_client.get(url)) == {danang.name, danang_dept.name}
    assert offered(coordinator_client.get(url, {"unit": danang_dept.pk})) == {danang.name, danang_dept.name, ward.name}
    # A unit deeper down, not listed at first, is still accepted (links from the rows lead there).
    response = coordinator_client.get(url, {"unit": ward.pk})
    assert response.status_code == 200 and response.context["unit"] == ward
