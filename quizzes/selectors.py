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

import datetime
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import User
from cms import caching
from core import sql
from quizzes.models import (
    CHOICE_TYPES,
    Attempt,
    GradingMethod,
    Option,
    Question,
    QuestionSlot,
    QuestionType,
    Quiz,
    ReviewWhen,
)


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


# --- the question page -----------------------------------------------------------


@dataclass(frozen=True)
class SlotState:
    """One slot of an attempt as the question page needs it: its place, its answer, its question's version.

    ``question_version`` is the question's ``updated_at``, which every edit of
    the question, its options or its case study moves (``quizzes.signals``):
    it keys the question's cached content.
    """

    pk: int
    position: int
    marks: Decimal
    flagged: bool
    version: int
    response: dict | None
    option_order: list
    match_choices: list
    question_id: int
    question_version: datetime.datetime
    case_study_id: int | None


def attempt_slots(attempt_id) -> list[SlotState]:
    """Every slot of the attempt in the order shown, in one query (the navigator and the page's questions).

    The caller has checked that the attempt is the reader's own.
    """
    rows = (
        QuestionSlot.objects.filter(attempt_id=attempt_id)
        .order_by("position")
        .values_list(
            "pk",
            "position",
            "marks",
            "flagged",
            "version",
            "response",
            "option_order",
            "match_choices",
            "question_id",
            "question__updated_at",
            "question__case_study_id",
        )
    )
    return [SlotState(*row) for row in rows]


@dataclass(frozen=True)
class AttemptHead:
    """What the question page shows of an attempt and its quiz (``attempt_page_read``)."""

    pk: object
    state: str
    deadline: datetime.datetime | None
    grace_seconds: int
    quiz_title: str
    questions_per_page: int

    @property
    def is_finished(self) -> bool:
        return self.state == Attempt.State.FINISHED

    def is_overdue(self, now: datetime.datetime) -> bool:
        """Past the deadline plus the grace period (as ``Attempt.hard_deadline``)."""
        return self.deadline is not None and now > self.deadline + datetime.timedelta(seconds=self.grace_seconds)


_HEAD_FIELDS = (
    Attempt._meta.get_field("state"),
    Attempt._meta.get_field("deadline"),
    Quiz._meta.get_field("grace_seconds"),
    Quiz._meta.get_field("title"),
    Quiz._meta.get_field("questions_per_page"),
    None,  # the content generation
)
_SLOT_FIELDS = (
    *sql.fields(QuestionSlot, "id", "position", "marks", "flagged", "version", "response"),
    *sql.fields(QuestionSlot, "option_order", "match_choices", "question"),
    Question._meta.get_field("updated_at"),
    Question._meta.get_field("case_study"),
)


def _attempt_page_statement() -> str:
    attempt, quiz, slot, question = (sql.table(model) for model in (Attempt, Quiz, QuestionSlot, Question))
    a_col, z_col = partial(sql.column, Attempt, alias="a"), partial(sql.column, Quiz, alias="z")
    s_col, q_col = partial(sql.column, QuestionSlot, alias="s"), partial(sql.column, Question, alias="q")
    columns = ", ".join(
        [
            *(a_col(name) for name in ("state", "deadline")),
            *(z_col(name) for name in ("grace_seconds", "title", "questions_per_page")),
            caching.generation_subquery(),
            *(s_col(f.name) for f in _SLOT_FIELDS[:9]),
            q_col("updated_at"),
            q_col("case_study"),
        ]
    )
    return (
        f"SELECT {columns} FROM {attempt} a "  # noqa: S608 - names from the models, values as parameters
        f"INNER JOIN {quiz} z ON {z_col('id')} = {a_col('quiz')} "
        f"LEFT JOIN {slot} s ON {s_col('attempt')} = {a_col('id')} "
        f"LEFT JOIN {question} q ON {q_col('id')} = {s_col('question')} "
        f"WHERE {a_col('id')} = %s AND {a_col('user')} = %s ORDER BY {s_col('position')}"
    )


