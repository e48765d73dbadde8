"""The refresher: a newer regulation flags the modules citing the old one and tells who completed them."""

import pytest
from django.core import mail
from django.urls import reverse

from cms.models import RegulationPage
from courses.models import ModuleReviewFlag, RefresherNotice
from courses.services import enrolment_create, module_complete, refresher_run
from tests.courses.conftest import make_course
from tests.factories import ModulePageFactory, RegulationPageFactory, UserFactory


@pytest.fixture
def law_2003(db):
    return RegulationPageFactory(
        document_number="15/2003/QH11",
        title="Luật Thi đua, khen thưởng số 15/2003/QH11",
        document_type="law",
        slug="luat-2003",
    )


@pytest.fixture
def citing_course(law_2003):
    course = make_course(1, title="Những điểm mới của Luật Thi đua, khen thưởng", sequential=False)
    ModulePageFactory(
        parent=course,
        title="Đối tượng và nguyên tắc khen thưởng",
        slug="doi-tuong-nguyen-tac",
        body=[
            {
                "type": "legal_provision",
                "value": {"regulation": law_2003.pk, "article": "Điều 6", "text": "Nguyên tắc khen thưởng."},
            }
        ],
    )
    return course


@pytest.fixture
def graduates(citing_course):
    """Two trainees who completed the course, one still on it, one who never enrolled."""
    done = [UserFactory(full_name="Nguyễn Văn An"), UserFactory(full_name="Trần Thị Hoa")]
    for user in done:
        enrolment_create(user=user, course=citing_course)
        for module in citing_course.modules():
            module_complete(user=user, module=module)
    on_course = UserFactory(full_name="Lê Văn Minh")
    enrolment_create(user=on_course, course=citing_course)
    UserFactory(full_name="Đỗ Quang Huy")
    return done


def publish_2022(law_2003, *, live=True):
    law = RegulationPageFactory(
        document_number="06/2022/QH15",
        title="Luật Thi đua, khen thưởng số 06/2022/QH15",
        document_type="law",
        slug="luat-2022",
        supersedes=law_2003,
        live=False,
    )
    law.save_revision().publish()
    return RegulationPage.objects.get(pk=law.pk)


def test_publishing_the_2022_law_flags_modules_and_notifies_graduates(
    client, law_2003, citing_course, graduates, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        law_2022 = publish_2022(law_2003)
    flagged = ModuleReviewFlag.objects.get()
    assert flagged.module.title == "Đối tượng và nguyên tắc khen thưởng"
    assert (flagged.superseded, flagged.regulation) == (law_2003, law_2022)
    assert not flagged.resolved
    notified = set(RefresherNotice.objects.values_list("user__full_name", flat=True))
    assert notified == {"Nguyễn Văn An", "Trần Thị Hoa"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in graduates)
    body = mail.outbox[0].body
    assert "06/2022/QH15" in body and "15/2003/QH11" in body and "Đối tượng và nguyên tắc khen thưởng" in body

    # The dashboard says so, with links to the newer law and the module.
    client.force_login(graduates[0])
    html = client.get(reverse("courses:mine")).content.decode()
    assert 'data-testid="refresher"' in html
    assert law_2022.url in html and flagged.module.url in html
    assert "Refresher needed" in html


def test_the_refresher_is_idempotent(law_2003, citing_course, graduates, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        law_2022 = publish_2022(law_2003)
    mail.outbox.clear()
    again = refresher_run(regulation_id=law_2022.pk)
    assert again.flags == 1
    assert ModuleReviewFlag.objects.count() == 1
    assert RefresherNotice.objects.count() == 2
    assert mail.outbox == []


def test_a_regulation_superseding_nothing_flags_nothing(law_2003, citing_course, graduates):
    other = RegulationPageFactory(document_number="105/CT-BTTTT", document_type="directive")
    assert refresher_run(regulation_id=other.pk).flags == 0
    assert not ModuleReviewFlag.objects.exists()


def test_the_task_runs_only_after_the_publish_commits(law_2003, citing_course, graduates):
    with pytest.MonkeyPatch.context() as patch:
        calls = []
        patch.setattr("courses.tasks.refresher_run.delay", lambda pk: calls.append(pk))
        law = publish_2022(law_2003)  # no commit inside the test transaction
        assert calls == []
        assert law.pk


def test_a_dismissed_notice_leaves_the_dashboard(
    client, law_2003, citing_course, graduates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_2022(law_2003)
    user = graduates[0]
    notice = RefresherNotice.objects.get(user=user)
    client.force_login(user)
    other = RefresherNotice.objects.get(user=graduates[1])
    assert client.post(reverse("courses:notice_dismiss", args=[other.pk])).status_code == 404
    client.post(reverse("courses:notice_dismiss", args=[notice.pk]))
    assert 'data-testid="refresher"' not in client.get(reverse("courses:mine")).content.decode()


def test_editors_see_the_modules_to_review_in_the_admin(
    client, make_staff, enable_totp, law_2003, citing_course, graduates, django_capture_on_commit_callbacks
):
    from accounts.roles import Role

    with django_capture_on_commit_callbacks(execute=True):
        publish_2022(law_2003)
    editor = make_staff(Role.EDITOR)
    enable_totp(editor)
    client.force_login(editor)
    response = client.get(reverse("wagtailsnippets_courses_modulereviewflag:list"))
    assert response.status_code == 200
    assert "Đối tượng và nguyên tắc khen thưởng" in response.content.decode()
    flag = ModuleReviewFlag.objects.get()
    response = client.post(
        reverse("wagtailsnippets_courses_modulereviewflag:edit", args=[flag.pk]),
        {"resolved": "on", "note": "Đã cập nhật theo Luật 2022"},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolved
