"""The course page, module page and dashboard answer in the same number of queries
whether a course has 5 or 50 modules and the site 10 or 1,000 enrolments."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
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


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (site root, nav)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)


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
        "course": count_queries(client, small_course.url),
        "module": count_queries(client, small_modules[2].url),
        "dashboard": count_queries(client, reverse("courses:mine")),
    }
    Enrolment.objects.filter(user=trainee).delete()
    ModuleProgress.objects.all().delete()

    large_course, large_modules = scenario(trainee, modules=50, enrolments=1000)
    large = {
        "course": count_queries(client, large_course.url),
        "module": count_queries(client, large_modules[2].url),
        "dashboard": count_queries(client, reverse("courses:mine")),
    }
    assert small == large
    # The module page's 21st: the banner naming a cited regulation's successor.
    assert large["course"] <= 15 and large["module"] <= 21 and large["dashboard"] <= 12, large


@pytest.mark.django_db
def test_the_dashboard_does_not_grow_with_courses(client, trainee):
    client.force_login(trainee)
    scenario(trainee, modules=3, enrolments=0, courses_on_dashboard=2)
    few = count_queries(client, reverse("courses:mine"))
    scenario(trainee, modules=3, enrolments=0, courses_on_dashboard=10)
    many = count_queries(client, reverse("courses:mine"))
    assert Enrolment.objects.filter(user=trainee).count() == 12
    assert few == many