def attempt_page_read(attempt_id, user_id: int) -> tuple[AttemptHead, list[SlotState], int | None] | None:
    """The question page's one query: the attempt if it is ``user_id``'s (else None), its quiz's settings,
    every slot in the order shown (as ``attempt_slots``) and the content generation (None: no row yet).

    Written by hand: the ORM took longer to compile this than PostgreSQL to answer it.
    """
    try:
        attempt_param = sql.param(Attempt, "id", attempt_id)
    except (ValueError, ValidationError):
        return None
    statement = sql.once("quizzes.attempt_page_read", _attempt_page_statement)
    with connection.cursor() as cursor:
        cursor.execute(statement, [attempt_param, user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    decode = sql.once("quizzes.attempt_page_read.decode", lambda: sql.decoder((*_HEAD_FIELDS, *_SLOT_FIELDS)))
    rows = [decode(row) for row in rows]
    first = rows[0]
    head = AttemptHead(attempt_id, *first[:5])
    slots = [SlotState(*row[6:]) for row in rows if row[6] is not None]
    return head, slots, first[5]


def navigator_from(slots: list[SlotState], per_page: int) -> list[NavItem]:
    """Every question of the attempt in the order shown, with its page and state, from slots already read."""
    return [
        NavItem(
            slot_id=slot.pk,
            number=index + 1,
            page=(index // per_page + 1) if per_page else 1,
            answered=slot.response is not None,
            flagged=slot.flagged,
        )
        for index, slot in enumerate(slots)
    ]


@dataclass(frozen=True)
class QuestionContent:
    """What every taker of a question sees alike: never a right answer, a share or a feedback.

    ``options``: option id → text, for the choice and matching types (typed
    answers' accepted texts are never read here).
    """

    qtype: str
    stem: str
    case_study_id: int | None
    case_study_title: str
    case_study_scenario: str
    options: dict[int, str]


# Long enough to serve a whole sitting from the cache; a question's edit changes its key at once.
QUESTION_CONTENT_SECONDS = 6 * 3600


# Moved on whenever QuestionContent's fields change, so that a deploy never unpickles an older shape.
QUESTION_CONTENT_FORMAT = 1


def _content_key(question_id: int, version: datetime.datetime) -> str:
    return f"quizzes:question:{QUESTION_CONTENT_FORMAT}:{question_id}:{version.timestamp():.6f}"


def question_contents(versions: dict[int, datetime.datetime]) -> dict[int, QuestionContent]:
    """The content of each question (id → its ``updated_at``), cached per question version.

    Shared by every attempt that drew the question: one cache round trip for
    the page, and two queries for the questions not cached yet.
    """
    keys = {qid: _content_key(qid, version) for qid, version in versions.items()}
    found = cache.get_many(list(keys.values())) if keys else {}
    contents = {qid: found[key] for qid, key in keys.items() if key in found}
    missing = [qid for qid in keys if qid not in contents]
    if missing:
        built = _load_contents(missing)
        cache.set_many({keys[qid]: content for qid, content in built.items()}, QUESTION_CONTENT_SECONDS)
        contents.update(built)
    return contents


def _load_contents(question_ids: list[int]) -> dict[int, QuestionContent]:
    questions = Question.objects.filter(pk__in=question_ids).values_list(
        "pk", "qtype", "stem", "case_study_id", "case_study__title", "case_study__scenario"
    )
    options: dict[int, dict[int, str]] = defaultdict(dict)
    typed = {QuestionType.SHORT.value, QuestionType.NUMERICAL.value}
    rows = list(questions)
    choice_ids = [pk for pk, qtype, *_rest in rows if qtype not in typed]
    if choice_ids:
        for question_id, pk, text in Option.objects.filter(question_id__in=choice_ids).values_list(
            "question_id", "pk", "text"
        ):
            options[question_id][pk] = text
    return {
        pk: QuestionContent(
            qtype=qtype,
            stem=stem,
            case_study_id=case_id,
            case_study_title=case_title or "",
            case_study_scenario=case_scenario or "",
            options=dict(options.get(pk, {})),
        )
        for pk, qtype, stem, case_id, case_title, case_scenario in rows
    }


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
    computed_at: datetime.datetime | None = None


def _pearson(n: int, sx: float, sy: float, sxy: float, sxx: float, syy: float) -> float | None:
    """Pearson's r from the sums the database adds up; None with fewer than two values or no spread."""
    if n < 2:
        return None
    cov = n * sxy - sx * sy
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    # Sums of floats leave a rounding residue where the true spread is nil (every value equal).
    if var_x <= 1e-9 * max(1.0, n * sxx) or var_y <= 1e-9 * max(1.0, n * syy):
        return None
    return cov / math.sqrt(var_x * var_y)


def _chosen_options(response) -> list:
    if not response:
        return []
    return response.get("choices") or ([response["choice"]] if "choice" in response else [])


def quiz_statistics(quiz: Quiz) -> QuizStats:
    """Classical test statistics over finished attempts, added up by the database (four queries).

    Facility: mean fraction of the marks earned. Discrimination: correlation
    between the question's score and the score on the rest of the attempt
    (Moodle's discrimination index), from the sums of each question's scores,
    products and squares: no answer is loaded into Python, so a quiz taken
    100,000 times costs one pass over its answers in the database.
    """
    finished = Attempt.objects.filter(quiz=quiz, state=Attempt.State.FINISHED).order_by()
    percent = Coalesce("percent", Value(Decimal(0)))
    summary = finished.annotate(p=percent).aggregate(
        count=Count("pk"),
        mean=Avg("p"),
        passed=Count("pk", filter=Q(passed=True)),
        bin0=Count("pk", filter=Q(p__lt=10)),
        last=Count("pk", filter=Q(p__gte=(BINS - 1) * 10)),
        **{f"bin{i}": Count("pk", filter=Q(p__gte=i * 10, p__lt=(i + 1) * 10)) for i in range(1, BINS - 1)},
    )
    count = summary["count"]
    labels = [f"{i * 10}–{i * 10 + 10}%" for i in range(BINS)]
    if not count:
        return QuizStats(0, None, None, [(label, 0) for label in labels], [])
    counts = [summary[f"bin{i}"] for i in range(BINS - 1)] + [summary["last"]]
    distribution = list(zip(labels, counts, strict=True))
    # One pass over the answers, grouped by question and, for choice questions, by the answer given
    # (a handful of distinct answers each): the sums per question are added up here from those groups.
    score = Cast(Coalesce("score", Value(Decimal(0))), FloatField())
    x = score / Cast("marks", FloatField())
    y = Cast(Coalesce("attempt__score", Value(Decimal(0))), FloatField()) - score
    as_text = Cast("response", TextField())
    choice = Case(When(question__qtype__in=CHOICE_TYPES, then=as_text), default=None, output_field=TextField())
    groups = (
        QuestionSlot.objects.filter(attempt__quiz=quiz, attempt__state=Attempt.State.FINISHED)
        .order_by()
        .annotate(choice=choice)
        .values("question_id", "choice")
        .annotate(n=Count("pk"), sx=Sum(x), sy=Sum(y), sxy=Sum(x * y), sxx=Sum(x * x), syy=Sum(y * y))
    )
    sums: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0])
    chosen: dict[int, Counter] = defaultdict(Counter)
    for group in groups:
        total = sums[group["question_id"]]
        for i, name in enumerate(("n", "sx", "sy", "sxy", "sxx", "syy")):
            total[i] += group[name] or 0
        answer = json.loads(group["choice"]) if group["choice"] else None
        for option_id in _chosen_options(answer):
            chosen[group["question_id"]][option_id] += group["n"]
    questions = Question.objects.filter(pk__in=sums).prefetch_related("options").order_by("pk")
    stats = []
    for question in questions:
        n, sx, sy, sxy, sxx, syy = sums[question.pk]
        counts_by_option = (
            [(o, chosen[question.pk][o.pk]) for o in question.options.all()] if question.qtype in CHOICE_TYPES else []
        )
        stats.append(QuestionStats(question, n, sx / n, _pearson(n, sx, sy, sxy, sxx, syy), counts_by_option))
    return QuizStats(count, float(summary["mean"]), summary["passed"] / count, distribution, stats)


STATISTICS_MAX_AGE = datetime.timedelta(minutes=15)


def quiz_statistics_recent(quiz: Quiz) -> QuizStats:
    """``quiz_statistics`` as computed at most 15 minutes ago (Moodle keeps its quiz statistics as long).

    A quiz taken 100,000 times takes seconds to add up; an editor reading
    the page again, or several editors, should not each pay for it. The
    page says when the figures were computed.
    """
    key = f"quizzes:statistics:{quiz.pk}"
    stats = cache.get(key)
    if stats is None:
        stats = quiz_statistics(quiz)
        stats.computed_at = timezone.now()
        cache.set(key, stats, STATISTICS_MAX_AGE.total_seconds())
    return stats
