import datetime

import factory
import wagtail_factories
from factory.django import DjangoModelFactory

from accounts.models import OrgUnit, User
from cms.models import (
    CampaignIndexPage,
    CampaignPage,
    HomePage,
    RegulationIndexPage,
    RegulationPage,
    StandardPage,
)

DEFAULT_PASSWORD = "mat-khau-thu-nghiem-2024"


class OrgUnitFactory(DjangoModelFactory):
    """Builds units through treebeard so the tree paths are real."""

    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"DV{n:04d}")
    name = factory.Sequence(lambda n: f"Đơn vị số {n}")
    kind = OrgUnit.Kind.UNIT

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        instance = model_class(**kwargs)
        if parent is None:
            return model_class.add_root(instance=instance)
        parent.refresh_from_db()
        return parent.add_child(instance=instance)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"hocvien{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        # Sign-in needs a verified address; tests that want otherwise pass verified=False.
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


# --- cms pages ----------------------------------------------------------------
# The home page comes from cms's data migration (it is the default site's
# root), so page factories hang under it unless given a parent.


def _home_page():
    return HomePage.objects.order_by("path").first()


class StandardPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = StandardPage

    parent = factory.LazyFunction(_home_page)
    title = factory.Sequence(lambda n: f"Trang thông tin {n}")
    slug = factory.Sequence(lambda n: f"trang-thong-tin-{n}")
    intro = "Thông tin chung về công tác thi đua, khen thưởng."


class RegulationIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = RegulationIndexPage

    parent = factory.LazyFunction(_home_page)
    title = "Văn bản về thi đua, khen thưởng"
    slug = "regulations"


class RegulationPageFactory(wagtail_factories.PageFactory):
    """A published circular; pass ``parent`` (a RegulationIndexPage)."""

    class Meta:
        model = RegulationPage

    parent = factory.LazyFunction(lambda: RegulationIndexPage.objects.first() or RegulationIndexPageFactory())
    document_number = factory.Sequence(lambda n: f"{n + 1}/2015/TT-BTTTT")
    title = factory.LazyAttribute(lambda o: f"Thông tư số {o.document_number} hướng dẫn công tác thi đua, khen thưởng")
    slug = factory.Sequence(lambda n: f"thong-tu-{n}")
    document_type = RegulationPage.DocumentType.CIRCULAR
    issuing_body = "Bộ Thông tin và Truyền thông"
    date_issued = datetime.date(2015, 6, 8)
    summary = "Hướng dẫn công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông."
    live = True


class CampaignIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CampaignIndexPage

    parent = factory.LazyFunction(_home_page)
    title = "Phong trào thi đua"
    slug = "campaigns"


class CampaignPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CampaignPage

    parent = factory.LazyFunction(lambda: CampaignIndexPage.objects.first() or CampaignIndexPageFactory())
    title = factory.Sequence(lambda n: f"Phong trào thi đua số {n}")
    slug = factory.Sequence(lambda n: f"phong-trao-{n}")
    launched_by = "Công đoàn Thông tin và Truyền thông Việt Nam"
    start_year = 2017
    summary = "Phong trào thi đua sáng tạo trong các cơ quan, đơn vị."
    live = True


# --- certificates -------------------------------------------------------------


class CertificateTemplateFactory(DjangoModelFactory):
    """A template like the default one that certificates' data migration installs."""

    class Meta:
        model = "certificates.CertificateTemplate"

    name = factory.Sequence(lambda n: f"Mẫu giấy chứng nhận {n}")
    issuing_body_parent = "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
    issuing_body = "VỤ TỔ CHỨC CÁN BỘ"
    place = "Đà Nẵng"
    signatory_title = "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG"
    signatory_name = "Phạm Thị Lan"


# --- events ---------------------------------------------------------------------


def _event_index():
    from events.models import EventIndexPage

    index = EventIndexPage.objects.first()
    if index is None:
        index = EventIndexPage(title="Hội nghị tập huấn", slug="hoi-nghi")
        _home_page().add_child(instance=index)
    return index


class EventPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = "events.EventPage"

    title = factory.Sequence(lambda n: f"Hội nghị tập huấn công tác thi đua, khen thưởng {n}")
    slug = factory.Sequence(lambda n: f"hoi-nghi-{n}")
    venue = "Khách sạn Mường Thanh"
    address = "Đà Nẵng"
    starts_at = factory.LazyFunction(lambda: _now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(days=1))
    capacity = 100
    parent = factory.LazyFunction(_event_index)


def _now():
    from django.utils import timezone

    return timezone.now()


class EventSessionFactory(DjangoModelFactory):
    class Meta:
        model = "events.EventSession"

    event = factory.SubFactory(EventPageFactory)
    title = factory.Sequence(lambda n: f"Chuyên đề {n}")
    starts_at = factory.LazyAttribute(lambda o: o.event.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))


class RegistrationFactory(DjangoModelFactory):
    """A confirmed registration on the next free seat (tests that need the rules call the service)."""

    class Meta:
        model = "events.Registration"

    event = factory.SubFactory(EventPageFactory)
    user = factory.SubFactory(UserFactory)
    full_name = factory.LazyAttribute(lambda o: o.user.full_name)
    status = "confirmed"
    seat = factory.Sequence(lambda n: n + 1)


# --- quizzes ------------------------------------------------------------------------


class QuestionCategoryFactory(DjangoModelFactory):
    class Meta:
        model = "quizzes.Category"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Chủ đề {n}")


class QuestionFactory(DjangoModelFactory):
    """A single-choice question with options "Đúng n" (right) and two wrong ones.

    ``options=[(text, is_correct), ...]`` or ``options=[(text, True, match_text)]`` replaces them.
    """

    class Meta:
        model = "quizzes.Question"
        skip_postgeneration_save = True

    category = factory.SubFactory(QuestionCategoryFactory)
    qtype = "single"
    stem = factory.Sequence(lambda n: f"<p>Câu hỏi số {n}?</p>")
    feedback = factory.Sequence(lambda n: f"<p>Giải thích bí mật {n}</p>")

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if not create:
            return
        from quizzes.models import Option
        from quizzes.services import default_fractions

        if extracted is None:
            extracted = [(f"Phương án đúng {self.pk}", True), ("Phương án sai 1", False), ("Phương án sai 2", False)]
        fractions = default_fractions(self.qtype, [spec[1] for spec in extracted])
        for index, spec in enumerate(extracted):
            text, correct, *rest = spec
            Option.objects.create(
                question=self,
                sort_order=index,
                text=text,
                is_correct=correct,
                fraction=fractions[index],
                match_text=rest[0] if rest else "",
            )


class QuizFactory(DjangoModelFactory):
    """A quiz drawing ``draw`` questions from ``category`` (a rule made after creation)."""

    class Meta:
        model = "quizzes.Quiz"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Bài kiểm tra {n}")

    @factory.post_generation
    def rules(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        from quizzes.models import QuizRule

        for index, (category, count) in enumerate(extracted):
            QuizRule.objects.create(quiz=self, category=category, count=count, sort_order=index)


# --- courses ------------------------------------------------------------------------


def _course_index():
    from courses.models import CourseIndexPage

    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="Khóa học trực tuyến", slug="khoa-hoc")
        _home_page().add_child(instance=index)
    return index


class CoursePageFactory(wagtail_factories.PageFactory):
    """A published open course with sequential modules (add ModulePageFactory children)."""

    class Meta:
        model = "courses.CoursePage"

    parent = factory.LazyFunction(_course_index)
    title = factory.Sequence(lambda n: f"Nghiệp vụ thi đua, khen thưởng {n}")
    slug = factory.Sequence(lambda n: f"khoa-hoc-{n}")
    summary = "Những điểm mới của Luật Thi đua, khen thưởng và các văn bản hướng dẫn thi hành."
    estimated_hours = 4
    live = True


class ModulePageFactory(wagtail_factories.PageFactory):
    """A published module; pass ``parent`` (a CoursePage)."""

    class Meta:
        model = "courses.ModulePage"

    title = factory.Sequence(lambda n: f"Bài {n}")
    slug = factory.Sequence(lambda n: f"bai-{n}")
    intro = "Nội dung chính của bài học."
    estimated_minutes = 15
    live = True


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = "courses.Enrolment"

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CoursePageFactory)
    status = "active"
