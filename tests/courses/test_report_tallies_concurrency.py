"""Writers of one unit's tally at the same moment, on PostgreSQL: the tally row lock queues them, no count is lost."""

import pytest

from courses import tallies
from courses.models import CourseUnitTally
from courses.services import enrolment_create, module_complete
from courses.tallies import tally_differences
from tests.courses.conftest import make_course
from tests.courses.test_concurrency import Meeting, on_postgresql, race  # noqa: F401 - a fixture
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def meeting_in_the_count(monkeypatch) -> Meeting:
    """The racing threads meet inside the recount, after the tally lock: without the lock both would
    count at once, each missing the other's change, and the later write would win (a lost count).
    Five seconds, so that a loaded machine's slow thread still arrives."""
    meeting = Meeting(timeout=5.0)
    original = tallies.counted

    def counted(*args, **kwargs):
        meeting.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(tallies, "counted", counted)
    return meeting


def test_two_people_of_a_unit_enrolling_at_once_are_both_counted(on_postgresql, monkeypatch):  # noqa: F811
    course = make_course(2)
    unit = OrgUnitFactory(code="QN", name="Tỉnh Quảng Nam")
    # The unit's tally row exists already (a first enrolment): the two writers meet on its lock.
    enrolment_create(user=UserFactory(org_unit=unit), course=course)
    people = [UserFactory(org_unit=unit) for _ in range(2)]
    meeting = meeting_in_the_count(monkeypatch)
    results = race([lambda person=person: enrolment_create(user=person, course=course) for person in people])
    assert all(not isinstance(r, (Exception, str)) for r in results), results
    assert meeting.met is False
    assert tally_differences() == []
    assert CourseUnitTally.objects.get(course=course, org_unit=unit).enrolled == 3


def test_first_modules_completed_at_once_are_both_in_progress(on_postgresql, monkeypatch):  # noqa: F811
    course = make_course(2)
    unit = OrgUnitFactory(code="QN", name="Tỉnh Quảng Nam")
    people = [UserFactory(org_unit=unit) for _ in range(2)]
    for person in people:
        enrolment_create(user=person, course=course)
    first = course.modules().first()
    meeting = meeting_in_the_count(monkeypatch)
    results = race([lambda person=person: module_complete(user=person, module=first) for person in people])
    assert all(not isinstance(r, (Exception, str)) for r in results), results
    assert meeting.met is False
    assert tally_differences() == []
    assert CourseUnitTally.objects.get(course=course, org_unit=unit).in_progress == 2
