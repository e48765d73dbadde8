"""Item statistics on a small data set worked out by hand."""

import re

import pytest

from quizzes import selectors, services
from quizzes.services import AnswerInput
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

# Six trainees, five single-choice questions: R is the right option, W1 and
# W2 wrong ones, None no answer.
ANSWERS = [
    ["R", "W1", "R", "R", "W1"],
    ["R", "W1", "R", "R", "R"],
    ["R", "W2", "R", "W1", "W1"],
    ["R", "W1", "W1", "W1", "R"],
    ["R", None, "W1", "W2", "R"],
    ["R", "W2", None, "W1", "W1"],
]
# Worked out by hand (and with statistics.correlation): each question's
# facility is the share who got it right; its discrimination is the Pearson
# correlation between its score and the score on the other four.
#   percent per trainee: 60, 80, 40, 40, 40, 20 → mean 46.67, 2 of 6 pass at 50%
#   Q1 facility 1.0 (very easy), Q2 0.0 (very hard): no variance, no discrimination
#   Q3 0.5 / +0.2425, Q4 0.3333 / +0.6124, Q5 0.5 / −0.1857 (negative: flagged)


@pytest.fixture
def known_quiz(db):
    category = QuestionCategoryFactory(name="Thống kê")
    questions = [
        QuestionFactory(category=category, options=[(f"R{i}", True), (f"W1-{i}", False), (f"W2-{i}", False)])
        for i in range(1, 6)
    ]
    quiz = QuizFactory(
        rules=[(category, 5)], shuffle_questions=False, shuffle_options=False, pass_percent=50, max_attempts=0
    )
    for row in ANSWERS:
        user = UserFactory()
        attempt = services.attempt_start(quiz=quiz, user=user)
        slots = list(attempt.slots.select_related("question").order_by("position"))
        assert [s.question_id for s in slots] == [q.pk for q in questions]
        answers = [
            AnswerInput(slot.pk, [str(["R", "W1", "W2"].index(choice))], version=0)
            for slot, choice in zip(slots, row, strict=True)
            if choice is not None
        ]
        services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)
    # An attempt still in progress counts for nothing.
    services.attempt_start(quiz=quiz, user=UserFactory())
    return quiz, questions


def test_quiz_figures(known_quiz):
    quiz, _questions = known_quiz
    stats = selectors.quiz_statistics(quiz)
    assert stats.attempts == 6
    assert stats.mean_percent == pytest.approx(280 / 6)
    assert stats.pass_rate == pytest.approx(2 / 6)
    assert [n for _label, n in stats.distribution] == [0, 0, 1, 0, 3, 0, 1, 0, 1, 0]
    assert stats.distribution[0][0] == "0–10%"


def test_item_figures_and_flags(known_quiz):
    quiz, questions = known_quiz
    rows = {row.question.pk: row for row in selectors.quiz_statistics(quiz).questions}
    expected = [
        (1.0, None, ["very easy (facility above 0.95)"]),
        (0.0, None, ["very hard (facility below 0.2)"]),
        (0.5, 0.2425356, []),
        (1 / 3, 0.6123724, []),
        (0.5, -0.1856953, ["negative discrimination"]),
    ]
    for question, (facility, discrimination, flags) in zip(questions, expected, strict=True):
        row = rows[question.pk]
        assert row.attempts == 6
        assert row.facility == pytest.approx(facility)
        if discrimination is None:
            assert row.discrimination is None
        else:
            assert row.discrimination == pytest.approx(discrimination, abs=1e-6)
        assert row.flags == flags


def test_option_frequencies(known_quiz):
    quiz, questions = known_quiz
    rows = {row.question.pk: row for row in selectors.quiz_statistics(quiz).questions}
    counts = {
        question_number: [(option.text, n) for option, n in rows[q.pk].option_counts]
        for question_number, q in enumerate(questions, start=1)
    }
    assert counts[1] == [("R1", 6), ("W1-1", 0), ("W2-1", 0)]
    assert counts[2] == [("R2", 0), ("W1-2", 3), ("W2-2", 2)]  # one left it blank
    assert counts[4] == [("R4", 2), ("W1-4", 3), ("W2-4", 1)]


def test_no_attempts_yet():
    quiz = QuizFactory(rules=[(QuestionCategoryFactory(), 1)])
    stats = selectors.quiz_statistics(quiz)
    assert (stats.attempts, stats.mean_percent, stats.pass_rate, stats.questions) == (0, None, None, [])
    assert sum(n for _label, n in stats.distribution) == 0


def test_facility_counts_partial_credit():
    category = QuestionCategoryFactory(name="Từng phần")
    question = QuestionFactory(
        category=category, qtype="multiple", partial_credit=True, options=[("A", True), ("B", True), ("C", False)]
    )
    quiz = QuizFactory(rules=[(category, 1)], shuffle_options=False)
    for picks in (["0"], ["0", "1"]):
        user = UserFactory()
        attempt = services.attempt_start(quiz=quiz, user=user)
        slot = attempt.slots.get()
        services.attempt_submit(attempt_id=attempt.pk, user=user, answers=[AnswerInput(slot.pk, picks, version=0)])
    [row] = selectors.quiz_statistics(quiz).questions
    assert row.question == question
    assert row.facility == pytest.approx(0.75)
    assert [n for _o, n in row.option_counts] == [2, 1, 0]


def test_the_answers_are_added_up_by_the_database(known_quiz, django_assert_num_queries):
    quiz, _questions = known_quiz
    # The attempts' summary, the answers' sums per question, the questions and their options:
    # no query lists attempt ids, however many attempts there are.
    with django_assert_num_queries(4) as context:
        selectors.quiz_statistics(quiz)
    assert not any(re.search(r'attempt_id"? IN \(', query["sql"]) for query in context.captured_queries)
