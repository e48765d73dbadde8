import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail import hooks

from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section
from accounts.roles import Role
from certificates.services import Achievement, certificate_issue
from tests.factories import CoursePageFactory, EventPageFactory, StandardPageFactory


def _links(client) -> set[str]:
    html = client.get("/profile/").content.decode()
    return {path for path in ("/courses/mine/", "/events/manage/", "/certificates/manage/", "/admin/") if path in html}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, {"/courses/mine/"}),
        (Role.EDITOR, {"/courses/mine/", "/admin/"}),
        (Role.ORGANISER, {"/courses/mine/", "/events/manage/", "/certificates/manage/", "/admin/"}),
    ],
)
def test_the_profile_links_each_person_to_their_own_work(client, make_staff, trainee, role, expected):
    user = make_staff(role) if role else trainee
    client.force_login(user)
    assert _links(client) == expected


@pytest.mark.django_db
def test_each_section_lists_its_links_in_order(client, make_staff):
    client.force_login(make_staff(Role.ORGANISER))
    html = client.get("/profile/").content.decode()
    training, work = html.split('id="work-heading"')
    paths = ["/courses/mine/", "/events/mine/", "/certificates/mine/"]
    assert [training.index(f'href="{path}"') for path in paths] == sorted(training.index(f'href="{p}"') for p in paths)
    paths = ["/events/manage/", "/courses/manage/", "/certificates/manage/", "/admin/"]
    assert [work.index(f'href="{path}"') for path in paths] == sorted(work.index(f'href="{p}"') for p in paths)


@pytest.mark.django_db
def test_an_app_adds_a_link_through_the_hook(client, trainee):
    def quizzes_link(request):
        yield ProfileLink(Section.TRAINING, 15, "Bài kiểm tra của tôi", "/quizzes/mine/")

    client.force_login(trainee)
    with hooks.register_temporarily(PROFILE_LINKS_HOOK, quizzes_link):
        html = client.get("/profile/").content.decode()
    main = html.split("<main", 1)[1]  # the header's menu links the same pages
    assert (
        main.index('href="/courses/mine/"') < main.index('href="/quizzes/mine/"') < main.index('href="/events/mine/"')
    )
    assert "Bài kiểm tra của tôi" in html


@pytest.mark.django_db
def test_profile_queries_do_not_grow_with_courses_events_and_certificates(
    client, make_staff, django_assert_num_queries, django_capture_on_commit_callbacks
):
    organiser = make_staff(Role.ORGANISER)
    client.force_login(organiser)
    client.get("/profile/")  # caches warmed (the site, content types)
    with CaptureQueriesContext(connection) as captured:
        client.get("/profile/")
    before = [query["sql"] for query in captured]  # now: the next request empties the log it reads
    page = StandardPageFactory()
    for _ in range(3):
        CoursePageFactory()
        EventPageFactory()
    with django_capture_on_commit_callbacks(execute=False):
        certificate_issue(
            holder=organiser,
            achievement=Achievement(page=page, earned=True, completed_on=datetime.date(2026, 1, 5)),
        )
    client.get("/profile/")  # publishing emptied the menu's cache (cms.caching): refilled once
    assert before
    with django_assert_num_queries(len(before)):
        client.get("/profile/")
