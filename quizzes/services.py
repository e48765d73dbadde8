"""Every write to the question bank and to attempts.

Concurrency: each write to an attempt first locks its row
(``select_for_update``; SQLite's IMMEDIATE transactions serialise writers
anyway), so an answer save and a submit of the same attempt happen one
after the other, and the second submit finds the attempt finished and
grades nothing. An autosave on PostgreSQL takes that lock inside its UPDATE
statement (``_save_one``), with no transaction around its two statements.
Each answer slot carries a ``version``: a save must name the version it has
seen, so a stale tab cannot overwrite a newer answer.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cms.models import RegulationPage
from cms.sanitize import html_to_text, sanitize_html
from core import sql
from core.audit import audit, snapshot
from core.errors import ServiceError
from core.pending import Confirmation, pending_import_confirm, pending_import_create
from core.text import nfc
from quizzes import grading, policies
from quizzes.models import (
    TYPED_TYPES,
    Attempt,
    CaseStudy,
    Category,
    Difficulty,
    Option,
    Question,
    QuestionSlot,
    QuestionType,
    Quiz,
)
from quizzes.policies import can_edit_question_banks
from quizzes.signals import quiz_passed

logger = logging.getLogger("quizzes")
_rng = secrets.SystemRandom()

TRUE_TEXT = "Đúng"
FALSE_TEXT = "Sai"

# What an attempt's history shows of each change.
ATTEMPT_AUDIT_FIELDS = ("state", "number", "deadline", "score", "percent", "passed", "closed_automatically")


# --- question bank -------------------------------------------------------------


@dataclass
class OptionData:
    """An option before it is saved; ``fraction`` is Moodle's share of the marks (None: from ``is_correct``)."""

    text: str
    is_correct: bool = False
    fraction: Decimal | None = None
    match_text: str = ""
    feedback: str = ""
    tolerance: Decimal | None = None  # numerical answers

    @property
    def percent(self) -> Decimal | None:
        return None if self.fraction is None else self.fraction * 100

    @property
    def tolerance_text(self) -> str:
        return "" if self.tolerance is None else f"{self.tolerance.normalize():f}"


FRACTION_PLACES = Decimal("0.0000001")

# What the marks column holds (999.99 in steps of 0.01): checked before saving, never rounded when saved.
_MARKS_FIELD = Question._meta.get_field("marks")
MARKS_STEP = Decimal(1).scaleb(-_MARKS_FIELD.decimal_places)
MAX_MARKS = Decimal(10) ** (_MARKS_FIELD.max_digits - _MARKS_FIELD.decimal_places) - MARKS_STEP


def default_fractions(qtype: str, correct: Sequence[bool]) -> list[Decimal]:
    """Shares for options marked only right or wrong (the XLSX template, the admin, the demo).

    Multiple choice: each right answer earns an equal share and each wrong
    one costs an equal share, so ticking everything earns nothing; the
    other types: a right answer earns all the marks.
    """
    if qtype != QuestionType.MULTIPLE:
        return [Decimal(1) if right else Decimal(0) for right in correct]
    rights = sum(correct)
    wrongs = len(correct) - rights
    return [
        (Decimal(1) / rights).quantize(FRACTION_PLACES) if right else -(Decimal(1) / wrongs).quantize(FRACTION_PLACES)
        for right in correct
    ]


def fill_fractions(data: QuestionData) -> None:
    """Give every option without a share the default one, and mark as right exactly those earning marks."""
    defaults = default_fractions(data.qtype, [o.is_correct for o in data.options])
    for option, default in zip(data.options, defaults, strict=True):
        if option.fraction is None:
            option.fraction = default
        option.is_correct = option.fraction > 0


@dataclass
class QuestionData:
    """A question before it is saved: what importers and the demo produce."""

    qtype: str
    stem: str
    options: list[OptionData] = field(default_factory=list)
    name: str = ""
    feedback: str = ""
    marks: Decimal = Decimal("1")
    difficulty: str = Difficulty.MEDIUM
    partial_credit: bool = False
    accent_insensitive: bool = False
    regulation_number: str = ""
    article: str = ""
    case_study: str = ""  # a case study's title
    case_scenario: str = ""  # its scenario (HTML), when the file carries it
    category: str = ""  # a category name; empty means the import's target


def _fractions(data: QuestionData) -> list[Decimal]:
    defaults = default_fractions(data.qtype, [o.is_correct for o in data.options])
    return [o.fraction if o.fraction is not None else d for o, d in zip(data.options, defaults, strict=True)]


def _share_problems(data: QuestionData, fractions: list[Decimal]) -> list[str]:
    """Moodle's rules for the shares (qtype_multichoice, qtype_shortanswer, qtype_numerical)."""
    if any(not Decimal(-1) <= f <= Decimal(1) for f in fractions):
        return [_("A share of the marks must lie between -100% and 100%.")]
    if not any(f > 0 for f in fractions):
        if data.qtype in (QuestionType.SHORT, QuestionType.NUMERICAL):
            return [_("The question has no accepted answer.")]
        return [_("The question has no right answer.")]
    if data.qtype == QuestionType.MULTIPLE and data.partial_credit:
        total = sum((f for f in fractions if f > 0), Decimal(0))
        if total.quantize(Decimal("0.01")) != 1:
            return [_("The positive shares of a multiple-answer question must add up to 100%.")]
    elif data.qtype in (QuestionType.SINGLE, QuestionType.SHORT, QuestionType.NUMERICAL) and max(fractions) != 1:
        return [_("One of the answers must earn 100%, so that full marks are possible.")]
    return []


