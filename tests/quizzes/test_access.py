"""A quiz opens only under the rules of what holds it: a course's enrolment and modules, an event's ticket and start.

The rule lives in ``quizzes.policies.quiz_access`` (asked of courses and
events through their hook) and is enforced by ``attempt_start``, so a quiz
typed by URL is refused as a link on the page would be.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from accounts.services import user_assign_role
from core.errors import ServiceError
from courses import services as course_services
from quizzes import services
from quizzes.policies import quiz_access
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    EventPageFactory,
    ModulePageFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _quiz(**kwargs):
    category = QuestionCategoryFactory()
    QuestionFactory(category=category)
    return QuizFactory(rules=[(category, 1)], **kwargs)


@pytest.fixture
def course_with_final_test():
    final = _quiz(title="Bài kiểm tra cuối khóa")
    course = CoursePageFactory(final_quiz=final)
    modules = [ModulePageFactory(parent=course, slug=f"bai-cuoi-{n}") for n in range(2)]
    return course, modules, final


def test_a_quiz_nobody_holds_is_open_to_anyone_signed_in():
    quiz = _quiz()
    assert quiz_access(UserFactory(), quiz).allowed
    services.attempt_start(quiz=quiz, user=UserFactory())


def test_the_final_test_needs_the_enrolment_and_every_module_done(course_with_final_test):
    course, modules, final = course_with_final_test
    trainee = UserFactory()

    access = quiz_access(trainee, final)
    assert not access.allowed and course.title in access.reason and access.url == course.url
    with pytest.raises(ServiceError) as refused:
        services.attempt_start(quiz=final, user=trainee)
    assert refused.value.code == "quiz_not_available"

    enrolment = course_services.enrolment_create(user=trainee, course=course)
    access = quiz_access(trainee, final)
    assert not access.allowed and "0 of 2" in access.reason
    course_services.module_visit(enrolment=enrolment, module=modules[0])
    course_services.module_complete(user=trainee, module=modules[0])
    assert "1 of 2" in quiz_access(trainee, final).reason

    course_services.module_visit(enrolment=enrolment, module=modules[1])
    course_services.module_complete(user=trainee, module=modules[1])
    assert quiz_access(trainee, final).allowed
    assert services.attempt_start(quiz=final, user=trainee).user == trainee


def test_a_trainee_who_left_or_waits_for_approval_cannot_take_it(course_with_final_test):
    course, _modules, final = course_with_final_test
    left = EnrolmentFactory(course=course, status="left").user
    pending = EnrolmentFactory(course=course, status="pending").user
    assert "Enrol" in quiz_access(left, final).reason
    assert "waiting for approval" in quiz_access(pending, final).reason


def test_a_module_quiz_opens_with_its_module():
    quiz = _quiz()
    course = CoursePageFactory()
    first = ModulePageFactory(parent=course, slug="mo-dau")
    second = ModulePageFactory(parent=course, slug="co-kiem-tra", quiz=quiz)
    trainee = UserFactory()
    assert not quiz_access(trainee, quiz).allowed
    enrolment = course_services.enrolment_create(user=trainee, course=course)
    locked = quiz_access(trainee, quiz)
    assert not locked.allowed and second.title in locked.reason
    course_services.module_visit(enrolment=enrolment, module=first)
    course_services.module_complete(user=trainee, module=first)
    opened = quiz_access(trainee, quiz)
    assert opened.allowed and opened.url == second.url


def test_an_event_post_test_needs_a_registration_and_the_event_started():
    quiz = _quiz(title="Bài kiểm tra sau hội nghị")
    event = EventPageFactory(post_test=quiz)
    delegate = RegistrationFactory(event=event).user
    stranger = UserFactory()

    assert "delegates" in quiz_access(stranger, quiz).reason
    before = quiz_access(delegate, quiz)
    assert not before.allowed and "opens when the conference starts" in before.reason
    with pytest.raises(ServiceError):
        services.attempt_start(quiz=quiz, user=delegate)

    event.starts_at = timezone.now() - datetime.timedelta(hours=1)
    event.save_revision().publish()
    assert quiz_access(delegate, quiz).allowed
    assert not quiz_access(stranger, quiz).allowed
    cancelled = RegistrationFactory(event=event, status="cancelled", seat=None).user
    assert not quiz_access(cancelled, quiz).allowed
    services.attempt_start(quiz=quiz, user=delegate)


def test_one_holder_allowing_is_enough():
    """The same quiz as a course's final test and an event's post-test: either rule opens it."""
    quiz = _quiz()
    CoursePageFactory(final_quiz=quiz)
    event = EventPageFactory(post_test=quiz, starts_at=timezone.now() - datetime.timedelta(hours=1))
    delegate = RegistrationFactory(event=event).user
    assert quiz_access(delegate, quiz).allowed
    assert not quiz_access(UserFactory(), quiz).allowed


def test_bank_editors_may_always_try_a_quiz(course_with_final_test):
    _course, _modules, final = course_with_final_test
    editor = UserFactory()
    user_assign_role(user=editor, role=Role.EDITOR)
    assert quiz_access(editor, final).allowed


def test_the_quiz_page_typed_by_url_sends_back_to_the_course_with_the_reason(client, course_with_final_test):
    course, _modules, final = course_with_final_test
    trainee = UserFactory()
    client.force_login(trainee)
    client.cookies["django_language"] = "en"
    course_services.enrolment_create(user=trainee, course=course)

    response = client.get(reverse("quizzes:quiz", args=[final.pk]), follow=True)
    assert response.redirect_chain[-1][0] == course.url
    assert "The final test opens once every module is complete: 0 of 2 done." in response.content.decode()

    response = client.post(reverse("quizzes:start", args=[final.pk]))
    assert response.status_code == 302 and response.url == course.url
    assert not final.attempts.exists()
