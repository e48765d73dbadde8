"""Reads for views and for the apps above quizzes.

API for ``courses`` and ``events``:

- ``counting_attempts(quiz_ids=..., user_ids=...)``: for many quizzes and
  people at once, in one query, the finished attempt that counts under each
  quiz's grading method: the one place that rule is written;
- ``best_result(user, quiz)``: the same for one person and quiz, or None;
- signal ``quizzes.signals.quiz_passed`` (``sender=Quiz, attempt=...``),
  sent after the grading commits;
- a quiz is taken at ``reverse("quizzes:quiz", args=[quiz.pk])``; pass
  ``?next=<path>`` to send the trainee back to the page after the review.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from accounts.models import User
from quizzes.models import CHOICE_TYPES, Attempt, GradingMethod, Option, Question, QuestionSlot, Quiz, ReviewWhen


def _counts_more(method: str, attempt: Attempt, other: Attempt) -> bool:
    """Whether ``attempt`` counts rather than ``other`` under the grading method.

    Last: the later finished (then the higher number). Highest: the higher
    percent, then the later finished. Compared here rather than by the
    database's ordering, which puts empty percents first on PostgreSQL and
    last on SQLite.
    """
    if method == GradingMethod.LAST:
        return (_finished(attempt), attempt.number) > (_finished(other), other.number)
    return (attempt.percent or 0, _finished(attempt)) > (other.percent or 0, _finished(other))


def _finished(attempt: Attempt) -> tuple:
    # Comparable even when a finish time is missing: such an attempt is the earliest.
    return (attempt.finished_at is not None, attempt.finished_at or 0)


def counting_attempts(
    *, quiz_ids: Iterable[int | None], user_ids: Iterable[int | None]
) -> dict[tuple[int, int], Attempt]:
    """The finished attempt that counts for each (quiz id, user id), under each quiz's grading method.

    One query, whatever the number of quizzes and people (none when no id is
    given: a missing quiz or an anonymous user); a pair with no finished
    attempt is absent.
    """
    quiz_ids = {pk for pk in quiz_ids if pk}
    user_ids = {pk for pk in user_ids if pk}
    if not quiz_ids or not user_ids:
        return {}
    attempts = (
        Attempt.objects.filter(quiz_id__in=quiz_ids, user_id__in=user_ids, state=Attempt.State.FINISHED)
        .annotate(grading_method=F("quiz__grading_method"))
        .order_by()
    )
    counting: dict[tuple[int, int], Attempt] = {}
    for attempt in attempts:
        key = (attempt.quiz_id, attempt.user_id)
        current = counting.get(key)
        if current is None or _counts_more(attempt.grading_method, attempt, current):
            counting[key] = attempt
    return counting


def best_result(user: User, quiz: Quiz) -> Attempt | None:
    return counting_attempts(quiz_ids=[quiz.pk], user_ids=[user.pk]).get((quiz.pk, user.pk))


def review_shows_answers(attempt: Attempt, now=None) -> bool:
    if not attempt.is_finished:
        return False
    quiz = attempt.quiz
    if quiz.review_when == ReviewWhen.AFTER_SUBMIT:
        return True
    if quiz.review_when == ReviewWhen.AFTER_CLOSE:
        return quiz.close_at is not None and (now or timezone.now()) >= quiz.close_at
    return False


def attempt_ran_out_of_time(attempt: Attempt) -> bool:
    """Whether the attempt ended at its time limit: closed by the platform, or sent by the page's timer at zero."""
    if not attempt.is_finished:
        return False
    if attempt.closed_automatically:
        return True
    return attempt.deadline is not None and attempt.finished_at is not None and attempt.finished_at >= attempt.deadline


@dataclass(frozen=True)
class NavItem:
    """One question in the attempt's navigator: where it is, and whether it is answered or flagged."""

    slot_id: int
    number: int
    page: int
    answered: bool
    flagged: bool