def _number_problem(text: str, tolerance: Decimal | None) -> str | None:
    if text.strip() == "*":
        return None
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        return _("“%(text)s” is not a number.") % {"text": text}
    if tolerance is not None and (not tolerance.is_finite() or tolerance < 0):
        return _("A tolerance must be a number of at least 0.")
    return None


def question_problems(data: QuestionData) -> list[str]:
    """What makes a question unusable, in words for the person importing it."""
    problems: list[str] = []
    if not html_to_text(data.stem).strip():
        problems.append(_("The question has no text."))
    if data.qtype not in QuestionType.values:
        problems.append(_("Unknown question type “%(type)s”.") % {"type": data.qtype})
        return problems
    if data.qtype == QuestionType.MATCHING:
        if any(not o.match_text.strip() for o in data.options):
            problems.append(_("Every item of a matching question needs its right-hand answer."))
        # Options without a left-hand text are distractors: more answers to choose from.
        pairs = [o for o in data.options if html_to_text(o.text).strip()]
        if len(pairs) < 2:
            problems.append(_("A matching question needs at least two complete pairs."))
    elif data.qtype in (QuestionType.SHORT, QuestionType.NUMERICAL):
        if any(not html_to_text(o.text).strip() for o in data.options):
            problems.append(_("An answer is empty."))
        if data.qtype == QuestionType.NUMERICAL:
            problems.extend(
                problem for o in data.options if (problem := _number_problem(html_to_text(o.text), o.tolerance))
            )
        problems.extend(_share_problems(data, _fractions(data)))
    else:
        if len(data.options) < 2:
            problems.append(_("The question needs at least two options."))
        if any(not o.text.strip() for o in data.options):  # an image alone is an option
            problems.append(_("An answer is empty."))
        fractions = _fractions(data)
        problems.extend(_share_problems(data, fractions))
        if data.qtype == QuestionType.TRUE_FALSE and sum(f > 0 for f in fractions) != 1:
            problems.append(_("A true/false question has one right answer."))
    if not data.marks.is_finite() or not MARKS_STEP <= data.marks <= MAX_MARKS or data.marks % MARKS_STEP:
        problems.append(
            _("Marks must lie between %(min)s and %(max)s, with at most %(places)d decimals.")
            % {"min": MARKS_STEP, "max": MAX_MARKS, "places": _MARKS_FIELD.decimal_places}
        )
    if data.difficulty not in Difficulty.values:
        problems.append(_("Unknown difficulty “%(value)s”.") % {"value": data.difficulty})
    problems.extend(_length_problems(data))
    return problems


def _length_problems(data: QuestionData) -> list[str]:
    """Texts longer than their columns: refused before saving, never cut short when saved."""
    texts = [
        (data.name, Question, "name", _("The question's title is longer than %(max)d characters.")),
        (data.article, Question, "article", _("The article is longer than %(max)d characters.")),
        (data.category, Category, "name", _("The category name is longer than %(max)d characters.")),
        (data.case_study, CaseStudy, "title", _("The case study's title is longer than %(max)d characters.")),
        *(
            (html_to_text(o.match_text), Option, "match_text",
             _("A right-hand item of the matching question is longer than %(max)d characters."))
            for o in data.options
        ),
    ]  # fmt: skip
    problems: list[str] = []
    for text, model, name, message in texts:
        limit = model._meta.get_field(name).max_length
        if len(nfc(text) or "") > limit and message % {"max": limit} not in problems:
            problems.append(message % {"max": limit})
    return problems


def true_false_options(answer: bool, *, feedback_true: str = "", feedback_false: str = "") -> list[OptionData]:
    return [
        OptionData(TRUE_TEXT, is_correct=answer, feedback=feedback_true),
        OptionData(FALSE_TEXT, is_correct=not answer, feedback=feedback_false),
    ]


