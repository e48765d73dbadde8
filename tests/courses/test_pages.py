"""Course and module pages: tree rules, rendering, locks, resume, workflow, search, home panel."""

import re

import pytest
from django.urls import reverse
from wagtail.models import Page

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage, Enrolment, ModulePage, ModuleProgress
from courses.services import module_complete
from tests.courses.conftest import make_course
from tests.factories import ModulePageFactory, RegulationPageFactory


@pytest.mark.django_db
def test_the_tree_rules():
    assert CourseIndexPage.parent_page_types == ["cms.HomePage"]
    assert CoursePage.parent_page_types == ["courses.CourseIndexPage"]
    assert CoursePage.subpage_types == ["courses.ModulePage"]
    assert ModulePage.parent_page_types == ["courses.CoursePage"]
    assert ModulePage.subpage_types == []
    assert not ModulePage.can_create_at(HomePage.objects.get())


def test_course_and_module_pages_go_through_the_moderation_workflow(course, modules):
    workflow = HomePage.objects.get().get_workflow()
    assert workflow is not None and workflow.active
    assert course.get_workflow() == workflow
    assert modules[0].get_workflow() == workflow
    assert CourseIndexPage.objects.get().get_workflow() == workflow


def test_a_visitor_sees_the_outline_and_is_asked_to_sign_in(client, course, modules):
    response = client.get(course.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert course.title in html
    for module in modules:
        assert module.title in html
    assert "Sign in to enrol" in html
    assert 'style="' not in html


def test_a_trainee_enrols_from_the_course_page(trainee_client, trainee, course):
    html = trainee_client.get(course.url).content.decode()
    assert reverse("courses:enrol", args=[course.pk]) in html
    response = trainee_client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert Enrolment.objects.get(user=trainee, course=course).status == "active"
    html = response.content.decode()
    assert "You are enrolled" in html
    assert re.search(r'<progress max="100" value="0"', html)
    assert "0 of 3 modules" in html


def test_the_module_body_is_for_enrolled_trainees_only(trainee_client, trainee, course, modules):
    response = trainee_client.get(modules[0].url)
    assert response.status_code == 403
    assert "Enrol in the course to read this module." in response.content.decode()
    assert not ModuleProgress.objects.exists()


def test_opening_a_locked_module_by_url_is_refused_and_writes_nothing(trainee_client, enrolled, modules):
    response = trainee_client.get(modules[2].url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "This module opens when you have completed “Bài 1”." in html
    assert not ModuleProgress.objects.exists()
    enrolled.refresh_from_db()
    assert enrolled.last_module_id is None


def test_without_sequential_gating_every_module_opens(trainee_client, trainee):
    from courses.services import enrolment_create

    course = make_course(3, sequential=False)
    enrolment_create(user=trainee, course=course)
    assert trainee_client.get(course.modules().last().url).status_code == 200


def test_opening_a_module_records_where_to_resume(trainee_client, enrolled, course, modules):
    response = trainee_client.get(modules[0].url)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("courses:module_complete", args=[modules[0].pk]) in html
    enrolled.refresh_from_db()
    assert enrolled.last_module_id == modules[0].pk
    assert ModuleProgress.objects.get(enrolment=enrolled, module=modules[0]).completed_at is None
    # The course page's "continue" button leads back there.
    html = trainee_client.get(course.url).content.decode()
    assert f'href="{modules[0].url}" data-testid="resume"' in html


def test_completing_a_module_moves_on_and_shows_progress(trainee_client, trainee, enrolled, course, modules):
    trainee_client.get(modules[0].url)
    response = trainee_client.post(reverse("courses:module_complete", args=[modules[0].pk]))
    assert response.status_code == 302
    assert response.url == modules[1].url
    html = trainee_client.get(modules[1].url).content.decode()
    assert "1 of 3 modules · 33%" in html
    assert f'rel="prev" href="{modules[0].url}"' in html
    html = trainee_client.get(course.url).content.decode()
    assert f'href="{modules[1].url}" data-testid="resume"' in html


def test_a_module_with_a_quiz_sends_the_trainee_to_it(trainee_client, trainee, enrolled, modules):
    from tests.factories import QuizFactory

    quiz = QuizFactory()
    ModulePage.objects.filter(pk=modules[0].pk).update(quiz=quiz)
    html = trainee_client.get(modules[0].url).content.decode()
    assert f"{reverse('quizzes:quiz', args=[quiz.pk])}?next={modules[0].url}" in html
    assert reverse("courses:module_complete", args=[modules[0].pk]) not in html


def test_body_blocks_render_and_provisions_record_the_cited_regulation(trainee_client, trainee, course):
    regulation = RegulationPageFactory(document_number="15/2003/QH11", title="Luật Thi đua, khen thưởng 2003")
    module = ModulePageFactory(
        parent=course,
        slug="bai-co-trich-dan",
        body=[
            {"type": "heading", "value": "Đối tượng khen thưởng"},
            {
                "type": "callout",
                "value": {"kind": "warning", "title": "Lưu ý", "text": "<p>Khen thưởng phải kịp thời.</p>"},
            },
            {
                "type": "legal_provision",
                "value": {
                    "regulation": regulation.pk,
                    "article": "Điều 3",
                    "text": "Nguyên tắc khen thưởng.",
                    "explanation": "",
                },
            },
            {"type": "key_takeaways", "value": {"items": ["Thi đua là cơ sở của khen thưởng."]}},
        ],
    )
    assert list(module.cited_regulations.all()) == [regulation]
    assert list(ModulePage.objects.filter(cited_regulations=regulation)) == [module]
    CoursePage.objects.filter(pk=course.pk).update(sequential=False)
    from courses.services import enrolment_create

    enrolment_create(user=trainee, course=course)
    html = trainee_client.get(module.url).content.decode()
    assert "Điều 3" in html and regulation.url in html
    assert "Thi đua là cơ sở của khen thưởng." in html
    assert 'class="callout callout-warning"' in html
    assert 'style="' not in html


def test_publishing_a_revision_records_new_citations(course):
    regulation = RegulationPageFactory(document_number="13/2015/TT-BTTTT")
    module = ModulePageFactory(parent=course)
    assert not module.cited_regulations.exists()
    module.body = [
        {"type": "legal_provision", "value": {"regulation": regulation.pk, "article": "Điều 5", "text": "…"}}
    ]
    module.save_revision().publish()
    assert list(ModulePage.objects.get(pk=module.pk).cited_regulations.all()) == [regulation]


def test_search_finds_courses_and_modules_without_accents(client, course, modules):
    response = client.get(reverse("cms:search"), {"q": "nhung diem moi luat thi dua"})
    assert course.title in response.content.decode()
    response = client.get(reverse("cms:search"), {"q": "bai 2"})
    assert modules[1].title in response.content.decode()


def test_the_home_page_shows_open_courses(client, course):
    html = client.get("/").content.decode()
    assert course.title in html and course.url in html


def test_a_module_page_links_back_to_its_course(trainee_client, enrolled, course, modules):
    html = trainee_client.get(modules[0].url).content.decode()
    assert f'href="{course.url}"' in html
    assert Page.objects.get(pk=modules[0].pk).get_parent().pk == course.pk


def test_module_complete_view_refuses_when_not_enrolled(trainee_client, course, modules):
    response = trainee_client.post(reverse("courses:module_complete", args=[modules[0].pk]), follow=True)
    assert "Enrol in the course before completing its modules." in response.content.decode()
    assert not ModuleProgress.objects.exists()


def test_the_complete_button_twice_records_once(trainee_client, trainee, enrolled, modules):
    url = reverse("courses:module_complete", args=[modules[0].pk])
    trainee_client.post(url)
    first = ModuleProgress.objects.get(module=modules[0]).completed_at
    trainee_client.post(url)
    assert ModuleProgress.objects.filter(module=modules[0]).count() == 1
    assert ModuleProgress.objects.get(module=modules[0]).completed_at == first
    # and the service says so too
    assert module_complete(user=trainee, module=modules[0]).completed_at == first
