import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from wagtail.models import Page, Revision

from certificates.models import Certificate
from courses.models import CoursePage, Enrolment, ModulePage, ModuleProgress, ModuleReviewFlag, RefresherNotice


def snapshot():
    pages = list(Page.objects.order_by("path").values_list("url_path", "title", "live"))
    progress = list(ModuleProgress.objects.order_by("pk").values_list("enrolment_id", "module_id", "completed_at"))
    enrolments = list(Enrolment.objects.order_by("pk").values_list("user_id", "course_id", "status", "completed_at"))
    # Revisions per object, not their total: a failure names what was saved again.
    revisions = sorted(
        Revision.objects.values_list("content_type__model", "object_str").annotate(n=Count("pk")).order_by()
    )
    return pages, revisions, progress, enrolments, RefresherNotice.objects.count()


@pytest.mark.django_db
def test_demo_courses_are_idempotent_and_show_every_stage(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    first = snapshot()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    assert snapshot() == first
    assert "Khóa học: 0 tạo mới, 0 cập nhật" in out.getvalue()

    courses = list(CoursePage.objects.live().order_by("path"))
    assert len(courses) == 5
    for course in courses[:4]:
        assert 2 <= course.modules().count() <= 4
    assert courses[0].title.startswith("Chuyên đề 1")
    assert "kiêm nhiệm" in courses[4].title

    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert {"active", "completed"} <= statuses
    assert Enrolment.objects.filter(due_date__isnull=False, status="active").exists()
    completed = Enrolment.objects.filter(status="completed")
    assert completed.count() >= 3
    for enrolment in completed:
        assert Certificate.objects.filter(holder=enrolment.user, page=enrolment.course, status="valid").exists()

    # The 2022 Law flags the modules citing the 2003 Law; graduates of Chuyên đề 1 are told.
    flagged = set(ModuleReviewFlag.objects.values_list("module__slug", flat=True))
    assert flagged == {"luat-thi-dua-khen-thuong-va-cac-lan-sua-doi", "nhung-diem-moi-nam-2013"}
    assert RefresherNotice.objects.filter(user__email="hocvien@demo.tdkt.vn").exists()
    assert ModulePage.objects.filter(cited_regulations__document_number="13/2015/TT-BTTTT").count() == 2

    # The quizzes demo's module quizzes end each course (when it has made them).
    last = courses[1].modules().last()
    assert last.quiz is not None and last.quiz.title == "Kiểm tra chuyên đề 2"
    assert courses[4].modules().last().quiz.title == "Kiểm tra nhập môn"