@transaction.atomic
def questions_create(
    *, category: Category, questions: Sequence[QuestionData], regulations: dict[str, RegulationPage] | None = None
) -> list[Question]:
    """Save already validated questions (importers validate the whole file first)."""
    if regulations is None:
        numbers = {q.regulation_number for q in questions if q.regulation_number}
        regulations = {r.document_number: r for r in RegulationPage.objects.filter(document_number__in=numbers)}
    categories: dict[str, Category] = {category.name: category}
    cases: dict[str, CaseStudy] = {}
    created = []
    for data in questions:
        fill_fractions(data)
        problems = question_problems(data)
        if problems:
            raise ServiceError("invalid_question", problems[0])
        target = category
        if data.category and data.category != category.name:
            if data.category not in categories:
                categories[data.category], _created = Category.objects.get_or_create(name=nfc(data.category))
            target = categories[data.category]
        case = None
        if data.case_study:
            if data.case_study not in cases:
                cases[data.case_study], _created = CaseStudy.objects.get_or_create(
                    title=nfc(data.case_study), defaults={"scenario": data.case_scenario}
                )
                if data.case_scenario and not cases[data.case_study].scenario:
                    cases[data.case_study].scenario = data.case_scenario
                    cases[data.case_study].save(update_fields=["scenario"])
            case = cases[data.case_study]
        question = Question(
            category=target,
            qtype=data.qtype,
            name=data.name,
            stem=data.stem,
            feedback=data.feedback,
            marks=data.marks,
            difficulty=data.difficulty,
            partial_credit=data.partial_credit,
            accent_insensitive=data.accent_insensitive,
            regulation=regulations.get(data.regulation_number),
            article=data.article,
            case_study=case,
        )
        question.save()
        Option.objects.bulk_create(
            [
                Option(
                    question=question,
                    sort_order=index,
                    text=sanitize_html(o.text),
                    is_correct=o.is_correct,
                    fraction=o.fraction,
                    tolerance=o.tolerance,
                    match_text=html_to_text(o.match_text),
                    feedback=sanitize_html(o.feedback),
                )
                for index, o in enumerate(data.options)
            ]
        )
        created.append(question)
    return created


# --- attempts --------------------------------------------------------------------


def _pick_units(units: list[list[int]], count: int) -> list[int]:
    """Pick whole units at random, as many questions as possible up to ``count``.

    ``units`` are lists of question ids: a case study's questions (one
    unit) or a lone question. The units are shuffled and walked in that
    order; each is taken if it fits in what remains of the count and the
    rest can still be filled to the best total any choice of whole units
    reaches (a subset sum, kept as bitsets: one integer per unit). So a
    count that whole units can fill exactly is always filled exactly; when
    none can (say 4 asked, and only case studies of 3), the draw stops at
    the largest total below the count (3) rather than split one.
    """
    order = units[:]
    _rng.shuffle(order)
    mask = (1 << (count + 1)) - 1
    # reach[i]: bit s set when units order[i:] can make exactly s questions.
    reach = [1] * (len(order) + 1)
    for i in range(len(order) - 1, -1, -1):
        reach[i] = (reach[i + 1] | (reach[i + 1] << len(order[i]))) & mask
    target = reach[0].bit_length() - 1  # the best total not above the count
    picked: list[int] = []
    for i, unit in enumerate(order):
        if target == 0:
            break
        size = len(unit)
        if size <= target and reach[i + 1] >> (target - size) & 1:
            picked.extend(unit)
            target -= size
    return picked


def _draw(quiz: Quiz) -> list[dict]:
    """Questions for a new attempt, obeying the quiz's rules.

    Each rule draws ``count`` active questions from its category at random.
    A case study is one unit: its questions in that category are drawn all
    together or not at all, and count toward the rule's number. A case
    study larger than what remains of the count is passed over for other
    questions; when whole units cannot make the count exactly, the rule
    draws as many as they can without going over (never splitting a case
    study), so such an attempt has fewer questions than the rules add up
    to. A category with fewer active questions than its count is refused.
    Shown in order or shuffled, a case study's questions stay together as
    one block, in the order they were written (by id).

    Queries: one for the rules, one per rule, then one each for the drawn
    questions and their options, whatever the size of the bank.
    """
    chosen = _draw_question_ids(quiz)
    if not chosen:
        raise ServiceError("no_questions", _("This quiz has no questions yet."))
    questions, options = _question_details(chosen)
    order = _presentation_order(chosen, questions, shuffle=quiz.shuffle_questions)
    return [_slot(questions[qid], options[qid], shuffle_options=quiz.shuffle_options) for qid in order]


def _by_case_study(questions: Iterable[tuple[int, int | None]]) -> list[list[int]]:
    """Question ids (given with their case study) as units: a case study's together, each other one alone."""
    units: dict[object, list[int]] = {}
    for qid, case_id in questions:
        units.setdefault(case_id or f"q{qid}", []).append(qid)
    return list(units.values())


def _draw_question_ids(quiz: Quiz) -> list[int]:
    """Each rule's random pick of whole units from its category, rule after rule, no question twice."""
    chosen: list[int] = []
    for rule in quiz.rules.select_related("category").order_by("sort_order"):
        pool = list(
            Question.objects.filter(category_id=rule.category_id, is_active=True)
            .exclude(pk__in=chosen)
            .order_by("pk")
            .values_list("pk", "case_study_id")
        )
        if len(pool) < rule.count:
            raise ServiceError(
                "not_enough_questions",
                _("The category “%(category)s” has %(have)d questions; the quiz needs %(need)d.")
                % {"category": rule.category.name, "have": len(pool), "need": rule.count},
            )
        picked = _pick_units(_by_case_study(pool), rule.count)
        if len(picked) < rule.count:
            logger.warning(
                "Quiz %s, category %s: drew %d of %d questions (case studies are never split).",
                quiz.pk,
                rule.category_id,
                len(picked),
                rule.count,
            )
        chosen.extend(picked)
    return chosen


