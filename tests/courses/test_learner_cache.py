"""The trainee's part of the course page, module page and dashboard, cached (courses.caching).

Every page is warmed first (its part stored), then something changes, and the
next request must show it at once: the learning-state version, the content
generation, the language or the date moved on. And no trainee ever gets
another's part of a page, nor a coordinator or an organiser.
"""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from courses import caching
from courses.models import Enrolment, ModulePage, ModuleProgress, ModuleReviewFlag, RefresherNotice
from courses.services import (
    course_certificate_issue,
    enrolment_assign_bulk,
    enrolment_create,
    module_complete,
    refresher_run,
)
from quizzes.models import Attempt
from tests.courses.conftest import make_course
from tests.courses.test_refresher import citing_course, graduates, law_2003, publish_2022  # noqa: F401
from tests.factories import QuizFactory, UserFactory

MINE = reverse("courses:mine")
MASKED = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def signed_in(user, language="en") -> Client:
    client = Client()
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def warm(client, *urls) -> None:
    """Each page until it comes from the cache."""
    for url in urls:
        page(client, url)
        page(client, url)
        with CaptureQueriesContext(connection) as queries:
            page(client, url)
        assert not any("courses_enrolment" in q["sql"] for q in queries), f"{url} was not served from the cache"


@pytest.fixture
def hoa(db):
    return UserFactory(full_name="Trần Thị Hoa")


@pytest.fixture
def minh(db):
    return UserFactory(full_name="Lê Văn Minh")


# --- what the cache serves ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_from_the_cache_is_the_page_built_afresh(hoa, course, modules):
    enrolment_create(user=hoa, course=course)
    module_complete(user=hoa, module=modules[0])
    client = signed_in(hoa)
    for url in (course.url, modules[1].url, MINE):
        fresh = page(client, url)
        cached = page(client, url)
        assert MASKED.sub("TOKEN", cached) == MASKED.sub("TOKEN", fresh)
        caching.bump([hoa.pk])  # a miss is always safe: the same page again (cache.clear() would drop the session too)
        assert MASKED.sub("TOKEN", page(client, url)) == MASKED.sub("TOKEN", fresh)


