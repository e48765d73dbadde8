"""Enrolment rules: open, approval, assigned, prerequisites, leaving, bulk assignment."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.errors import ServiceError
from courses.models import CoursePage, Enrolment, ModuleProgress
from courses.services import (
    enrolment_approve,
    enrolment_assign_bulk,
    enrolment_create,
    enrolment_leave,
    module_complete,
)
from tests.courses.conftest import make_course


def test_enrolling_in_an_open_course_starts_it(trainee, course):
    enrolment = enrolment_create(user=trainee, course=course)
    assert enrolment.status == Enrolment.Status.ACTIVE


def test_enrolling_twice_is_refused_and_writes_nothing(trainee, course):
    enrolment_create(user=trainee, course=course)
    with pytest.raises(ServiceError) as error:
        enrolment_create(user=trainee, course=course)
    assert error.value.code == "already_enrolled"
    assert error.value.message == "You are already enrolled in this course."
    assert Enrolment.objects.count() == 1


def test_enrolling_twice_through_the_page_says_so(trainee_client, trainee, course):
    url = reverse("courses:enrol", args=[course.pk])
    trainee_client.post(url)
    response = trainee_client.post(url, follow=True)
    assert "You are already enrolled in this course." in response.content.decode()
    assert Enrolment.objects.filter(user=trainee).count() == 1


def test_the_database_allows_one_enrolment_per_person_and_course(trainee, course):
    Enrolment.objects.create(user=trainee, course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(user=trainee, course=course, status=Enrolment.Status.LEFT)


def test_a_completed_enrolment_must_have_its_date(trainee, course):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(user=trainee, course=course, status=Enrolment.Status.COMPLETED)


def test_approval_courses_wait_for_a_coordinator_of_the_trainees_unit(course, coordinator, people):
    CoursePage.objects.filter(pk=course.pk).update(enrolment_mode="approval")
    course.refresh_from_db()
    request = enrolment_create(user=people["dept"], course=course)
    assert request.status == Enrolment.Status.PENDING
    with pytest.raises(ServiceError) as error:
        enrolment_create(user=people["dept"], course=course)
    assert error.value.code == "already_enrolled"
    other = enrolment_create(user=people["hue"], course=course)
    with pytest.raises(ServiceError) as error:
        enrolment_approve(enrolment=other, approved_by=coordinator)
    assert error.value.code == "forbidden"
    approved = enrolment_approve(enrolment=request, approved_by=coordinator)
    assert approved.status == Enrolment.Status.ACTIVE and approved.approved_by == coordinator
    with pytest.raises(ServiceError):
        enrolment_approve(enrolment=request, approved_by=coordinator)


def test_the_pending_page_lists_only_the_coordinators_people(client, course, coordinator, people):
    CoursePage.objects.filter(pk=course.pk).update(enrolment_mode="approval")
    course.refresh_from_db()
    mine = enrolment_create(user=people["dept"], course=course)
    theirs = enrolment_create(user=people["hue"], course=course)
    client.force_login(coordinator)
    url = reverse("courses:pending", args=[course.pk])
    html = client.get(url).content.decode()
    assert people["dept"].full_name in html and people["hue"].full_name not in html
    assert client.post(url, {"enrolment": theirs.pk}).status_code == 404
    client.post(url, {"enrolment": mine.pk})
    assert Enrolment.objects.get(pk=mine.pk).status == "active"
    assert Enrolment.objects.get(pk=theirs.pk).status == "pending"


def test_assigned_courses_cannot_be_joined_by_oneself(trainee, course):
    CoursePage.objects.filter(pk=course.pk).update(enrolment_mode="assigned")
    course.refresh_from_db()
    with pytest.raises(ServiceError) as error:
        enrolment_create(user=trainee, course=course)
    assert error.value.code == "assigned_only"
    assert not Enrolment.objects.exists()


def test_prerequisites_must_be_completed_first(trainee, course):
    advanced = make_course(2, title="Nâng cao chất lượng công tác thi đua, khen thưởng")
    advanced.prerequisites = [course]
    advanced.save()
    with pytest.raises(ServiceError) as error:
        enrolment_create(user=trainee, course=advanced)
    assert error.value.code == "prerequisites"
    assert course.title in error.value.message
    enrolment = enrolment_create(user=trainee, course=course)
    for module in course.modules():
        module_complete(user=trainee, module=module)
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    assert enrolment_create(user=trainee, course=advanced).status == "active"


def test_leaving_keeps_the_history_and_coming_back_resumes(trainee, course, modules):
    enrolment = enrolment_create(user=trainee, course=course)
    module_complete(user=trainee, module=modules[0])
    left = enrolment_leave(enrolment=enrolment, user=trainee)
    assert left.status == "left" and left.left_at is not None
    assert ModuleProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 1
    with pytest.raises(ServiceError) as error:
        module_complete(user=trainee, module=modules[1])
    assert error.value.code == "not_enrolled"
    back = enrolment_create(user=trainee, course=course)
    assert back.pk == enrolment.pk and back.status == "active" and back.left_at is None
    module_complete(user=trainee, module=modules[1])
    assert ModuleProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 2


def test_leaving_someone_elses_course_is_refused(trainee, course, people):
    enrolment = enrolment_create(user=people["hue"], course=course)
    with pytest.raises(ServiceError):
        enrolment_leave(enrolment=enrolment, user=trainee)
    assert Enrolment.objects.get(pk=enrolment.pk).status == "active"


def test_a_coordinator_assigns_a_course_to_their_subtree_with_a_due_date(course, coordinator, people):
    due = datetime.date.today() + datetime.timedelta(days=30)
    enrolment_create(user=people["dept"], course=course)
    result = enrolment_assign_bulk(
        course=course, users=[people["danang"], people["dept"]], assigned_by=coordinator, due_date=due
    )
    assert (result.created, result.updated) == (1, 1)
    rows = Enrolment.objects.filter(course=course).order_by("pk")
    assert [(e.status, e.due_date, e.assigned_by_id) for e in rows] == [("active", due, coordinator.pk)] * 2


def test_assigning_anyone_outside_the_subtree_assigns_nobody(course, coordinator, people):
    with pytest.raises(ServiceError) as error:
        enrolment_assign_bulk(course=course, users=list(people.values()), assigned_by=coordinator)
    assert error.value.code == "outside_scope"
    # Counted, not named: the coordinator does not learn who is outside their units.
    assert "Lê Văn Minh" not in error.value.message and "1 person is outside" in error.value.message
    assert not Enrolment.objects.exists()


def test_trainees_cannot_assign(course, trainee, people):
    with pytest.raises(ServiceError) as error:
        enrolment_assign_bulk(course=course, users=[people["dept"]], assigned_by=trainee)
    assert error.value.code == "forbidden"


def test_the_assign_page_takes_a_unit_and_emails(client, course, coordinator, people, danang):
    client.force_login(coordinator)
    url = reverse("courses:assign", args=[course.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"unit": danang.pk, "include_subunits": "on", "due_date": "31/12/2099"})
    assert response.status_code == 302
    assert set(Enrolment.objects.values_list("user__full_name", flat=True)) == {
        "Nguyễn Văn An",
        "Trần Thị Hoa",
        "Hoàng Thị Bình",
    }
    assert Enrolment.objects.filter(due_date=datetime.date(2099, 12, 31)).count() == 3


def test_the_assign_page_refuses_someone_outside_the_subtree(client, course, coordinator, people, hue):
    client.force_login(coordinator)
    url = reverse("courses:assign", args=[course.pk])
    unknown = "nobody@example.org"
    response = client.post(url, {"emails": f"{people['dept'].email}\n{people['hue'].email}\n{unknown}"})
    assert response.status_code == 200
    html = response.content.decode()
    # An account of another unit and an address without an account get the
    # same answer, and nobody's name is shown.
    assert f"these addresses: {people['hue'].email}, {unknown}. Nobody was assigned." in html
    assert "Lê Văn Minh" not in html
    assert not Enrolment.objects.exists()
    # A unit outside the subtree is not even a choice.
    response = client.post(url, {"unit": hue.pk})
    assert response.status_code == 200
    assert not Enrolment.objects.exists()


def test_unknown_emails_assign_nobody(client, course, coordinator, people):
    client.force_login(coordinator)
    response = client.post(
        reverse("courses:assign", args=[course.pk]), {"emails": f"{people['dept'].email}, khong-co@example.vn"}
    )
    assert "khong-co@example.vn" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_trainees_cannot_open_staff_pages(trainee_client, course):
    for name in ("courses:assign", "courses:report", "courses:pending"):
        assert trainee_client.get(reverse(name, args=[course.pk])).status_code == 403
