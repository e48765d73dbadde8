"""The course page, module page and dashboard answer in the same number of queries
whether a course has 5 or 50 modules and the site 10 or 1,000 enrolments: both
when the trainee's part of the page comes from the cache (courses.caching) and
when it is built afresh after a change to their learning state."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from courses import caching
from courses.models import Enrolment, ModuleProgress
from courses.services import enrolment_create, module_complete
from tests.courses.conftest import make_course

PASSWORD = make_password("x")


def add_enrolments(course, count):
    users = User.objects.bulk_create(
        [
            User(email=f"ghi-danh-{course.pk}-{n}@example.vn", full_name=f"Học viên {n}", password=PASSWORD)
            for n in range(count)
        ]
    )
    Enrolment.objects.bulk_create([Enrolment(user=user, course=course) for user in users])


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)


def count_queries(client, url, user) -> tuple[int, int]:
    """(queries when the trainee's state just changed, queries when nothing changed)."""
    client.get(url)  # warm the shared caches (site, route, menu) and record the visit
    caching.bump([user.pk])  # as any write to their enrolments or progress does
    return _count(client, url), _count(client, url)


def scenario(trainee, modules, enrolments, courses_on_dashboard=1):
    course = make_course(modules, sequential=True)
    add_enrolments(course, enrolments)
    enrolment_create(user=trainee, course=course)
    all_modules = list(course.modules())
    for module in all_modules[:2]:
        module_complete(user=trainee, module=module)
    for extra in range(courses_on_dashboard - 1):
        other = make_course(modules if extra == 0 else 2)
        enrolment_create(user=trainee, course=other)
        module_complete(user=trainee, module=other.modules().first())
    return course, all_modules


@pytest.mark.django_db
def test_the_pages_do_not_grow_with_modules_or_enrolments(client, trainee):
    client.force_login(trainee)
    small_course, small_modules = scenario(trainee, modules=5, enrolments=10)
    small = {
        "course": count_queries(client, small_course.url, trainee),
        "module": count_queries(client, small_modules[2].url, trainee),
        "dashboard": count_queries(client, reverse("courses:mine"), trainee),
    }
    Enrolment.objects.filter(user=trainee).delete()
    ModuleProgress.objects.all().delete()

    large_course, large_modules = scenario(trainee, modules=50, enrolments=1000)
    large = {
        "course": count_queries(client, large_course.url, trainee),
        "module": count_queries(client, large_modules[2].url, trainee),
        "dashboard": count_queries(client, reverse("courses:mine"), trainee),
    }
    assert small == large
    # Nothing changed: the content generation with the trainee's version (one query), the
    # session (when kept in the database, as here without Redis) and the user (unless kept in
    # Redis with the session: accounts.identity); the rest comes from the cache.
    base = 1 + (1 if settings.SESSION_ENGINE.endswith(".db") else 0) + (0 if settings.IDENTITY_CACHE else 1)
    assert {page: hit for page, (_miss, hit) in large.items()} == {"course": base, "module": base, "dashboard": base}
    # After a change: the course and module pages add the enrolment and progress, the
    # dashboard its enrolments with their pages, progress, certificates and refresher notices.
    expected = {"course": base + 2, "module": base + 2, "dashboard": base + 4}
    assert {page: miss for page, (miss, _hit) in large.items()} == expected, large


@pytest.mark.django_db
def test_the_dashboard_does_not_grow_with_courses(client, trainee):
    client.force_login(trainee)
    scenario(trainee, modules=3, enrolments=0, courses_on_dashboard=2)
    few = count_queries(client, reverse("courses:mine"), trainee)
    scenario(trainee, modules=3, enrolments=0, courses_on_dashboard=10)
    many = count_queries(client, reverse("courses:mine"), trainee)
    assert Enrolment.objects.filter(user=trainee).count() == 12
    assert few == many