def _question_details(chosen: list[int]) -> tuple[dict[int, dict], dict[int, list[tuple[int, str]]]]:
    """The drawn questions' type, marks and case study, and their options in authored order: two queries."""
    questions = {
        q["pk"]: q for q in Question.objects.filter(pk__in=chosen).values("pk", "qtype", "marks", "case_study_id")
    }
    options: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for qid, oid, match in (
        Option.objects.filter(question_id__in=chosen)
        .order_by("sort_order", "pk")
        .values_list("question_id", "pk", "match_text")
    ):
        options[qid].append((oid, match))
    return questions, options


def _presentation_order(chosen: list[int], questions: dict[int, dict], *, shuffle: bool) -> list[int]:
    """The order shown: a case study's questions stay together, in authored order, whatever the shuffle."""
    blocks = _by_case_study((qid, questions[qid]["case_study_id"]) for qid in sorted(chosen))
    if shuffle:
        _rng.shuffle(blocks)
    return [qid for block in blocks for qid in block]


def _slot(info: dict, options: list[tuple[int, str]], *, shuffle_options: bool) -> dict:
    """One question's place in the attempt: its marks, the options in the order shown, the matching choices."""
    ids = [oid for oid, _m in options]
    match_choices: list[str] = []
    if info["qtype"] in TYPED_TYPES:
        ids = []  # accepted answers are never shown
    elif info["qtype"] == QuestionType.MATCHING:
        match_choices = sorted({m for _oid, m in options})
        _rng.shuffle(match_choices)
    if shuffle_options and info["qtype"] != QuestionType.TRUE_FALSE:
        _rng.shuffle(ids)
    return {"question_id": info["pk"], "marks": info["marks"], "option_order": ids, "match_choices": match_choices}


@transaction.atomic
def attempt_start(*, quiz: Quiz, user: User, now: datetime | None = None) -> Attempt:
    """Start an attempt, or return the one in progress (a second tab resumes it).

    Only under the rules of what holds the quiz (``policies.quiz_access``):
    a course's enrolment and finished modules, an event's registration and start.
    """
    access = policies.quiz_access(user, quiz)
    if not access.allowed:
        raise ServiceError("quiz_not_available", access.reason or _("This quiz is not open to you."))
    now = now or timezone.now()
    # Serialise starts by the same person (double click, two tabs).
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    current = Attempt.objects.filter(quiz=quiz, user=user, state=Attempt.State.IN_PROGRESS).first()
    if current is not None:
        if not _is_overdue(current, now):
            return current
        _finish(current, now=now, automatic=True)
    if not quiz.is_open(now):
        raise ServiceError("quiz_closed", _("This quiz is not open now."))
    count = Attempt.objects.filter(quiz=quiz, user=user).count()
    if quiz.max_attempts and count >= quiz.max_attempts:
        raise ServiceError("no_attempts_left", _("You have used all your attempts at this quiz."))
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.close_at and (deadline is None or quiz.close_at < deadline):
        deadline = quiz.close_at
    slots = _draw(quiz)
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=count + 1,
        started_at=now,
        deadline=deadline,
        max_score=sum((s["marks"] for s in slots), Decimal("0")),
    )
    QuestionSlot.objects.bulk_create(
        [QuestionSlot(attempt=attempt, position=index, **slot) for index, slot in enumerate(slots, start=1)]
    )
    audit(attempt, "quizzes.attempt.start", actor=user, after=snapshot(attempt, ATTEMPT_AUDIT_FIELDS))
    return attempt


def _is_overdue(attempt: Attempt, now: datetime) -> bool:
    hard = attempt.hard_deadline()
    return hard is not None and now > hard


@dataclass
class AnswerInput:
    """One question's answer as the browser sends it.

    ``values``: positions of the chosen options in the order shown (``"0"``,
    ``"2"``), or the typed text of a short answer; ``matches``: for matching,
    position of the left item → index into the slot's ``match_choices``.
    """

    slot_id: int
    values: list[str]
    matches: dict[str, str] = field(default_factory=dict)
    version: int = 0


def _lock(attempt_id, user: User) -> Attempt:
    # of=self: the attempt's row only. Locking the quiz's row too (a plain FOR UPDATE over the join) made
    # every taker of the quiz wait for every other's save.
    try:
        return Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt_id, user=user)
    except (Attempt.DoesNotExist, ValueError, ValidationError):
        raise ServiceError("not_found", _("No such attempt.")) from None