def attempt_navigator(attempt: Attempt) -> list[NavItem]:
    """Every question of the attempt in the order shown, with its page; one query, no answer texts read."""
    per_page = attempt.quiz.questions_per_page
    rows = (
        QuestionSlot.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("pk", "flagged", ExpressionWrapper(Q(response__isnull=False), output_field=BooleanField()))
    )
    return [
        NavItem(
            slot_id=pk,
            number=index + 1,
            page=(index // per_page + 1) if per_page else 1,
            answered=bool(answered),
            flagged=flagged,
        )
        for index, (pk, flagged, answered) in enumerate(rows)
    ]


# --- statistics ------------------------------------------------------------------

FACILITY_LOW = 0.2
FACILITY_HIGH = 0.95
BINS = 10


@dataclass
class QuestionStats:
    question: Question
    attempts: int
    facility: float | None
    discrimination: float | None
    option_counts: list[tuple[Option, int]] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        from django.utils.translation import gettext as _

        flags = []
        if self.facility is not None and self.facility < FACILITY_LOW:
            flags.append(_("very hard (facility below 0.2)"))
        if self.facility is not None and self.facility > FACILITY_HIGH:
            flags.append(_("very easy (facility above 0.95)"))
        if self.discrimination is not None and self.discrimination < 0:
            flags.append(_("negative discrimination"))
        return flags


@dataclass
class QuizStats:
    attempts: int
    mean_percent: float | None
    pass_rate: float | None
    distribution: list[tuple[str, int]]
    questions: list[QuestionStats]


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def quiz_statistics(quiz: Quiz) -> QuizStats:
    """Classical test statistics over finished attempts, in a fixed number of queries.

    Facility: mean fraction of the marks earned. Discrimination: correlation
    between the question's score and the score on the rest of the attempt
    (Moodle's discrimination index).
    """
    attempts = list(
        Attempt.objects.filter(quiz=quiz, state=Attempt.State.FINISHED).values_list("pk", "percent", "passed", "score")
    )
    count = len(attempts)
    distribution = [(f"{i * 10}–{i * 10 + 10}%", 0) for i in range(BINS)]
    if not count:
        return QuizStats(0, None, None, distribution, [])
    bins = Counter(min(int(float(p or 0) // 10), BINS - 1) for _pk, p, _ok, _s in attempts)
    distribution = [(label, bins[i]) for i, (label, _n) in enumerate(distribution)]
    totals = {pk: float(score or 0) for pk, _p, _ok, score in attempts}
    slots = QuestionSlot.objects.filter(attempt_id__in=totals).values_list(
        "attempt_id", "question_id", "score", "marks", "response"
    )
    per_question: dict[int, list[tuple[float, float]]] = defaultdict(list)
    chosen: dict[int, Counter] = defaultdict(Counter)
    for attempt_id, question_id, score, marks, response in slots:
        score = float(score or 0)
        per_question[question_id].append((score / float(marks), totals[attempt_id] - score))
        if response:
            for oid in response.get("choices") or ([response["choice"]] if "choice" in response else []):
                chosen[question_id][oid] += 1
    questions = Question.objects.filter(pk__in=per_question).prefetch_related("options").order_by("pk")
    stats = []
    for question in questions:
        pairs = per_question[question.pk]
        facility = sum(f for f, _rest in pairs) / len(pairs)
        discrimination = _pearson([f for f, _r in pairs], [r for _f, r in pairs])
        counts = (
            [(o, chosen[question.pk][o.pk]) for o in question.options.all()] if question.qtype in CHOICE_TYPES else []
        )
        stats.append(QuestionStats(question, len(pairs), facility, discrimination, counts))
    mean = sum(float(p or 0) for _pk, p, _ok, _s in attempts) / count
    pass_rate = sum(1 for _pk, _p, ok, _s in attempts if ok) / count
    return QuizStats(count, mean, pass_rate, distribution, stats)