@pytest.mark.django_db
def test_a_cached_form_carries_a_token_that_works(hoa, course, modules):
    enrolment_create(user=hoa, course=course)
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    client.force_login(hoa)
    page(client, modules[0].url)
    html = page(client, modules[0].url)  # from the cache
    token = MASKED.search(html).group(1)
    response = client.post(reverse("courses:module_complete", args=[modules[0].pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ModuleProgress.objects.get(module=modules[0]).completed_at is not None


def served_from_cache(client, url) -> bool:
    with CaptureQueriesContext(connection) as queries:
        page(client, url)
    return not any("courses_enrolment" in q["sql"] for q in queries)


@pytest.mark.django_db
def test_the_reload_after_opening_a_module_comes_from_the_cache(hoa, course, modules, monkeypatch):
    enrolment_create(user=hoa, course=course)
    client = signed_in(hoa)
    page(client, modules[0].url)  # built, the visit recorded, stored as the page after the visit
    assert served_from_cache(client, modules[0].url)
    assert Enrolment.objects.get(user=hoa).last_module_id == modules[0].pk
    # "Continue" on the course page and the dashboard follow the visit at once.
    assert f"Continue: {modules[0].title}" in page(client, course.url)
    # Another write between reading the page and recording the visit: nothing is stored.
    module_complete(user=hoa, module=modules[0])
    from courses import services

    recorded = services.module_visit

    def visit_with_a_write_in_between(**kwargs):
        caching.bump([hoa.pk])  # as any other write of Hoa's (another tab completing a module)
        return recorded(**kwargs)

    monkeypatch.setattr(services, "module_visit", visit_with_a_write_in_between)
    page(client, modules[1].url)
    monkeypatch.setattr(services, "module_visit", recorded)
    assert not served_from_cache(client, modules[1].url)
    assert served_from_cache(client, modules[1].url)


# --- invalidation: every change shows at once -----------------------------------------------------


@pytest.mark.django_db
def test_completing_a_module_shows_at_once_everywhere(hoa, course, modules):
    enrolment_create(user=hoa, course=course)
    client = signed_in(hoa)
    warm(client, course.url, modules[0].url, MINE)
    assert "0 of 3 modules" in page(client, MINE)
    response = client.post(reverse("courses:module_complete", args=[modules[0].pk]))
    assert response.status_code == 302
    assert "1 of 3 modules · 33%" in page(client, MINE)
    course_html = page(client, course.url)
    assert "1 of 3 modules · 33%" in course_html and f"Continue: {modules[1].title}" in course_html
    assert 'data-testid="module-done"' in page(client, modules[0].url)
    # Module 2 was locked (sequential); it opens at once.
    assert page(client, modules[1].url)


@pytest.mark.django_db
def test_enrolling_and_leaving_show_at_once(hoa, course, modules):
    client = signed_in(hoa)
    warm(client, course.url, MINE)
    page(client, modules[0].url, status=403)
    assert 'data-testid="enrol"' in page(client, course.url)
    assert client.post(reverse("courses:enrol", args=[course.pk])).status_code == 302
    assert "0 of 3 modules" in page(client, course.url)
    assert course.title in page(client, MINE)
    page(client, modules[0].url)  # now open
    page(client, modules[0].url)
    assert client.post(reverse("courses:leave", args=[course.pk]), {"confirm": "leave"}).status_code == 302
    assert "You left this course" in page(client, course.url)
    page(client, modules[0].url, status=403)
    assert "Courses you left" in page(client, MINE)


@pytest.mark.django_db
def test_a_published_change_to_the_course_shows_at_once(hoa, course, modules):
    enrolment_create(user=hoa, course=course)
    client = signed_in(hoa)
    warm(client, course.url, modules[0].url, MINE)
    module = ModulePage.objects.get(pk=modules[0].pk)
    module.title = "Bài mở đầu (sửa đổi)"
    module.save_revision().publish()
    assert "Bài mở đầu (sửa đổi)" in page(client, course.url)
    assert "Bài mở đầu (sửa đổi)" in page(client, modules[0].url)
    assert "Continue: Bài mở đầu (sửa đổi)" in page(client, MINE)
    # A draft changes nothing a trainee reads.
    module.title = "Bản nháp"
    module.save_revision()
    assert "Bản nháp" not in page(client, course.url)


@pytest.mark.django_db
def test_an_assignment_in_bulk_shows_at_once(hoa, course, coordinator, danang):
    hoa.org_unit = danang
    hoa.save()
    client = signed_in(hoa)
    warm(client, MINE, course.url)
    enrolment_assign_bulk(course=course, users=[hoa], assigned_by=coordinator, due_date=None)
    assert course.title in page(client, MINE)
    assert "0 of 3 modules" in page(client, course.url)


@pytest.mark.django_db
def test_overdue_shows_the_next_day(hoa, course, modules):
    enrolment = enrolment_create(user=hoa, course=course)
    Enrolment.objects.filter(pk=enrolment.pk).update(due_date=timezone.localdate())
    caching.bump([hoa.pk])  # as every writer of an enrolment does
    client = signed_in(hoa)
    warm(client, MINE, course.url)
    assert "Overdue" not in page(client, MINE)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        assert "Overdue" in page(client, MINE)
        assert "Overdue" in page(client, course.url)


@pytest.mark.django_db
def test_each_language_has_its_own_copy(hoa, course):
    enrolment_create(user=hoa, course=course)
    english, vietnamese = signed_in(hoa, "en"), signed_in(hoa, "vi")
    warm(english, MINE)
    assert "In progress" in page(english, MINE)
    html = page(vietnamese, MINE)
    assert "Đang thực hiện" in html and "In progress" not in html


@pytest.mark.django_db
def test_a_certificate_issued_after_completion_shows_at_once(hoa, course, modules, django_capture_on_commit_callbacks):
    enrolment = enrolment_create(user=hoa, course=course)
    for module in modules:
        module_complete(user=hoa, module=module)  # the certificate task waits for the commit: not run here
    client = signed_in(hoa)
    warm(client, MINE, course.url)
    assert "Certificate " not in page(client, MINE)
    certificate = course_certificate_issue(enrolment_id=enrolment.pk)
    assert certificate.serial in page(client, MINE)
    assert certificate.code in page(client, course.url)
    certificate.status = Certificate.Status.REVOKED
    certificate.save(update_fields=["status"])
    assert certificate.serial not in page(client, MINE)


@pytest.mark.django_db
def test_refresher_notices_show_and_go_at_once(law_2003, citing_course, graduates):  # noqa: F811
    an = graduates[0]
    client = signed_in(an)
    law_2022 = publish_2022(law_2003)  # the refresher runs after the commit: not here
    warm(client, MINE)
    assert 'data-testid="refresher"' not in page(client, MINE)
    refresher_run(regulation_id=law_2022.pk)  # notices in bulk: no signal
    assert 'data-testid="refresher"' in page(client, MINE)
    notice = RefresherNotice.objects.get(user=an)
    assert client.post(reverse("courses:notice_dismiss", args=[notice.pk])).status_code == 302
    assert 'data-testid="refresher"' not in page(client, MINE)
    # Deleting the flag deletes the notices with it.
    RefresherNotice.objects.filter(pk=notice.pk).update(dismissed_at=None)
    caching.bump([an.pk])
    assert 'data-testid="refresher"' in page(client, MINE)
    ModuleReviewFlag.objects.get().delete()
    assert 'data-testid="refresher"' not in page(client, MINE)


@pytest.mark.django_db
def test_every_writer_moves_the_version_on(hoa, course, modules, coordinator, danang):
    """Each path that writes a trainee's learning state, one by one (a removed signal or bump fails here)."""

    def moved(action) -> bool:
        before = caching.version(hoa.pk)
        action()
        return caching.version(hoa.pk) > before

    enrolment = enrolment_create(user=hoa, course=course)
    assert caching.version(hoa.pk) > 0
    assert moved(lambda: Enrolment.objects.get(pk=enrolment.pk).save())
    assert moved(lambda: ModuleProgress.objects.create(enrolment=enrolment, module=modules[0]))
    assert moved(lambda: ModuleProgress.objects.get(module=modules[0]).save())
    assert moved(lambda: module_complete(user=hoa, module=modules[0]))
    quiz = QuizFactory()
    assert moved(lambda: Attempt.objects.create(quiz=quiz, user=hoa, number=1))
    attempt = Attempt.objects.get(user=hoa)
    attempt.state = Attempt.State.FINISHED
    assert moved(lambda: attempt.save(update_fields=["state"]))
    hoa.org_unit = danang
    hoa.save()
    other = make_course(1)
    assert moved(lambda: enrolment_assign_bulk(course=other, users=[hoa], assigned_by=coordinator, due_date=None))
    # The visit write (a module opened), through the page.
    client = signed_in(hoa)
    assert moved(lambda: page(client, modules[1].url))
    # Another trainee's writes leave Hoa's version alone.
    minh = UserFactory()
    assert not moved(lambda: enrolment_create(user=minh, course=course))


# --- privacy: nobody gets another's part of a page ---------------------------------------------------


@pytest.mark.django_db
def test_a_trainee_never_gets_another_trainees_page(hoa, minh, course, modules):
    for user in (hoa, minh):
        enrolment_create(user=user, course=course)
    module_complete(user=hoa, module=modules[0])
    hoa_client, minh_client = signed_in(hoa), signed_in(minh)
    warm(hoa_client, course.url, modules[0].url, modules[1].url, MINE)
    for url in (course.url, MINE):
        html = page(minh_client, url)
        assert "0 of 3 modules" in html and "1 of 3 modules" not in html
        assert "Trần Thị Hoa" not in html
    assert 'data-testid="module-done"' not in page(minh_client, modules[0].url)
    page(minh_client, modules[1].url, status=403)  # locked for Minh, open for Hoa
    # Hoa's CSRF token never reaches Minh: Minh's forms carry tokens of Minh's own secret.
    hoa_tokens = set(MASKED.findall(page(hoa_client, course.url)))
    minh_tokens = set(MASKED.findall(page(minh_client, modules[0].url)))
    assert minh_tokens and not minh_tokens & hoa_tokens
    # Anonymous readers never get a trainee's page either.
    anonymous = Client()
    anonymous.cookies["django_language"] = "en"
    html = page(anonymous, course.url)
    assert "Sign in to enrol" in html and "1 of 3 modules" not in html


@pytest.mark.django_db
def test_coordinators_and_organisers_see_their_own_pages_and_fresh_reports(
    hoa, course, modules, coordinator, organiser, danang
):
    hoa.org_unit = danang
    hoa.save()
    enrolment_create(user=hoa, course=course)
    module_complete(user=hoa, module=modules[0])
    warm(signed_in(hoa), course.url, MINE)
    for staff in (coordinator, organiser):
        client = signed_in(staff)
        html = page(client, course.url)
        assert 'data-testid="enrol"' in html and "1 of 3 modules" not in html
        assert "You are not taking any course" in page(client, MINE)
    # The organiser's people report reads the database: Hoa's next step shows there at once.
    client = signed_in(organiser)
    report = reverse("courses:report_people", args=[course.pk])
    assert "Trần Thị Hoa" in page(client, report)
    before = page(client, report)
    module_complete(user=hoa, module=modules[1])
    assert page(client, report) != before