def _read_statement(count: int, *, lock: bool = True) -> str:
    """The attempt (if it is the user's) with its quiz's grace period, and the named slots of it with their
    question's type: outer joins, so that the attempt is found, and locked, even when no slot is on it."""
    a_col, z_col = partial(sql.column, Attempt, alias="a"), partial(sql.column, Quiz, alias="z")
    s_col, q_col = partial(sql.column, QuestionSlot, alias="s"), partial(sql.column, Question, alias="q")
    slots = ", ".join(["%s"] * count)
    # On PostgreSQL the attempt's row alone is locked (as ``_lock``'s): a plain FOR UPDATE over the join would lock
    # the quiz's row too, and every taker of the quiz would wait for every other's save. SQLite has no row locks:
    # its IMMEDIATE transactions take the database's write lock at BEGIN.
    for_update = " FOR UPDATE OF a" if lock and connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {a_col('state')}, {a_col('deadline')}, {z_col('grace_seconds')}, "  # noqa: S608 - names from models
        f"{', '.join(s_col(name) for name in _SAVE_SLOT_COLUMNS)}, {q_col('qtype')} "
        f"FROM {sql.table(Attempt)} a INNER JOIN {sql.table(Quiz)} z ON {z_col('id')} = {a_col('quiz')} "
        f"LEFT JOIN {sql.table(QuestionSlot)} s ON {s_col('attempt')} = {a_col('id')} AND {s_col('id')} IN ({slots}) "
        f"LEFT JOIN {sql.table(Question)} q ON {q_col('id')} = {s_col('question')} "
        f"WHERE {a_col('id')} = %s AND {a_col('user')} = %s{for_update}"
    )


# What an answer needs of a slot: its options as shown and its current answer and version.
_SAVE_SLOT_COLUMNS = ("id", "question", "option_order", "match_choices", "response", "version")
_SAVE_FIELDS = (
    *sql.fields(Attempt, "state", "deadline"),
    Quiz._meta.get_field("grace_seconds"),
    *sql.fields(QuestionSlot, *_SAVE_SLOT_COLUMNS),
    Question._meta.get_field("qtype"),
)


@dataclass
class _SaveRead:
    """An attempt read (and locked, but in ``_save_one``) for an answer's save, and the named slots of it."""

    attempt: Attempt
    grace_seconds: int
    slots: dict[int, QuestionSlot]
    qtypes: dict[int, str]  # slot id → its question's type

    def is_overdue(self, now: datetime) -> bool:
        deadline = self.attempt.deadline
        return deadline is not None and now > deadline + timedelta(seconds=self.grace_seconds)


def _lock_with_slots(attempt_id, user: User, slot_ids: list[int], *, lock: bool = True) -> _SaveRead:
    """The attempt locked, with its quiz's grace period and the named slots and their questions' types, in one query.

    ``lock=False``: read only (``_save_one``, whose write takes the lock). The
    ``user`` condition makes the read the ownership check too. Slots not on
    the attempt are left out (``_apply`` refuses them); the attempt is locked
    and read even when none is on it. One hand-written statement, built once
    per connection: the ORM spent longer compiling the query than the
    database answering it, and an autosave runs every few seconds per trainee.
    """
    try:
        params = [*slot_ids, sql.param(Attempt, "id", attempt_id), user.pk]
    except (ValueError, ValidationError):
        raise ServiceError("not_found", _("No such attempt.")) from None
    count = len(slot_ids) or 1
    # An autosave names one slot: that statement is kept; a page posted without JavaScript names any number.
    if count == 1:
        statement = sql.once(f"quizzes.save_read.{int(lock)}", lambda: _read_statement(1, lock=lock))
    else:
        statement = _read_statement(count, lock=lock)
    with connection.cursor() as cursor:
        cursor.execute(statement, params if slot_ids else [None, *params])
        rows = cursor.fetchall()
    if not rows:
        raise ServiceError("not_found", _("No such attempt."))
    decode = sql.once("quizzes.save_read.decode", lambda: sql.decoder(_SAVE_FIELDS))
    rows = [decode(row) for row in rows]
    state, deadline, grace = rows[0][:3]
    attempt = Attempt(id=attempt_id, user_id=user.pk, state=state, deadline=deadline)
    slots, qtypes = {}, {}
    for row in rows:
        pk, question_id, option_order, match_choices, response, version, qtype = row[3:]
        if pk is None:
            continue
        slots[pk] = QuestionSlot(
            id=pk,
            attempt=attempt,
            question_id=question_id,
            option_order=option_order,
            match_choices=match_choices,
            response=response,
            version=version,
        )
        qtypes[pk] = qtype
    return _SaveRead(attempt, grace, slots, qtypes)


def _refuse(code: str, message: str, attempt: Attempt, detail: str) -> ServiceError:
    logger.warning("quiz answer refused: %s attempt=%s user=%s %s", code, attempt.pk, attempt.user_id, detail)
    return ServiceError(code, message)


def _position(value: str, size: int) -> int | None:
    """``value`` as an index below ``size``, or None (``"²"`` is a digit but no number)."""
    # Short before int(): Python refuses to convert more than 4,300 digits.
    if value.isascii() and value.isdigit() and len(value) <= 9 and int(value) < size:
        return int(value)
    return None


# What the answer box allows (maxlength on the page); longer posts are refused.
MAX_TYPED_ANSWER = 500


