"""Progress, gating, quizzes and the one completion service (with its certificate)."""

from decimal import Decimal

import pytest

from certificates.models import Certificate
from core.errors import ServiceError
from courses.models import CoursePage, Enrolment, ModulePage, ModuleProgress
from courses.services import course_completion_check, enrolment_create, module_complete
from tests.courses.conftest import pass_quiz
from tests.factories import QuizFactory


def complete_all(user, course):
    for module in course.modules():
        module_complete(user=user, module=module)


def test_completing_a_module_of_a_course_one_is_not_enrolled_in_is_refused(trainee, modules):
    with pytest.raises(ServiceError) as error:
        module_complete(user=trainee, module=modules[0])
    assert error.value.code == "not_enrolled"
    assert not ModuleProgress.objects.exists()


def test_a_locked_module_cannot_be_completed(trainee, enrolled, modules):
    with pytest.raises(ServiceError) as error:
        module_complete(user=trainee, module=modules[1])
    assert error.value.code == "locked"
    assert "Bài 1" in error.value.message
    assert not ModuleProgress.objects.exists()


def test_a_pending_request_does_not_open_modules(trainee, course, modules):
    CoursePage.objects.filter(pk=course.pk).update(enrolment_mode="approval")
    course.refresh_from_db()
    enrolment_create(user=trainee, course=course)
    with pytest.raises(ServiceError) as error:
        module_complete(user=trainee, module=modules[0])
    assert error.value.code == "not_enrolled"


def test_double_completion_records_once(trainee, enrolled, modules):
    first = module_complete(user=trainee, module=modules[0])
    second = module_complete(user=trainee, module=modules[0])
    assert first.pk == second.pk and first.completed_at == second.completed_at
    assert ModuleProgress.objects.count() == 1


def test_the_module_quiz_must_be_passed(trainee, enrolled, modules):
    quiz = QuizFactory()
    ModulePage.objects.filter(pk=modules[0].pk).update(quiz=quiz)
    module = ModulePage.objects.get(pk=modules[0].pk)
    with pytest.raises(ServiceError) as error:
        module_complete(user=trainee, module=module)
    assert error.value.code == "quiz_not_passed"
    assert not ModuleProgress.objects.exists()
    pass_quiz(trainee, quiz, percent=40)  # failed: nothing changes
    with pytest.raises(ServiceError):
        module_complete(user=trainee, module=module)
    pass_quiz(trainee, quiz, percent=80)
    assert module_complete(user=trainee, module=module).completed_at is not None


def test_passing_the_quiz_of_an_opened_module_completes_it(trainee_client, trainee, enrolled, modules):
    quiz = QuizFactory()
    ModulePage.objects.filter(pk=modules[0].pk).update(quiz=quiz)
    trainee_client.get(modules[0].url)  # read the module, then took its quiz
    pass_quiz(trainee, quiz)
    assert ModuleProgress.objects.get(module=modules[0]).completed_at is not None


def test_passing_a_quiz_does_not_complete_an_unopened_module(trainee, enrolled, modules):
    quiz = QuizFactory()
    ModulePage.objects.filter(pk=modules[0].pk).update(quiz=quiz)
    pass_quiz(trainee, quiz)
    assert not ModuleProgress.objects.exists()


def test_completing_every_module_completes_the_course_and_issues_the_certificate(
    trainee, enrolled, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complete_all(trainee, course)
    enrolled.refresh_from_db()
    assert enrolled.status == "completed" and enrolled.completed_at is not None
    certificate = Certificate.objects.get(holder=trainee, page=course)
    assert certificate.page_model is CoursePage
    assert certificate.credential["credentialSubject"]["achievement"]["achievementType"] == "Course"
    assert certificate.hours == Decimal("4")
    assert certificate.achievement_title == course.title


def test_completion_is_decided_once(trainee, enrolled, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complete_all(trainee, course)
    enrolled.refresh_from_db()
    completed_at = enrolled.completed_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert course_completion_check(enrolment=enrolled) is True
    assert callbacks == []
    enrolled.refresh_from_db()
    assert enrolled.completed_at == completed_at
    assert Certificate.objects.filter(holder=trainee).count() == 1


def test_an_incomplete_course_is_not_complete(trainee, enrolled, course, modules):
    module_complete(user=trainee, module=modules[0])
    assert course_completion_check(enrolment=enrolled) is False
    enrolled.refresh_from_db()
    assert enrolled.status == "active" and enrolled.completed_at is None


def test_the_final_test_is_required_and_its_score_recorded(
    trainee, enrolled, course, django_capture_on_commit_callbacks
):
    quiz = QuizFactory()
    CoursePage.objects.filter(pk=course.pk).update(final_quiz=quiz)
    complete_all(trainee, course)
    enrolled.refresh_from_db()
    assert enrolled.status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(trainee, quiz, percent=85)
    enrolled.refresh_from_db()
    assert enrolled.status == "completed"
    assert enrolled.final_score == Decimal("85")
    assert Certificate.objects.get(holder=trainee, page=course).score == Decimal("85")


def test_the_course_page_shows_completion_and_the_certificate(
    trainee_client, trainee, enrolled, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complete_all(trainee, course)
    certificate = Certificate.objects.get(holder=trainee)
    html = trainee_client.get(course.url).content.decode()
    assert "3 of 3 modules · 100%" in html
    assert certificate.code in html


def test_a_new_module_after_completion_can_still_be_read(trainee_client, trainee, enrolled, course):
    from tests.factories import ModulePageFactory

    complete_all(trainee, course)
    extra = ModulePageFactory(parent=course, slug="bai-bo-sung")
    assert trainee_client.get(extra.url).status_code == 200
    module_complete(user=trainee, module=extra)
    assert Enrolment.objects.get(pk=enrolled.pk).status == "completed"
