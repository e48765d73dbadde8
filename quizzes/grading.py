"""Grading of one answer: pure functions over a question's options.

A score is the fraction of the question's marks earned, between 0 and 1.
Responses are JSON as stored on ``AttemptQuestion.response``:
single/true-false ``{"choice": id}``, multiple ``{"choices": [ids]}``,
short ``{"text": "..."}``, matching ``{"matches": {"<option id>": index}}``
where ``index`` points into the attempt's shuffled ``match_choices``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cms.sanitize import html_to_text
from core.text import collapse_spaces, fold, nfc
from quizzes.models import Option, Question, QuestionType

ZERO = Decimal("0")
ONE = Decimal("1")


def normalise_answer(text: str, *, accent_insensitive: bool) -> str:
    """Short answers compare without case, extra spaces or final punctuation."""
    value = collapse_spaces(nfc(text) or "").strip(" .;,!?").casefold()
    return fold(value) if accent_insensitive else value


def grade(
    question: Question, options: Sequence[Option], response: dict | None, match_choices: Sequence[str]
) -> Decimal:
    if not response:
        return ZERO
    qtype = question.qtype
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        chosen = response.get("choice")
        return next((_weight(o) for o in options if o.pk == chosen and o.is_correct), ZERO)
    if qtype == QuestionType.MULTIPLE:
        return _grade_multiple(question, options, set(response.get("choices") or ()))
    if qtype == QuestionType.SHORT:
        given = normalise_answer(response.get("text") or "", accent_insensitive=question.accent_insensitive)
        if not given:
            return ZERO
        return next(
            (
                _weight(o)
                for o in options
                if o.is_correct
                and normalise_answer(html_to_text(o.text), accent_insensitive=question.accent_insensitive) == given
            ),
            ZERO,
        )
    if qtype == QuestionType.MATCHING:
        matches = response.get("matches") or {}
        right = 0
        for option in options:
            index = matches.get(str(option.pk))
            if isinstance(index, int) and 0 <= index < len(match_choices) and match_choices[index] == option.match_text:
                right += 1
        if not options:
            return ZERO
        if question.partial_credit:
            return Decimal(right) / Decimal(len(options))
        return ONE if right == len(options) else ZERO
    return ZERO


def _weight(option: Option) -> Decimal:
    # A GIFT "=%50%" answer earns half; a plain right answer earns everything.
    return option.fraction if option.fraction is not None and option.fraction > 0 else ONE


def _grade_multiple(question: Question, options: Sequence[Option], chosen: set[int]) -> Decimal:
    correct = {o.pk for o in options if o.is_correct}
    wrong = {o.pk for o in options if not o.is_correct}
    if not question.partial_credit:
        return ONE if chosen == correct else ZERO
    if any(o.fraction is not None for o in options):
        # Moodle-style weights: each chosen option adds its (possibly negative) share.
        total = sum((o.fraction or ZERO for o in options if o.pk in chosen), ZERO)
    else:
        # Right picks earn, wrong picks cost, so ticking everything earns nothing.
        total = Decimal(len(chosen & correct)) / max(len(correct), 1) - Decimal(len(chosen & wrong)) / max(
            len(wrong), 1
        )
    # GIFT writes a third as 33.33333%: three of them must still make a whole.
    total = total.quantize(Decimal("0.001"))
    return min(max(total, ZERO), ONE)