def _response(slot: QuestionSlot, answer: AnswerInput, attempt: Attempt, qtype: str) -> dict | None:
    """The stored form of an answer, refusing anything that is not on the slot.

    The browser names options by their position in the order shown, never by
    database id (ids are created in the author's order, and authors often put
    the right answer first); the stored response holds option ids.
    """
    values = [v.strip() for v in answer.values if v and v.strip()]
    if qtype in TYPED_TYPES:
        text = nfc(" ".join(values))
        if len(text) > MAX_TYPED_ANSWER:
            # Refused, never cut: a trainee's words are not shortened behind their back.
            raise ServiceError(
                "answer_too_long",
                _("An answer may have at most %(limit)d characters; this one has %(count)d.")
                % {"limit": MAX_TYPED_ANSWER, "count": len(text)},
            )
        if text and qtype == QuestionType.NUMERICAL and grading.parse_number(text) is None:
            raise ServiceError(
                "not_a_number", _("“%(text)s” is not a number: write it like 2024, 3,5 or -0.25.") % {"text": text}
            )
        return {"text": text} if text else None
    shown = slot.option_order
    if qtype == QuestionType.MATCHING:
        matches: dict[str, int] = {}
        for left, value in answer.matches.items():
            if not value:
                continue
            if _position(left, len(shown)) is None or _position(value, len(slot.match_choices)) is None:
                raise _refuse("foreign_option", _("That answer does not belong to this question."), attempt, left)
            matches[str(shown[int(left)])] = int(value)
        return {"matches": matches} if matches else None
    if any(_position(v, len(shown)) is None for v in values):
        raise _refuse("foreign_option", _("That answer does not belong to this question."), attempt, str(values))
    ids = [shown[int(v)] for v in values]
    if qtype == QuestionType.MULTIPLE:
        return {"choices": sorted(set(ids))} if ids else None
    if len(ids) > 1:
        raise _refuse("foreign_option", _("Choose one answer only."), attempt, str(ids))
    return {"choice": ids[0]} if ids else None


def _update_statement() -> str:
    t, c = sql.table(QuestionSlot), partial(sql.column, QuestionSlot)
    return (
        f"UPDATE {t} SET {c('response')} = %s, {c('version')} = {c('version')} + 1, {c('answered_at')} = %s "  # noqa: S608
        f"WHERE {c('id')} = %s AND {c('version')} = %s"
    )


def _write_answer(slot: QuestionSlot, response: dict | None, version: int, now: datetime) -> bool:
    """One answer written if the slot is still at ``version`` (its attempt locked by the caller's transaction): one
    hand-written UPDATE, its values prepared by the model's fields (the JSON encoded as ``JSONField`` encodes it)."""
    params = [sql.param(QuestionSlot, "response", response), sql.param(QuestionSlot, "answered_at", now)]
    with connection.cursor() as cursor:
        cursor.execute(sql.once("quizzes.answer_update", _update_statement), [*params, slot.pk, version])
        return cursor.rowcount == 1


def _locking_update_statement() -> str:
    a_col, t = partial(sql.column, Attempt, alias="a"), sql.table(QuestionSlot)
    c, s_col = partial(sql.column, QuestionSlot), partial(sql.column, QuestionSlot, alias="s")
    return (
        # The attempt's row locked first, as every write to an attempt does (``_lock``), and its state and deadline
        # checked again once locked: a submit holding the lock is waited for, and then nothing is written.
        f"WITH locked AS (SELECT {a_col('id')} FROM {sql.table(Attempt)} a "  # noqa: S608 - names from the models
        f"WHERE {a_col('id')} = %s AND {a_col('user')} = %s AND {a_col('state')} = %s "
        f"AND {a_col('deadline')} IS NOT DISTINCT FROM %s FOR UPDATE) "
        f"UPDATE {t} s SET {c('response')} = %s, {c('version')} = {s_col('version')} + 1, {c('answered_at')} = %s "
        f"FROM locked WHERE {s_col('id')} = %s AND {s_col('attempt')} = locked.id AND {s_col('version')} = %s"
    )


class _Contended(Exception):
    """The attempt or the slot changed between ``_save_one``'s read and its write: decide again under the lock."""


def _write_answer_locking(attempt: Attempt) -> Callable[[QuestionSlot, dict | None, int, datetime], bool]:
    """``_write_answer`` for a caller outside a transaction: the statement locks the attempt itself, writes only if
    the attempt is still open with the deadline read, and raises ``_Contended`` if it wrote nothing."""

    def write(slot: QuestionSlot, response: dict | None, version: int, now: datetime) -> bool:
        params = [
            sql.param(Attempt, "id", attempt.pk),
            attempt.user_id,
            Attempt.State.IN_PROGRESS.value,
            sql.param(Attempt, "deadline", attempt.deadline),
            sql.param(QuestionSlot, "response", response),
            sql.param(QuestionSlot, "answered_at", now),
            slot.pk,
            version,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql.once("quizzes.answer_update_locking", _locking_update_statement), params)
            if cursor.rowcount != 1:
                raise _Contended
        return True

    return write


