"""Reads for views and for the apps above quizzes.

API for ``courses`` and ``events``:

- ``best_result(user, quiz)``: the attempt that counts under the quiz's
  grading method (highest or last finished), or None;
- ``has_passed(user, quiz)``;
- signals ``quizzes.signals.attempt_finished`` and ``quiz_passed``
  (``sender=Quiz, attempt=...``), sent after the grading commits;
- a quiz is taken at ``reverse("quizzes:quiz", args=[quiz.pk])``; pass
  ``?next=<path>`` to send the trainee back to the page after the review.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import User
from quizzes.models import CHOICE_TYPES, Attempt, AttemptQuestion, GradingMethod, Option, Question, Quiz, ReviewWhen


def best_result(user: User, quiz: Quiz) -> Attempt | None:
    finished = Attempt.objects.filter(quiz=quiz, user=user, state=Attempt.State.FINISHED)
    if quiz.grading_method == GradingMethod.LAST:
        return finished.order_by("-finished_at", "-number").first()
    return finished.order_by("-percent", "-finished_at").first()


def has_passed(user: User, quiz: Quiz) -> bool:
    result = best_result(user, quiz)
    return bool(result and result.passed)


def review_shows_answers(attempt: Attempt, now=None) -> bool:
    if not attempt.is_finished:
        return False
    quiz = attempt.quiz
    if quiz.review_when == ReviewWhen.AFTER_SUBMIT:
        return True
    if quiz.review_when == ReviewWhen.AFTER_CLOSE:
        return quiz.close_at is not None and (now or timezone.now()) >= quiz.close_at
    return False


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
    slots = AttemptQuestion.objects.filter(attempt_id__in=totals).values_list(
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
