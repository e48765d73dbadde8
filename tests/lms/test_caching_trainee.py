"""Hot trainee pages made cheap without sharing anything personal.

The route cache (cms.caching.cached_route) is shared by every reader, so a
module page found through it must still show each trainee their own state;
reopening a module writes nothing for a while (courses.services.module_visit);
a module's body is rendered once per published revision.
"""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrolment, ModulePage, ModuleProgress
from courses.services import enrolment_create, module_complete
from tests.factories import CoursePageFactory, ModulePageFactory, UserFactory


@pytest.fixture
def course(db):
    course = CoursePageFactory(title="Nghiệp vụ thi đua", sequential=True)
    for number in (1, 2):
        ModulePageFactory(parent=course, title=f"Bài {number}", slug=f"bai-{number}")
    return course


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


@pytest.mark.django_db
def test_a_routed_module_shows_each_trainee_their_own_state(course):
    first, second = course.modules()
    hoa, minh = UserFactory(full_name="Trần Thị Hoa"), UserFactory(full_name="Lê Văn Minh")
    for user in (hoa, minh):
        enrolment_create(user=user, course=course)
    module_complete(user=hoa, module=first)
    hoa_client, minh_client = _signed_in(hoa), _signed_in(minh)
    # Hoa opens module 2 (unlocked for her); Minh, through the same cached route, finds it locked.
    assert hoa_client.get(second.url).status_code == 200
    assert minh_client.get(second.url).status_code == 403
    assert Client().get(second.url).status_code in {302, 403}  # anonymous: never Hoa's page
    # Unpublished, the module is gone at once, cached route or not.
    second.unpublish()
    assert hoa_client.get(second.url).status_code == 404


@pytest.mark.django_db
def test_reopening_a_module_writes_nothing_until_the_interval_passes(course):
    first, second = course.modules()
    trainee = UserFactory()
    enrolment = enrolment_create(user=trainee, course=course)
    module_complete(user=trainee, module=first)
    client = _signed_in(trainee)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(first.url)  # first opening: recorded
        with CaptureQueriesContext(connection) as queries:
            assert client.get(first.url).status_code == 200
        assert _writes(queries) == []
        client.get(second.url)  # another module: recorded at once, for "resume here"
    enrolment.refresh_from_db()
    assert enrolment.last_module_id == second.pk
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        with CaptureQueriesContext(connection) as queries:
            client.get(second.url)
        # The progress row, the enrolment, and the trainee's learning-state version (courses.caching).
        assert len(_writes(queries)) == 3
    enrolment.refresh_from_db()
    assert enrolment.last_visited_at == start + datetime.timedelta(minutes=6)
    assert ModuleProgress.objects.get(enrolment=enrolment, module=second).last_visited_at == enrolment.last_visited_at
    assert Enrolment.objects.filter(pk=enrolment.pk, last_module=second).exists()


@pytest.mark.django_db
def test_a_module_body_is_cached_per_published_revision_and_never_for_a_preview(course):
    first = course.modules().first()
    first.body = json.dumps([{"type": "paragraph", "value": "<p>Nội dung bản thứ nhất</p>"}])
    first.save_revision().publish()
    trainee = UserFactory()
    enrolment_create(user=trainee, course=course)
    client = _signed_in(trainee)
    assert "Nội dung bản thứ nhất" in client.get(first.url).content.decode()
    page = ModulePage.objects.get(pk=first.pk)
    page.body = json.dumps([{"type": "paragraph", "value": "<p>Nội dung bản thứ hai</p>"}])
    revision = page.save_revision()
    # A draft is not what trainees read; its preview shows it, and does not fill the cache.
    preview = page.make_preview_request()
    assert "Nội dung bản thứ hai" in preview.content.decode()
    assert "Nội dung bản thứ nhất" in client.get(first.url).content.decode()
    revision.publish()
    html = client.get(first.url).content.decode()
    assert "Nội dung bản thứ hai" in html and "Nội dung bản thứ nhất" not in html
