"""The course page shows the way on: the final test in the outline (locked, and why), completion with the
certificate, a confirmation before leaving, and a dashboard whose empty state leads to the catalogue."""

import pytest
from django.urls import reverse

from courses import services
from courses.models import Enrolment
from tests.courses.conftest import make_course, pass_quiz
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def final_course():
    category = QuestionCategoryFactory()
    QuestionFactory(category=category)
    course = make_course(2, final_quiz=QuizFactory(title="Bài kiểm tra cuối khóa", rules=[(category, 1)]))
    return course


def test_the_outline_shows_the_final_test_locked_with_the_reason_then_open(trainee_client, trainee, final_course):
    page = trainee_client.get(final_course.url).content.decode()
    assert 'data-testid="final-test"' in page
    assert "Opens once you are enrolled and every module is complete." in page
    quiz_url = reverse("quizzes:quiz", args=[final_course.final_quiz_id])
    assert quiz_url not in page

    enrolment = services.enrolment_create(user=trainee, course=final_course)
    page = trainee_client.get(final_course.url).content.decode()
    assert "The final test opens once every module is complete: 0 of 2 done." in page
    assert quiz_url not in page

    for module in final_course.modules():
        services.module_visit(enrolment=enrolment, module=module)
        services.module_complete(user=trainee, module=module)
    page = trainee_client.get(final_course.url).content.decode()
    assert "Every module is complete: the final test is open." in page
    assert page.count(quiz_url) == 2  # the button in the status panel and the outline's step


def test_passing_the_final_test_shows_the_completion_panel_with_the_certificate(
    trainee_client, trainee, final_course, django_capture_on_commit_callbacks
):
    enrolment = services.enrolment_create(user=trainee, course=final_course)
    for module in final_course.modules():
        services.module_visit(enrolment=enrolment, module=module)
        services.module_complete(user=trainee, module=module)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(trainee, final_course.final_quiz)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    page = trainee_client.get(final_course.url).content.decode()
    assert 'data-testid="completion"' in page
    assert "You have completed this course." in page
    certificate = trainee.certificates.get()
    assert reverse("certificates:verify", args=[certificate.code]) in page
    assert "Passed with" in page


def test_leaving_asks_first_and_only_the_confirmed_form_leaves(trainee_client, trainee, final_course):
    enrolment = services.enrolment_create(user=trainee, course=final_course)
    url = reverse("courses:leave", args=[final_course.pk])
    assert url in trainee_client.get(final_course.url).content.decode()
    page = trainee_client.get(url)
    assert page.status_code == 200 and "Leave this course?" in page.content.decode()
    assert trainee_client.post(url).status_code == 200  # an unconfirmed POST only asks again
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    response = trainee_client.post(url, {"confirm": "leave"})
    assert response.url == reverse("courses:mine")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.LEFT


def test_a_new_trainees_dashboard_leads_to_the_catalogue(trainee_client, final_course):
    page = trainee_client.get(reverse("courses:mine")).content.decode()
    assert 'data-testid="empty-courses"' in page
    assert f'href="{final_course.get_parent().url}"' in page


def test_searching_for_the_final_test_finds_its_course(client, final_course):
    response = client.get(reverse("cms:search"), {"q": "bai kiem tra cuoi khoa"})
    assert final_course.title in response.content.decode()
