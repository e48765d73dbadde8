"""Question bank, quizzes and attempts.

A question's options carry the right answers; the browser only ever sees
option ids and texts (see ``quizzes.views``), never ``is_correct``,
``match_text`` pairings or accepted short answers before review.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from cms.sanitize import html_to_text, sanitize_html
from core.fields import NFCCharField, NFCTextField


class Category(models.Model):
    """A legal topic questions are grouped by (a bank)."""

    name = NFCCharField(_("name"), max_length=200, unique=True)
    description = NFCTextField(_("description"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("description")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")

    def __str__(self) -> str:
        return self.name


class CaseStudy(models.Model):
    """A scenario shared by several questions (tình huống)."""

    title = NFCCharField(_("title"), max_length=200, unique=True)
    scenario = NFCTextField(_("scenario"), help_text=_("HTML; sanitised when saved."))

    panels = [FieldPanel("title"), FieldPanel("scenario")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.scenario = sanitize_html(self.scenario)
        super().save(*args, **kwargs)


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True/false")
    SHORT = "short", _("Short answer")
    MATCHING = "matching", _("Matching")
    NUMERICAL = "numerical", _("Numerical")


CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE})
# Answered by typing: the accepted answers are never sent to the browser.
TYPED_TYPES = frozenset({QuestionType.SHORT, QuestionType.NUMERICAL})


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


class Question(ClusterableModel):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="questions", verbose_name=_("category")
    )
    qtype = models.CharField(_("type"), max_length=20, choices=QuestionType.choices, default=QuestionType.SINGLE)
    name = NFCCharField(_("short name"), max_length=255, blank=True, help_text=_("For editors; GIFT ::title::."))
    stem = NFCTextField(_("question text"), help_text=_("HTML; sanitised when saved."))
    feedback = NFCTextField(_("explanation"), blank=True, help_text=_("Shown in the review; HTML."))
    case_study = models.ForeignKey(
        CaseStudy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        verbose_name=_("case study"),
    )
    regulation = models.ForeignKey(
        "cms.RegulationPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("regulation tested"),
    )
    article = NFCCharField(_("article"), max_length=100, blank=True, help_text=_("E.g. Điều 24, khoản 2."))
    difficulty = models.CharField(_("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    marks = models.DecimalField(
        _("marks"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    partial_credit = models.BooleanField(
        _("partial credit"),
        default=False,
        help_text=_("Multiple choice: add up the shares of the options chosen; matching: a share per right pair."),
    )
    accent_insensitive = models.BooleanField(
        _("ignore accents"), default=False, help_text=_("Short answer: 'thi dua' matches 'thi đua'.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("category"), FieldPanel("qtype")]),
        FieldPanel("name"),
        FieldPanel("case_study"),
        FieldPanel("stem"),
        InlinePanel("options", label=_("Options / accepted answers / pairs")),
        FieldPanel("feedback"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("regulation"), FieldPanel("article")]),
                FieldRowPanel([FieldPanel("difficulty"), FieldPanel("marks")]),
                FieldRowPanel(
                    [FieldPanel("partial_credit"), FieldPanel("accent_insensitive"), FieldPanel("is_active")]
                ),
            ],
            heading=_("Grading and source"),
        ),
    ]

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["category", "is_active"])]

    def __str__(self) -> str:
        return self.name or html_to_text(self.stem)[:80]

    def save(self, *args, **kwargs) -> None:
        self.stem = sanitize_html(self.stem)
        self.feedback = sanitize_html(self.feedback)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # The admin form runs this before the options are saved; services run
        # quizzes.services.question_problems on the whole question.
        if self.qtype != QuestionType.SHORT and self.accent_insensitive:
            raise ValidationError({"accent_insensitive": _("Only short-answer questions ignore accents.")})


class Option(Orderable):
    """An option; for short and numerical answers an accepted answer; for matching a pair.

    ``fraction`` is Moodle's share of the question's marks that this answer
    earns (1 is 100 %, 0.5 half, negative a penalty): a single-choice
    question scores the chosen option's share, a multiple-choice question
    with partial credit the sum of the chosen shares (between 0 and 1), a
    short or numerical answer the share of the first accepted answer it
    matches. ``is_correct`` follows from it (a share above 0) and marks the
    right answers in the review. A matching option with no left-hand text is
    a distractor: one more right-hand choice, no pair.
    """

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = NFCTextField(
        _("text"),
        blank=True,
        help_text=_(
            "HTML for choices; plain text for short answers (* matches anything); a number for numerical "
            "answers (* for any other number); empty for a matching distractor."
        ),
    )
    is_correct = models.BooleanField(_("correct"), default=False, help_text=_("Used when no share is given."))
    fraction = models.DecimalField(
        _("share of the marks"),
        max_digits=8,
        decimal_places=7,
        blank=True,
        validators=[MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))],
        help_text=_("Between -1 and 1, as in Moodle: 1 is all the marks, 0.5 half. Empty: 1 when correct, else 0."),
    )
    tolerance = models.DecimalField(
        _("tolerance"),
        max_digits=22,
        decimal_places=10,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Numerical: answers within this distance of the number are accepted."),
    )
    match_text = NFCCharField(_("matches"), max_length=500, blank=True, help_text=_("Matching: the right-hand item."))
    feedback = NFCTextField(_("feedback for this option"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("text"), FieldPanel("match_text")]),
        FieldRowPanel([FieldPanel("is_correct"), FieldPanel("fraction"), FieldPanel("tolerance")]),
        FieldPanel("feedback"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        constraints = [
            models.CheckConstraint(
                condition=Q(fraction__gte=Decimal("-1"), fraction__lte=Decimal("1")), name="option_fraction_range"
            )
        ]

    def __str__(self) -> str:
        return html_to_text(self.text)[:80]

    def save(self, *args, **kwargs) -> None:
        if self.fraction is None:
            self.fraction = Decimal(1) if self.is_correct else Decimal(0)
        self.is_correct = self.fraction > 0
        self.text = sanitize_html(self.text)
        self.feedback = sanitize_html(self.feedback)
        super().save(*args, **kwargs)

    @property
    def is_wildcard(self) -> bool:
        """Moodle's ``*`` answer: any other short or numerical answer."""
        return html_to_text(self.text).strip() == "*"


