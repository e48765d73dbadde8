"""Grading of one answer: pure functions over a question's options, as Moodle grades them.

A score is the share of the question's marks earned. Each option carries
Moodle's ``fraction``: a single-choice or true/false question scores the
chosen option's share (a negative share is a penalty, as in Moodle); a
multiple-choice question with partial credit adds up the chosen shares,
between 0 and 1 (without it, all or nothing on the right answers); a short
or numerical answer scores the share of the first accepted answer it matches,
in the author's order, ``*`` matching anything; matching scores the right
pairs (all or nothing unless partial credit).

Responses are JSON as stored on ``QuestionSlot.response``:
single/true-false ``{"choice": id}``, multiple ``{"choices": [ids]}``,
short and numerical ``{"text": "..."}`` as typed, matching
``{"matches": {"<option id>": index}}`` where ``index`` points into the
attempt's shuffled ``match_choices``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from cms.sanitize import html_to_text
from core.text import collapse_spaces, fold, nfc
from quizzes.models import Option, Question, QuestionType

ZERO = Decimal("0")
ONE = Decimal("1")

# What a phone's decimal keypad types: a point or a comma (Vietnamese) before
# the decimals, an optional exponent. Thousands separators are refused rather
# than guessed: "2.024" could be 2024 or two and a bit.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d{1,3})?")


def normalise_answer(text: str, *, accent_insensitive: bool) -> str:
    """Short answers compare without case, extra spaces or final punctuation."""
    value = collapse_spaces(nfc(text) or "").strip(" .;,!?").casefold()
    return fold(value) if accent_insensitive else value


def parse_number(text: str) -> Decimal | None:
    """A typed number, or None when it is not one."""
    value = "".join((nfc(text) or "").split())
    if not _NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def grade(
    question: Question, options: Sequence[Option], response: dict | None, match_choices: Sequence[str]
) -> Decimal:
    if not response:
        return ZERO
    qtype = question.qtype
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        chosen = response.get("choice")
        return next((min(o.fraction, ONE) for o in options if o.pk == chosen), ZERO)
    if qtype == QuestionType.MULTIPLE:
        return _grade_multiple(question, options, set(response.get("choices") or ()))
    if qtype in (QuestionType.SHORT, QuestionType.NUMERICAL):
        option = matched_answer(question, options, response.get("text") or "")
        return _clamp(option.fraction) if option is not None else ZERO
    if qtype == QuestionType.MATCHING:
        return _grade_matching(question, options, response.get("matches") or {}, match_choices)
    return ZERO


def _clamp(total: Decimal) -> Decimal:
    return min(max(total, ZERO), ONE)


def _grade_multiple(question: Question, options: Sequence[Option], chosen: set[int]) -> Decimal:
    if not question.partial_credit:
        return ONE if chosen == {o.pk for o in options if o.fraction > 0} else ZERO
    total = sum((o.fraction for o in options if o.pk in chosen), ZERO)
    # GIFT writes a third as 33.33333%: three of them must still make a whole.
    return _clamp(total.quantize(Decimal("0.001")))


def wildcard_pattern(answer: str, *, accent_insensitive: bool) -> re.Pattern:
    """Moodle's short-answer matching: ``*`` stands for any characters, ``\\*`` for a star.

    The accepted answer is normalised as a typed one is (case, spaces, final
    punctuation, accents when asked), then split on its unescaped stars.
    """
    normalised = normalise_answer(answer, accent_insensitive=accent_insensitive)
    parts = re.split(r"(?<!\\)\*+", normalised)
    return re.compile(".*".join(re.escape(part.replace("\\*", "*")) for part in parts), re.DOTALL)


def matched_answer(question: Question, options: Sequence[Option], text: str) -> Option | None:
    """The first accepted short or numerical answer, in the author's order, that ``text`` matches."""
    if question.qtype == QuestionType.NUMERICAL:
        return _matched_number(options, text)
    given = normalise_answer(text, accent_insensitive=question.accent_insensitive)
    if not given:
        return None
    return next(
        (
            option
            for option in options
            if wildcard_pattern(html_to_text(option.text), accent_insensitive=question.accent_insensitive).fullmatch(
                given
            )
        ),
        None,
    )


def _matched_number(options: Sequence[Option], text: str) -> Option | None:
    given = parse_number(text)
    if given is None:
        return None
    for option in options:
        answer = html_to_text(option.text).strip()
        if answer == "*":
            return option
        try:
            value = Decimal(answer)
        except InvalidOperation:
            continue
        if abs(given - value) <= (option.tolerance or ZERO):
            return option
    return None


def _grade_matching(question: Question, options: Sequence[Option], matches: dict, match_choices: Sequence[str]):
    # Options without a left-hand text are distractors: choices, not pairs to match.
    pairs = [o for o in options if html_to_text(o.text).strip()]
    if not pairs:
        return ZERO
    right = 0
    for option in pairs:
        index = matches.get(str(option.pk))
        if isinstance(index, int) and 0 <= index < len(match_choices) and match_choices[index] == option.match_text:
            right += 1
    if question.partial_credit:
        return Decimal(right) / Decimal(len(pairs))
    return ONE if right == len(pairs) else ZERO
