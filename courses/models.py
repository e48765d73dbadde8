"""Online courses: pages for the content, plain models for each trainee's path.

    HomePage
    └── CourseIndexPage
        └── CoursePage ── ModulePage (in the tree's order)

Enrolments, module progress, review flags and refresher notices are plain
models: per-user or transactional data is never a page (design.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from cms.blocks import RICH_TEXT_FEATURES
from cms.caching import ServedRestrictionsMixin
from core.fields import NFCTextField
from courses.blocks import ModuleStreamBlock


class CourseIndexPage(Page):
    """The catalogue of courses."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course index page")
        verbose_name_plural = _("course index pages")

    def get_context(self, request, *args, **kwargs):
        from courses import selectors

        context = super().get_context(request, *args, **kwargs)
        courses = list(CoursePage.objects.live().public().child_of(self).order_by("path"))
        context["courses"] = courses
        context["enrolments"] = selectors.enrolments_by_course(user=request.user, courses=courses)
        return context


class CoursePage(ServedRestrictionsMixin, Page):
    # Open Badges 3.0 achievementType of the certificates earned here (read by certificates).
    badge_achievement_type = "Course"

    class EnrolmentMode(models.TextChoices):
        OPEN = "open", _("Open: trainees enrol themselves")
        APPROVAL = "approval", _("On approval by a coordinator or organiser")
        ASSIGNED = "assigned", _("Assigned by units only")

    summary = NFCTextField(_("summary"), help_text=_("What the course is about, in two or three sentences."))
    learning_outcomes = RichTextField(_("learning outcomes"), blank=True, features=RICH_TEXT_FEATURES)
    audience = NFCTextField(_("audience"), blank=True)
    estimated_hours = models.DecimalField(_("estimated hours"), max_digits=5, decimal_places=1, default=1)
    enrolment_mode = models.CharField(
        _("enrolment"), max_length=10, choices=EnrolmentMode.choices, default=EnrolmentMode.OPEN
    )
    sequential = models.BooleanField(
        _("modules in order"),
        default=True,
        help_text=_("A module opens only when the one before it is complete."),
    )
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage",
        verbose_name=_("prerequisites"),
        blank=True,
        related_name="required_by",
        help_text=_("Courses a trainee must have completed before enrolling."),
    )
    regulations = ParentalManyToManyField(
        "cms.RegulationPage", verbose_name=_("regulations taught"), blank=True, related_name="courses"
    )
    final_quiz = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("final test"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("When set, the course is complete once every module is complete and this test is passed."),
    )
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("certificate template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Only a published template may be chosen: an unpublished one would
        # be refused at issue, after the trainee finished the course.
        limit_choices_to={"live": True},
        help_text=_("Leave empty to use the default template."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("learning_outcomes"),
        FieldPanel("audience"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("estimated_hours"), FieldPanel("enrolment_mode"), FieldPanel("sequential")]),
                FieldPanel("prerequisites"),
                FieldPanel("regulations"),
            ],
            heading=_("Enrolment and content"),
        ),
        MultiFieldPanel(
            [FieldPanel("final_quiz"), FieldPanel("certificate_template")], heading=_("Completion and certificate")
        ),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def modules(self):
        return ModulePage.objects.live().child_of(self).order_by("path")

    def get_context(self, request, *args, **kwargs):
        from courses import caching, selectors

        context = super().get_context(request, *args, **kwargs)
        # The signed-in reader's part of the page, from the cache while nothing it shows changed.
        cache_key = None if getattr(request, "is_preview", False) else caching.key(request, f"course:{self.pk}")
        hit = caching.get(request, cache_key)
        if hit is not None:
            context["course_main"] = hit[0]
            return context
        outline = selectors.course_outline(course=self, user=request.user)
        context.update(outline.as_context())
        if self.final_quiz_id:
            # The final test is a step of the outline: open, locked (and why), or passed.
            context["final_test_open"] = outline.final_test_open
            context["final_test_locked_reason"] = selectors.final_test_locked_reason(outline)
            if outline.enrolment is not None:
                context["final_attempt"] = selectors.counting_attempt(request.user, self.final_quiz_id)
        context["superseded_citations"] = selectors.superseded_citations(modules=[i.module for i in context["items"]])
        if cache_key is not None:
            context["course_main"] = render_to_string("courses/includes/course_main.html", context, request=request)
            caching.put(request, cache_key, context["course_main"])
        return context

    def search_document(self):
        from cms.search import SearchDocument, rich_text

        return SearchDocument(
            title=self.title,
            # The final test is found through its course (where it is taken), not as a page of its own.
            text=[
                self.summary,
                rich_text(self.learning_outcomes),
                self.audience,
                self.final_quiz.title if self.final_quiz_id else "",
            ],
            date=self.first_published_at.date() if self.first_published_at else None,
            year=self.first_published_at.year if self.first_published_at else None,
        )


