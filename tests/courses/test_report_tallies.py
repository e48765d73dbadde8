"""The unit report's tallies (courses.tallies): after every write that can change them, equal to a fresh count."""

import datetime
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_update_profile
from courses.models import CoursePage, CourseUnitDue, CourseUnitTally, Enrolment
from courses.services import (
    course_completion_check,
    enrolment_approve,
    enrolment_assign_bulk,
    enrolment_create,
    enrolment_leave,
    module_complete,
)
from courses.tallies import tally_differences, tally_recount, tally_refresh_enrolments
from tests.courses.conftest import make_course
from tests.factories import UserFactory


def tallies(course) -> dict:
    """{unit code: (enrolled, in progress, completed)} of the course's non-empty tallies."""
    rows = CourseUnitTally.objects.filter(course=course).select_related("org_unit")
    return {t.org_unit.code: (t.enrolled, t.in_progress, t.completed) for t in rows if t.enrolled}


def assert_fresh(course, expected: dict) -> None:
    """The kept tallies equal a fresh count of the enrolments, and that count is ``expected``."""
    assert tally_differences() == []
    assert tallies(course) == expected


def test_self_enrolment_progress_completion_and_leaving(course, modules, people):
    an, hoa = people["danang"], people["dept"]
    enrolment_create(user=an, course=course)
    enrolment_create(user=hoa, course=course)
    assert_fresh(course, {"DANANG": (1, 0, 0), "DANANG-STTTT": (1, 0, 0)})
    module_complete(user=an, module=modules[0])
    assert_fresh(course, {"DANANG": (1, 1, 0), "DANANG-STTTT": (1, 0, 0)})
    module_complete(user=an, module=modules[1])
    assert_fresh(course, {"DANANG": (1, 1, 0), "DANANG-STTTT": (1, 0, 0)})
    module_complete(user=an, module=modules[2])  # the last one: the course is complete
    assert Enrolment.objects.get(user=an).status == "completed"
    assert_fresh(course, {"DANANG": (1, 0, 1), "DANANG-STTTT": (1, 0, 0)})
    module_complete(user=hoa, module=modules[0])
    enrolment_leave(enrolment=Enrolment.objects.get(user=hoa), user=hoa)
    assert_fresh(course, {"DANANG": (1, 0, 1)})
    # Back again: the same row, with its progress.
    enrolment_create(user=hoa, course=course)
    assert_fresh(course, {"DANANG": (1, 0, 1), "DANANG-STTTT": (1, 1, 0)})


def test_approval_and_assignment(course, people, coordinator, danang_dept):
    CoursePage.objects.filter(pk=course.pk).update(enrolment_mode=CoursePage.EnrolmentMode.APPROVAL)
    course.refresh_from_db()
    request = enrolment_create(user=people["danang"], course=course)
    assert request.status == "pending"
    assert_fresh(course, {"DANANG": (1, 0, 0)})
    enrolment_approve(enrolment=request, approved_by=coordinator)
    assert_fresh(course, {"DANANG": (1, 0, 0)})
    leaver = UserFactory(org_unit=danang_dept)
    enrolment_assign_bulk(course=course, users=[leaver], assigned_by=coordinator)
    enrolment_leave(enrolment=Enrolment.objects.get(user=leaver), user=leaver)
    assert_fresh(course, {"DANANG": (1, 0, 0)})
    # One new, one back from leaving, one already on the course.
    newcomer = UserFactory(org_unit=danang_dept)
    due = timezone.localdate() + datetime.timedelta(days=30)
    enrolment_assign_bulk(
        course=course, users=[newcomer, leaver, people["danang"]], assigned_by=coordinator, due_date=due
    )
    assert_fresh(course, {"DANANG": (1, 0, 0), "DANANG-STTTT": (2, 0, 0)})


def test_completion_by_the_final_test(course, modules, people):
    an = people["danang"]
    enrolment = enrolment_create(user=an, course=course)
    for module in modules:
        module_complete(user=an, module=module)
    # Completed through course_completion_check (called by module_complete and by a passed final test).
    assert course_completion_check(enrolment=enrolment)
    assert_fresh(course, {"DANANG": (1, 0, 1)})


@pytest.mark.parametrize("how", ["service", "save", "save_update_fields"])
def test_a_person_moving_to_another_unit_takes_their_enrolments_along(course, modules, people, hue, how):
    an = people["danang"]
    enrolment_create(user=an, course=course)
    module_complete(user=an, module=modules[0])
    other = make_course(1)
    enrolment_create(user=an, course=other)
    assert_fresh(course, {"DANANG": (1, 1, 0)})
    if how == "service":
        user_update_profile(user=an, full_name=an.full_name, position="", phone="", org_unit=hue)
    elif how == "save":  # the admin's user form, imports
        an.org_unit = hue
        an.save()
    else:
        an.org_unit = hue
        an.save(update_fields=["org_unit"])
    assert_fresh(course, {"HUE": (1, 1, 0)})
    assert tallies(other) == {"HUE": (1, 0, 0)}
    # A save that does not name the unit changes nothing and counts nothing.
    an.full_name = "Nguyễn Văn Bình"
    an.save(update_fields=["full_name"])
    assert_fresh(course, {"HUE": (1, 1, 0)})


def test_a_person_without_a_unit_is_not_counted(course, people):
    an = people["danang"]
    enrolment_create(user=an, course=course)
    an.org_unit = None
    an.save()
    assert_fresh(course, {})
    assert not Enrolment.objects.filter(user=an, status="left").exists()