def _apply(
    attempt: Attempt,
    answers: Sequence[AnswerInput],
    now: datetime,
    slots: dict[int, QuestionSlot] | None = None,
    qtypes: dict[int, str] | None = None,
    write: Callable[[QuestionSlot, dict | None, int, datetime], bool] = _write_answer,
) -> tuple[list[QuestionSlot], list[int]]:
    """Write the answers to the attempt's slots (``slots`` and their questions' ``qtypes``: already read with the
    lock, else read here)."""
    if slots is None or qtypes is None:
        slots = {
            s.pk: s
            for s in QuestionSlot.objects.filter(attempt=attempt, pk__in=[a.slot_id for a in answers]).select_related(
                "question"
            )
        }
        qtypes = {pk: slot.question.qtype for pk, slot in slots.items()}
    saved, stale = [], []
    for slot in slots.values():
        slot.attempt = attempt  # the locked attempt: callers read its deadline without another query
    for answer in answers:
        slot = slots.get(answer.slot_id)
        if slot is None:
            raise _refuse(
                "foreign_question", _("That question is not part of this attempt."), attempt, str(answer.slot_id)
            )
        response = _response(slot, answer, attempt, qtypes[slot.pk])
        if answer.version != slot.version:
            stale.append(slot.pk)
            continue
        if response == slot.response:
            saved.append(slot)
            continue
        if not write(slot, response, answer.version, now):  # pragma: no cover - the attempt lock prevents it
            stale.append(slot.pk)
            continue
        slot.response, slot.version, slot.answered_at = response, slot.version + 1, now
        saved.append(slot)
    return saved, stale


def answers_save(
    *, attempt_id, user: User, answers: Sequence[AnswerInput], now: datetime | None = None
) -> tuple[list[QuestionSlot], list[int]]:
    """Save answers; returns (saved slots, ids of slots whose version was stale).

    Past the deadline plus grace the attempt is closed and graded and the
    answers refused (``deadline_passed``).
    """
    now = now or timezone.now()
    # PostgreSQL: its row locks (and its IS NOT DISTINCT FROM) serve the two-statement save. SQLite's write lock is
    # taken at BEGIN (IMMEDIATE), so there a save is always a transaction.
    if len(answers) == 1 and connection.vendor == "postgresql":
        saved = _save_one(attempt_id, user, answers[0], now)
        if saved is not None:
            return saved
    with transaction.atomic():
        # One read: the lock, the ownership check and the slots to write (an autosave runs every few seconds
        # per trainee); then one UPDATE per changed answer and nothing read after it.
        locked = _lock_with_slots(attempt_id, user, [a.slot_id for a in answers])
        attempt = locked.attempt
        if attempt.is_finished:
            raise _refuse("attempt_finished", _("This attempt has already been submitted."), attempt, "")
        if not locked.is_overdue(now):
            return _apply(attempt, answers, now, locked.slots, locked.qtypes)
        # Rare: the whole attempt (already locked by this transaction) for the grading and its audit.
        attempt = _lock(attempt_id, user)
        _finish(attempt, now=now, automatic=True)
    logger.warning("quiz answer refused: deadline_passed attempt=%s user=%s", attempt.pk, user.pk)
    raise ServiceError(
        "deadline_passed",
        _("Time is up: this answer arrived after the deadline and was not saved. Your earlier answers were graded."),
    )


def _save_one(
    attempt_id, user: User, answer: AnswerInput, now: datetime
) -> tuple[list[QuestionSlot], list[int]] | None:
    """An autosave on PostgreSQL in two statements and no transaction around them (no BEGIN, no COMMIT): a read,
    then an UPDATE that locks the attempt's row itself and writes only if the attempt is still open, with the
    deadline read, and the slot still at the version read. None: let ``answers_save``'s transaction decide (an
    overdue attempt to grade, or anything changed between the two statements).

    What is decided before the write holds without the lock: an attempt's slots and their options never change,
    a finished attempt never reopens, and a version only ever moves on (a stale answer stays stale).
    """
    locked = _lock_with_slots(attempt_id, user, [answer.slot_id], lock=False)
    attempt = locked.attempt
    if attempt.is_finished:
        raise _refuse("attempt_finished", _("This attempt has already been submitted."), attempt, "")
    if locked.is_overdue(now):
        return None
    try:
        return _apply(attempt, [answer], now, locked.slots, locked.qtypes, write=_write_answer_locking(attempt))
    except _Contended:
        return None


def slots_flag(*, attempt_id, user: User, flags: dict[int, bool], now: datetime | None = None) -> int:
    """Set or clear the taker's "flag for review" on slots of an open attempt; returns how many changed.

    A flag is no answer: it moves no version (an answer saved in another tab
    stays valid) and is refused, like an answer, once the attempt is finished
    or past its deadline plus grace.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _lock(attempt_id, user)
        if attempt.is_finished:
            raise _refuse("attempt_finished", _("This attempt has already been submitted."), attempt, "")
        if not _is_overdue(attempt, now):
            known = set(QuestionSlot.objects.filter(attempt=attempt, pk__in=flags).values_list("pk", flat=True))
            if known != set(flags):
                raise _refuse(
                    "foreign_question",
                    _("That question is not part of this attempt."),
                    attempt,
                    str(set(flags) - known),
                )
            changed = 0
            for value in (True, False):
                ids = [pk for pk, flagged in flags.items() if flagged is value]
                if ids:
                    changed += (
                        QuestionSlot.objects.filter(attempt=attempt, pk__in=ids)
                        .exclude(flagged=value)
                        .update(flagged=value)
                    )
            return changed
        _finish(attempt, now=now, automatic=True)
    raise ServiceError(
        "deadline_passed", _("Time ran out: the attempt was closed and graded with the answers saved by then.")
    )


def attempt_submit(
    *, attempt_id, user: User, answers: Sequence[AnswerInput] = (), now: datetime | None = None
) -> Attempt:
    """Finish and grade an attempt once; a repeated submit is refused (``attempt_finished``)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _lock(attempt_id, user)
        if attempt.is_finished:
            raise _refuse("attempt_finished", _("This attempt has already been submitted."), attempt, "")
        overdue = _is_overdue(attempt, now)
        if answers and not overdue:
            _apply(attempt, answers, now)
        _finish(attempt, now=now, automatic=overdue)
    return attempt


