import pytest
from django.utils import timezone, translation

from accounts.roles import Role
from tests.factories import CoursePageFactory, ModulePageFactory, OrgUnitFactory, UserFactory


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English msgids, from pages and from services alike.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_course(modules: int = 3, **kwargs):
    course = CoursePageFactory(**kwargs)
    for number in range(1, modules + 1):
        ModulePageFactory(parent=course, title=f"Bài {number}", slug=f"bai-{course.pk}-{number}")
    return course


@pytest.fixture
def course(db):
    return make_course(3, title="Những điểm mới của Luật Thi đua, khen thưởng")


@pytest.fixture
def modules(course):
    return list(course.modules())


@pytest.fixture
def enrolled(course, trainee):
    from courses.services import enrolment_create

    return enrolment_create(user=trainee, course=course)


@pytest.fixture
def trainee_client(client, trainee):
    client.force_login(trainee)
    return client


def pass_quiz(user, quiz, percent=90):
    """A finished, passed attempt, and the signal quizzes sends after grading."""
    from quizzes.models import Attempt, Quiz
    from quizzes.signals import quiz_passed

    number = Attempt.objects.filter(quiz=quiz, user=user).count() + 1
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        state=Attempt.State.FINISHED,
        finished_at=timezone.now(),
        score=percent,
        max_score=100,
        percent=percent,
        passed=percent >= quiz.pass_percent,
    )
    if attempt.passed:
        quiz_passed.send(sender=Quiz, attempt=attempt)
    return attempt


@pytest.fixture
def danang(db):
    province = OrgUnitFactory(code="DANANG", name="Thành phố Đà Nẵng", kind="province")
    return province


@pytest.fixture
def danang_dept(danang):
    return OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng", parent=danang)


@pytest.fixture
def hue(db):
    return OrgUnitFactory(code="HUE", name="Tỉnh Thừa Thiên Huế", kind="province")


@pytest.fixture
def coordinator(make_staff, enable_totp, danang):
    user = make_staff(Role.COORDINATOR, unit=danang, full_name="Hoàng Thị Bình", org_unit=danang)
    enable_totp(user)
    return user


@pytest.fixture
def organiser(make_staff, enable_totp):
    user = make_staff(Role.ORGANISER, full_name="Phạm Thị Lan")
    enable_totp(user)
    return user


@pytest.fixture
def people(danang, danang_dept, hue):
    return {
        "danang": UserFactory(full_name="Nguyễn Văn An", org_unit=danang),
        "dept": UserFactory(full_name="Trần Thị Hoa", org_unit=danang_dept),
        "hue": UserFactory(full_name="Lê Văn Minh", org_unit=hue),
    }