class GradingMethod(models.TextChoices):
    HIGHEST = "highest", _("Highest attempt")
    LAST = "last", _("Last attempt")


class ReviewWhen(models.TextChoices):
    AFTER_SUBMIT = "after_submit", _("Right answers after submitting")
    AFTER_CLOSE = "after_close", _("Right answers after the quiz closes")
    NEVER = "never", _("Never show right answers")


class Quiz(ClusterableModel):
    """A quiz drawn from the bank; pages (modules, courses, events) point at it."""

    title = NFCCharField(_("title"), max_length=255)
    description = NFCTextField(_("description"), blank=True)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    questions_per_page = models.PositiveSmallIntegerField(
        _("questions per page"), default=0, help_text=_("0 shows every question on one page.")
    )
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), null=True, blank=True)
    open_at = models.DateTimeField(_("opens"), null=True, blank=True)
    close_at = models.DateTimeField(_("closes"), null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=0, help_text=_("0 for no limit."))
    pass_percent = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    grading_method = models.CharField(
        _("grading method"), max_length=10, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    review_when = models.CharField(
        _("review shows right answers"), max_length=20, choices=ReviewWhen.choices, default=ReviewWhen.AFTER_SUBMIT
    )
    grace_seconds = models.PositiveIntegerField(
        _("grace period (seconds)"),
        default=60,
        help_text=_("Answers sent this long after the deadline still count (slow networks)."),
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        InlinePanel("rules", label=_("Random questions per category"), min_num=1),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldPanel("questions_per_page"),
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("grace_seconds")]),
                FieldRowPanel([FieldPanel("open_at"), FieldPanel("close_at")]),
                FieldRowPanel([FieldPanel("max_attempts"), FieldPanel("pass_percent"), FieldPanel("grading_method")]),
                FieldPanel("review_when"),
            ],
            heading=_("Settings"),
        ),
    ]

    class Meta:
        ordering = ["title"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=Q(open_at__isnull=True) | Q(close_at__isnull=True) | Q(close_at__gt=models.F("open_at")),
                name="quiz_window_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.open_at and self.close_at and self.close_at <= self.open_at:
            raise ValidationError({"close_at": _("The quiz must close after it opens.")})

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.open_at is None or self.open_at <= now) and (self.close_at is None or now < self.close_at)


class QuizRule(Orderable):
    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="rules")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    count = models.PositiveSmallIntegerField(_("number of questions"), validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("category"), FieldPanel("count")])]

    class Meta(Orderable.Meta):
        verbose_name = _("draw rule")


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    closed_automatically = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user", "number"], name="attempt_number_unique"),
            # One open attempt per person and quiz: a second tab resumes it.
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=Q(state="in_progress"), name="attempt_one_in_progress"
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number} ({self.user})"

    @property
    def is_finished(self) -> bool:
        return self.state == self.State.FINISHED

    def hard_deadline(self):
        """The last moment an answer is accepted: deadline plus the grace period."""
        if self.deadline is None:
            return None
        return self.deadline + timezone.timedelta(seconds=self.quiz.grace_seconds)


class QuestionSlot(models.Model):
    """A slot of an attempt (Moodle's word): a question frozen into it, its option order and the answer given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="slots")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    marks = models.DecimalField(max_digits=5, decimal_places=2)
    option_order = models.JSONField(default=list)  # option ids as shown
    match_choices = models.JSONField(default=list)  # matching: right-hand texts as shown
    response = models.JSONField(null=True, blank=True)
    # Bumped on every saved answer; a write carrying an older version is stale.
    version = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    # Moodle's "flag for review": the taker's own marker, kept on the server so that
    # it survives a reload and follows them to another device; never graded.
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_question_unique"),
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"