def test_deleting_a_person_or_a_module_or_the_course(course, modules, people):
    for person in people.values():
        enrolment_create(user=person, course=course)
    module_complete(user=people["hue"], module=modules[0])
    module_complete(user=people["dept"], module=modules[0])
    module_complete(user=people["dept"], module=modules[1])
    assert_fresh(course, {"DANANG": (1, 0, 0), "DANANG-STTTT": (1, 1, 0), "HUE": (1, 1, 0)})
    people["danang"].delete()
    assert_fresh(course, {"DANANG-STTTT": (1, 1, 0), "HUE": (1, 1, 0)})
    # The module goes with everyone's progress in it: Huế's only completed module, one of two in the department.
    modules[0].delete()
    assert_fresh(course, {"DANANG-STTTT": (1, 1, 0), "HUE": (1, 0, 0)})
    course.delete()
    assert tally_differences() == [] and not CourseUnitTally.objects.exists()


def test_recount_rebuilds_what_a_bulk_write_left_behind(course, people):
    for person in people.values():
        enrolment_create(user=person, course=course)
    # Writes past the services (COPY, a manual UPDATE) leave the tallies behind...
    Enrolment.objects.filter(user=people["hue"]).update(status="left")
    [(_pair, kept, fresh)] = tally_differences()
    assert kept == {"enrolled": 1, "in_progress": 0, "completed": 0, "due": {}} and fresh["enrolled"] == 0
    # ...which the command finds, and recounts.
    with pytest.raises(CommandError):
        call_command("recount_tallies", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("recount_tallies", stdout=out)
    assert "Recounted: 2 tallies." in out.getvalue()
    assert_fresh(course, {"DANANG": (1, 0, 0), "DANANG-STTTT": (1, 0, 0)})
    call_command("recount_tallies", "--check", stdout=io.StringIO())
    assert tally_recount(course_id=course.pk) == 2


def test_the_report_counts_from_the_tallies(client, coordinator, course, modules, people):
    """The page shows what the tallies hold (overdue from the enrolments, as the day decides)."""
    for person in people.values():
        enrolment_create(user=person, course=course)
    module_complete(user=people["dept"], module=modules[0])
    Enrolment.objects.filter(user=people["danang"]).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    tally_refresh_enrolments(Enrolment.objects.filter(user=people["danang"]))
    client.force_login(coordinator)
    response = client.get(reverse("courses:report", args=[course.pk]))
    rows = {row.unit.code: row for row in response.context["rows"]}
    assert (rows["DANANG"].enrolled, rows["DANANG"].in_progress, rows["DANANG"].not_started) == (2, 1, 1)
    assert rows["DANANG"].overdue == 1 and rows["DANANG-STTTT"].overdue == 0
    # A tally changed behind the report's back shows: the page reads the tallies, not the enrolments.
    CourseUnitTally.objects.filter(course=course, org_unit__code="DANANG-STTTT").update(enrolled=5)
    rows = {row.unit.code: row for row in client.get(reverse("courses:report", args=[course.pk])).context["rows"]}
    assert rows["DANANG"].enrolled == 6


def test_due_dates_are_kept_and_overdue_counted_before_today(client, course, coordinator, people):
    """Overdue is not stored (it depends on the day): the open enrolments are kept by due date."""
    today = timezone.localdate()
    due = today + datetime.timedelta(days=3)
    ours = [people["danang"], people["dept"]]
    enrolment_assign_bulk(course=course, users=ours, assigned_by=coordinator, due_date=due)
    assert tally_differences() == []
    assert set(CourseUnitDue.objects.values_list("org_unit__code", "due_date", "open")) == {
        ("DANANG", due, 1),
        ("DANANG-STTTT", due, 1),
    }
    url = reverse("courses:report_people", args=[course.pk])
    client.force_login(coordinator)
    assert client.get(url, {"status": "overdue"}).context["page_obj"].paginator.count == 0
    # Four days on, the same rows are overdue; nothing was written.
    later = today + datetime.timedelta(days=4)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        rows = {row.unit.code: row for row in client.get(reverse("courses:report", args=[course.pk])).context["rows"]}
        assert (rows["DANANG"].overdue, rows["DANANG-STTTT"].overdue) == (2, 1)
        assert client.get(url, {"status": "overdue"}).context["page_obj"].paginator.count == 2
    # Leaving takes the enrolment out of the due dates.
    enrolment_leave(enrolment=Enrolment.objects.get(user=people["dept"]), user=people["dept"])
    assert tally_differences() == []
    assert set(CourseUnitDue.objects.values_list("org_unit__code", "open")) == {("DANANG", 1)}


def test_a_coordinator_counts_only_their_subtree(client, coordinator, course, people):
    """Privacy: the tallies of units outside the coordinator's subtree reach neither the rows nor the totals."""
    for person in people.values():
        enrolment_create(user=person, course=course)
    assert tallies(course)["HUE"] == (1, 0, 0)
    client.force_login(coordinator)
    response = client.get(reverse("courses:report", args=[course.pk]))
    assert response.context["total"].enrolled == 2
    assert "HUE" not in {row.unit.code for row in response.context["rows"]}
    people_page = client.get(reverse("courses:report_people", args=[course.pk]))
    assert people_page.context["page_obj"].paginator.count == 2
    assert people["hue"].full_name not in people_page.content.decode()