class ModulePage(ServedRestrictionsMixin, Page):
    intro = NFCTextField(_("introduction"), blank=True, help_text=_("One or two sentences shown in the outline."))
    body = StreamField(ModuleStreamBlock(), verbose_name=_("body"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=15)
    quiz = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("module quiz"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("When set, the module is complete only once this quiz is passed."),
    )
    cited_regulations = ParentalManyToManyField(
        "cms.RegulationPage",
        verbose_name=_("regulations cited"),
        blank=True,
        related_name="cited_by_modules",
        help_text=_("Regulations cited in legal-provision blocks are added when the module is saved."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("quiz"), FieldPanel("cited_regulations")],
            heading=_("Module"),
        ),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def provision_regulation_ids(self) -> set[int]:
        ids = set()
        for block in self.body or []:
            if block.block_type == "legal_provision":
                raw = block.value.get("regulation")
                page_id = getattr(raw, "pk", raw)
                if page_id:
                    ids.add(int(page_id))
        return ids

    def save(self, *args, **kwargs):
        # A full save (creation, publication, a revision's content) records
        # the regulations that legal-provision blocks cite, so the refresher
        # can find this module; a draft's bookkeeping save (update_fields)
        # leaves relations alone.
        if kwargs.get("update_fields") is None:
            cited = self.provision_regulation_ids()
            current = {regulation.pk for regulation in self.cited_regulations.all()}
            if not cited <= current:
                from cms.models import RegulationPage

                self.cited_regulations = list(RegulationPage.objects.filter(pk__in=cited | current))
        return super().save(*args, **kwargs)

    def serve(self, request, *args, **kwargs):
        from courses import views

        return views.module_serve(request, self, super().serve, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from courses import caching, selectors

        context = super().get_context(request, *args, **kwargs)
        cached = getattr(request, "_course_module_html", None)
        if cached is not None:  # the trainee's part of the page, from the cache (courses.views.module_serve)
            context["module_main"] = cached
            return context
        state = getattr(request, "_course_module_state", None)
        if state is None:
            state = selectors.module_state(module=self, user=request.user)
        context.update(state.as_context())
        context["superseded_citations"] = selectors.superseded_citations(modules=[self])
        cache_key = getattr(request, "_course_module_key", None)
        if cache_key is not None:
            context["module_main"] = render_to_string("courses/includes/module_main.html", context, request=request)
            caching.put(request, cache_key, context["module_main"], request._course_module_facts)
        return context

    def search_document(self):
        from cms.search import SearchDocument, stream_text

        return SearchDocument(
            title=self.title,
            text=[self.intro, *stream_text(self.body)],
            date=self.first_published_at.date() if self.first_published_at else None,
            year=self.first_published_at.year if self.first_published_at else None,
        )


# --- per-trainee data ---------------------------------------------------------------


class Enrolment(models.Model):
    """One person on one course; kept (status "left") when they leave."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("In progress")
        LEFT = "left", _("Left")
        COMPLETED = "completed", _("Completed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    final_score = models.DecimalField(_("final score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    # Where to resume, on any device.
    last_module = models.ForeignKey(
        ModulePage,
        verbose_name=_("last module opened"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_visited_at = models.DateTimeField(_("last visited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="courses_enrolment_once_per_course"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="courses_enrolment_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["course", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        """Enrolled and able to study (active, or completed and revisiting)."""
        return self.status in (self.Status.ACTIVE, self.Status.COMPLETED)


class ModuleProgress(models.Model):
    """A trainee's visit to and completion of one module (one row per enrolment and module)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="progress")
    first_visited_at = models.DateTimeField(_("first opened at"), auto_now_add=True)
    last_visited_at = models.DateTimeField(_("last opened at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="courses_progress_once_per_module"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.module_id}"


class CourseUnitTally(models.Model):
    """How many of one unit's own people (not its subtree's) are on a course, and how far they are.

    Kept as enrolments, progress and people's units change (courses.tallies,
    in the same transaction as the change), so a unit report adds up one row
    per unit instead of every enrolment of the subtree. Counts enrolments
    that are not "left", of people with a unit; "overdue" depends on the day
    and is counted from the enrolments when asked (selectors.unit_report).
    """

    course = models.ForeignKey(CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey("accounts.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    enrolled = models.PositiveIntegerField(_("enrolled"), default=0)
    # Not completed, with at least one module completed.
    in_progress = models.PositiveIntegerField(_("in progress"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)

    class Meta:
        verbose_name = _("course tally of a unit")
        verbose_name_plural = _("course tallies of units")
        constraints = [
            models.UniqueConstraint(fields=["course", "org_unit"], name="courses_tally_once_per_unit"),
            models.CheckConstraint(
                condition=Q(enrolled__gte=F("in_progress") + F("completed")), name="courses_tally_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.org_unit_id}: {self.enrolled}"


class CourseUnitDue(models.Model):
    """How many of one unit's people on a course are due on a day and not done yet (pending or active).

    Kept with ``CourseUnitTally`` (courses.tallies): "overdue" depends on
    the day, so it is not stored; it is the sum of these rows before today,
    which are few (a coordinator assigns a unit's people one due date).
    """

    course = models.ForeignKey(CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey("accounts.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField(_("due date"))
    open = models.PositiveIntegerField(_("not completed"))

    class Meta:
        verbose_name = _("due dates of a unit on a course")
        verbose_name_plural = _("due dates of units on courses")
        constraints = [
            models.UniqueConstraint(fields=["course", "org_unit", "due_date"], name="courses_due_once_per_day"),
        ]
        indexes = [models.Index(fields=["course", "due_date"], name="courses_due_course_date")]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.org_unit_id} {self.due_date}: {self.open}"


class ModuleReviewFlag(models.Model):
    """A module citing a regulation that a newer one has superseded: editors review it."""

    module = models.ForeignKey(
        ModulePage, verbose_name=_("module"), on_delete=models.CASCADE, related_name="review_flags"
    )
    superseded = models.ForeignKey(
        "cms.RegulationPage", verbose_name=_("regulation cited"), on_delete=models.CASCADE, related_name="+"
    )
    regulation = models.ForeignKey(
        "cms.RegulationPage", verbose_name=_("newer regulation"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    resolved = models.BooleanField(_("reviewed"), default=False)
    note = NFCTextField(_("review note"), blank=True)

    panels = [FieldPanel("resolved"), FieldPanel("note")]

    class Meta:
        verbose_name = _("module to review")
        verbose_name_plural = _("modules to review")
        ordering = ["resolved", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["module", "regulation"], name="courses_flag_once_per_regulation"),
            models.CheckConstraint(condition=~Q(superseded=F("regulation")), name="courses_flag_distinct_regulations"),
        ]

    def __str__(self) -> str:
        return f"{self.module.title} – {self.regulation.document_number}"


class RefresherNotice(models.Model):
    """A trainee who completed a course containing a flagged module: "Cần cập nhật kiến thức"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="refresher_notices"
    )
    flag = models.ForeignKey(ModuleReviewFlag, verbose_name=_("flag"), on_delete=models.CASCADE, related_name="notices")
    course = models.ForeignKey(CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refresher notice")
        verbose_name_plural = _("refresher notices")
        constraints = [models.UniqueConstraint(fields=["user", "flag"], name="courses_notice_once_per_flag")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.flag_id}"


class LearnerVersion(models.Model):
    """One number per person that every write to their learning state moves on.

    Their enrolments, module progress, quiz attempts, certificates and
    refresher notices: the cached parts of their course, module and "my
    courses" pages are keyed by it (``courses.caching``), so a change shows at
    once in every worker. Moved in the writer's transaction (or just after
    an autocommitted write), never before the write.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    value = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("learning-state version")
        verbose_name_plural = _("learning-state versions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.value}"