def attempt_close_if_overdue(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """On access: an attempt past its deadline plus grace is graded as it stands."""
    now = now or timezone.now()
    if attempt.is_finished or not _is_overdue(attempt, now):
        return attempt
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
        if not locked.is_finished:
            _finish(locked, now=now, automatic=True)
    return locked


def attempts_close_overdue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Close every overdue attempt (the beat task); each in its own transaction."""
    now = now or timezone.now()
    closed = 0
    candidates = (
        Attempt.objects.filter(state=Attempt.State.IN_PROGRESS, deadline__isnull=False, deadline__lt=now)
        .select_related("quiz")
        .order_by("deadline")[:limit]
    )
    for attempt in candidates:
        before = attempt.is_finished
        attempt = attempt_close_if_overdue(attempt=attempt, now=now)
        closed += int(attempt.is_finished and not before)
    return closed


def _finish(attempt: Attempt, *, now: datetime, automatic: bool) -> None:
    slots = list(attempt.slots.select_related("question").prefetch_related("question__options"))
    total = Decimal("0")
    for slot in slots:
        fraction = grading.grade(slot.question, list(slot.question.options.all()), slot.response, slot.match_choices)
        slot.score = (fraction * slot.marks).quantize(Decimal("0.0001"))
        total += slot.score
    QuestionSlot.objects.bulk_update(slots, ["score"])
    attempt.state = Attempt.State.FINISHED
    attempt.finished_at = now
    attempt.closed_automatically = automatic
    attempt.score = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    percent = (total * 100 / attempt.max_score) if attempt.max_score else Decimal("0")
    attempt.percent = percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    attempt.passed = attempt.percent >= attempt.quiz.pass_percent
    attempt.save(update_fields=["state", "finished_at", "closed_automatically", "score", "percent", "passed"])
    # Closed at its deadline by the platform, or submitted by its taker.
    audit(
        attempt,
        "quizzes.attempt.submit",
        actor=None if automatic else attempt.user,
        before={"state": Attempt.State.IN_PROGRESS},
        after=snapshot(attempt, ATTEMPT_AUDIT_FIELDS),
    )

    if attempt.passed:
        transaction.on_commit(lambda: quiz_passed.send(sender=Quiz, attempt=attempt))


IMPORT_KIND = "quizzes.bank"


def _require_bank_editor(actor: User) -> None:
    if not can_edit_question_banks(actor):
        raise ServiceError("forbidden", _("Only content editors and moderators import questions."))


def bank_import_prepare(*, actor: User, category: Category, fmt: str, content: bytes, filename: str = "") -> str:
    """Keep a file that previewed cleanly server-side; returns the one-time token its confirmation needs."""
    _require_bank_editor(actor)
    payload = {
        "category": category.pk,
        "format": fmt,
        "filename": filename[:255],
        "content": base64.b64encode(content).decode("ascii"),
    }
    return pending_import_create(kind=IMPORT_KIND, actor_id=actor.pk, data=content, payload=payload)


def bank_import_confirm(*, actor: User, token: str) -> Confirmation:
    """Import a previewed file once (core.pending): a repeated confirmation imports nothing.

    The result, kept for repeated confirmations, is ``{"count": …, "category": …}``.
    Raises ``quizzes.formats.ImportProblems`` if the file no longer imports
    (a regulation it names was deleted since the preview); the token then
    stays usable.
    """
    _require_bank_editor(actor)

    def run(payload: dict) -> dict:
        category = Category.objects.filter(pk=payload["category"]).first()
        if category is None:
            raise ServiceError("import_expired", _("The upload has expired; please upload the file again."))
        content = base64.b64decode(payload["content"])
        created = bank_import(category=category, fmt=payload["format"], content=content, filename=payload["filename"])
        return {"count": len(created), "category": category.name}

    return pending_import_confirm(token=token, kind=IMPORT_KIND, actor_id=actor.pk, run=run)


def bank_import(*, category: Category, fmt: str, content: bytes, filename: str = "") -> list[Question]:
    """Parse and validate a whole file, then save all of it or nothing.

    Raises ``quizzes.formats.ImportProblems`` listing every problem with its place.
    """
    from quizzes import formats  # formats builds on this module's QuestionData

    parsed = formats.parse(fmt, content, filename=filename)
    return questions_create(category=category, questions=[item.data for item in parsed])
