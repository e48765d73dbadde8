"""The refresher reaches everyone who learned the old text, and the pages name the old and new documents."""

import pytest
from django.urls import reverse

from courses.models import RefresherNotice
from courses.services import enrolment_create, module_complete
from tests.courses.conftest import make_course
from tests.courses.test_refresher import citing_course, law_2003, publish_2022  # noqa: F401 - fixtures
from tests.factories import ModulePageFactory, UserFactory


@pytest.fixture
def two_module_course(law_2003):  # noqa: F811 - the fixture above
    course = make_course(0, title="Hồ sơ khen thưởng", sequential=False)
    citing = ModulePageFactory(
        parent=course,
        title="Nguyên tắc khen thưởng",
        slug="nguyen-tac",
        body=[
            {
                "type": "legal_provision",
                "value": {"regulation": law_2003.pk, "article": "Điều 6", "text": "Nguyên tắc khen thưởng."},
            }
        ],
    )
    ModulePageFactory(parent=course, title="Thủ tục hồ sơ", slug="thu-tuc")
    return course, citing


def test_a_trainee_still_on_the_course_who_completed_the_flagged_module_is_told(
    law_2003,  # noqa: F811
    two_module_course,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    course, citing = two_module_course
    learned = UserFactory(full_name="Nguyễn Văn An")
    enrolment_create(user=learned, course=course)
    module_complete(user=learned, module=citing)  # the course itself is not finished
    not_yet = UserFactory(full_name="Trần Thị Hoa")
    enrolment_create(user=not_yet, course=course)

    with django_capture_on_commit_callbacks(execute=True):
        publish_2022(law_2003)
    assert set(RefresherNotice.objects.values_list("user__full_name", flat=True)) == {"Nguyễn Văn An"}
    assert [message.to for message in mailoutbox] == [[learned.email]]


def test_module_and_course_pages_name_the_old_and_the_new_document(client, law_2003, two_module_course):  # noqa: F811
    course, citing = two_module_course
    trainee = UserFactory()
    enrolment_create(user=trainee, course=course)
    client.force_login(trainee)
    assert 'data-testid="superseded-citations"' not in client.get(citing.url).content.decode()

    law_2022 = publish_2022(law_2003)
    for url in (citing.url, course.url):
        html = client.get(url).content.decode()
        assert 'data-testid="superseded-citations"' in html, url
        assert "“Nguyên tắc khen thưởng” cites 15/2003/QH11, which has been superseded by 06/2022/QH15." in html
        assert f'href="{law_2022.url}"' in html
    # The module that cites nothing says nothing.
    other = course.modules().get(slug="thu-tuc")
    assert 'data-testid="superseded-citations"' not in client.get(other.url).content.decode()
    assert reverse("courses:mine")
