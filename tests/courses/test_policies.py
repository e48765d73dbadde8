"""Courses' write services refuse an actor their policy refuses, and each enrolment change is audited."""

import pytest
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from core.errors import ServiceError
from courses.models import CoursePage, Enrolment
from courses.services import enrolment_approve, enrolment_assign_bulk, enrolment_create, enrolment_leave
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _trail(enrolment):
    return list(
        ModelLogEntry.objects.filter(content_type__model="enrolment", object_id=str(enrolment.pk))
        .order_by("timestamp", "pk")
        .values_list("action", "user_id")
    )


def test_enrol_leave_and_return_are_audited_with_the_trainee(trainee, course):
    enrolment = enrolment_create(user=trainee, course=course)
    enrolment_leave(enrolment=enrolment, user=trainee)
    enrolment_create(user=trainee, course=course)
    assert _trail(enrolment) == [
        ("courses.enrolment.create", trainee.pk),
        ("courses.enrolment.leave", trainee.pk),
        ("courses.enrolment.rejoin", trainee.pk),
    ]


def test_approving_needs_a_coordinator_of_the_trainees_unit_and_is_audited(course, make_staff):
    course.enrolment_mode = CoursePage.EnrolmentMode.APPROVAL
    course.save_revision().publish()
    course.refresh_from_db()
    danang, hue = OrgUnitFactory(name="Đà Nẵng"), OrgUnitFactory(name="Huế")
    danang.refresh_from_db()
    trainee = UserFactory(org_unit=danang)
    request = enrolment_create(user=trainee, course=course)
    for outsider in (make_staff(Role.COORDINATOR, unit=hue), make_staff(Role.EDITOR), UserFactory()):
        with pytest.raises(ServiceError) as error:
            enrolment_approve(enrolment=request, approved_by=outsider)
        assert error.value.code == "forbidden"
    coordinator = make_staff(Role.COORDINATOR, unit=danang)
    enrolment_approve(enrolment=request, approved_by=coordinator)
    entry = ModelLogEntry.objects.get(object_id=str(request.pk), action="courses.enrolment.approve")
    assert entry.user == coordinator
    assert entry.data["before"]["status"] == "pending" and entry.data["after"]["status"] == "active"


def test_a_trainee_may_not_leave_for_someone_else(course, trainee):
    enrolment = enrolment_create(user=trainee, course=course)
    with pytest.raises(ServiceError) as error:
        enrolment_leave(enrolment=enrolment, user=UserFactory())
    assert error.value.code == "forbidden"
    assert Enrolment.objects.get(pk=enrolment.pk).status == "active"


def test_assigning_is_audited_per_person_with_the_assigner(course, make_staff):
    organiser = make_staff(Role.ORGANISER)
    people = [UserFactory(), UserFactory()]
    for outsider in (make_staff(Role.EDITOR), make_staff(Role.MODERATOR), people[0]):
        with pytest.raises(ServiceError) as error:
            enrolment_assign_bulk(course=course, users=people, assigned_by=outsider)
        assert error.value.code == "forbidden"
    enrolment_assign_bulk(course=course, users=people, assigned_by=organiser)
    for enrolment in Enrolment.objects.filter(course=course):
        assert _trail(enrolment) == [("courses.enrolment.assign", organiser.pk)]
