"""The random draw: a case study is one unit, drawn whole or not at all, and counts toward the rule."""

import logging
import random
from collections import Counter

import pytest

from quizzes import services
from quizzes.models import CaseStudy, Option, Question
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

SEEDS = range(200)


@pytest.fixture
def seeded(monkeypatch):
    """Replace the service's RNG with a seeded one; returns a function taking the seed."""

    def seed(value: int) -> None:
        monkeypatch.setattr(services, "_rng", random.Random(value))

    return seed


def make_case(category, title: str, size: int) -> list[int]:
    case = CaseStudy.objects.create(title=title, scenario=f"<p>{title}</p>")
    return [QuestionFactory(category=category, case_study=case).pk for _i in range(size)]


def make_lone(category, size: int) -> list[int]:
    return [QuestionFactory(category=category).pk for _i in range(size)]


def drawn_ids(quiz) -> list[int]:
    return [slot["question_id"] for slot in services._draw(quiz)]


def assert_whole_and_together(drawn: list[int], case: list[int]) -> bool:
    """Either none of the case study or all of it, in one block, in authored order; True if drawn."""
    present = [qid for qid in drawn if qid in case]
    if not present:
        return False
    assert present == case, (drawn, case)  # all of it, in the order it was written
    start = drawn.index(case[0])
    assert drawn[start : start + len(case)] == case, (drawn, case)  # one block
    return True


def test_a_case_study_is_never_split_whatever_the_seed(seeded):
    category = QuestionCategoryFactory(name="Tình huống và câu lẻ")
    big, small = make_case(category, "Tình huống A", 3), make_case(category, "Tình huống B", 2)
    lone = make_lone(category, 4)
    quiz = QuizFactory(rules=[(category, 5)])
    seen = Counter()
    for value in SEEDS:
        seeded(value)
        drawn = drawn_ids(quiz)
        assert len(drawn) == len(set(drawn)) == 5, (value, drawn)
        assert set(drawn) <= set(big + small + lone)
        seen["big"] += assert_whole_and_together(drawn, big)
        seen["small"] += assert_whole_and_together(drawn, small)
        seen[tuple(sorted(drawn))] += 1
    # Random, not fixed: each case study is drawn in some attempts and left out of others.
    assert 0 < seen["big"] < len(SEEDS)
    assert 0 < seen["small"] < len(SEEDS)
    assert len(seen) > 5


def test_a_case_study_stays_in_authored_order_when_not_shuffled(seeded):
    category = QuestionCategoryFactory(name="Không xáo trộn")
    first = make_lone(category, 2)
    case = make_case(category, "Tình huống giữa", 3)
    last = make_lone(category, 2)
    quiz = QuizFactory(rules=[(category, 7)], shuffle_questions=False)
    for value in range(20):
        seeded(value)
        assert drawn_ids(quiz) == first + case + last


def test_counts_per_category_are_respected(seeded):
    law, circular = QuestionCategoryFactory(name="Luật"), QuestionCategoryFactory(name="Thông tư")
    law_case, law_lone = make_case(law, "Tình huống luật", 3), make_lone(law, 5)
    circ_case, circ_lone = make_case(circular, "Tình huống thông tư", 2), make_lone(circular, 3)
    Question.objects.filter(pk=law_lone[0]).update(is_active=False)
    quiz = QuizFactory(rules=[(law, 4), (circular, 3)])
    for value in SEEDS:
        seeded(value)
        drawn = drawn_ids(quiz)
        assert len(set(drawn) & set(law_case + law_lone[1:])) == 4, (value, drawn)
        assert len(set(drawn) & set(circ_case + circ_lone)) == 3, (value, drawn)
        assert law_lone[0] not in drawn  # inactive
        assert_whole_and_together(drawn, law_case)
        assert_whole_and_together(drawn, circ_case)


def test_a_case_study_larger_than_what_remains_is_passed_over(seeded):
    category = QuestionCategoryFactory(name="Tình huống quá lớn")
    case = make_case(category, "Tình huống dài", 3)
    lone = make_lone(category, 2)
    quiz = QuizFactory(rules=[(category, 2)])
    for value in range(50):
        seeded(value)
        assert sorted(drawn_ids(quiz)) == lone
    assert case  # three questions in the bank, never drawn for a count of two


def test_an_exact_fill_is_found_when_one_exists(seeded):
    """Sizes 3, 2 and 2 for a count of 4: only 2 + 2 fills it (taking the 3 first would stop at 3)."""
    category = QuestionCategoryFactory(name="Tổng đúng bằng")
    three = make_case(category, "Ba câu", 3)
    two_a, two_b = make_case(category, "Hai câu A", 2), make_case(category, "Hai câu B", 2)
    quiz = QuizFactory(rules=[(category, 4)])
    for value in range(50):
        seeded(value)
        drawn = drawn_ids(quiz)
        assert sorted(drawn) == sorted(two_a + two_b), (value, drawn)
        assert not assert_whole_and_together(drawn, three)


def test_a_count_that_cannot_be_filled_stops_below_it(seeded, caplog):
    """Only case studies of 3 and a count of 4: one case study (3), never a split one (4)."""
    category = QuestionCategoryFactory(name="Không thể đủ")
    first, second = make_case(category, "Tình huống 1", 3), make_case(category, "Tình huống 2", 3)
    quiz = QuizFactory(rules=[(category, 4)])
    seen = Counter()
    for value in range(50):
        seeded(value)
        with caplog.at_level(logging.WARNING, logger="quizzes"):
            drawn = drawn_ids(quiz)
        assert len(drawn) == 3, (value, drawn)
        seen["first"] += assert_whole_and_together(drawn, first)
        seen["second"] += assert_whole_and_together(drawn, second)
    assert seen["first"] + seen["second"] == 50 and seen["first"] and seen["second"]
    assert "drew 3 of 4 questions" in caplog.text


def test_attempt_start_freezes_a_drawn_case_study(trainee, seeded):
    category = QuestionCategoryFactory(name="Đóng băng")
    case = make_case(category, "Tình huống đóng băng", 3)
    make_lone(category, 3)
    quiz = QuizFactory(rules=[(category, 4)])
    for value in SEEDS:  # a seed that draws the case study
        seeded(value)
        if set(case) <= set(drawn_ids(quiz)):
            break
    seeded(value)
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    drawn = list(attempt.slots.order_by("position").values_list("question_id", flat=True))
    assert len(drawn) == 4 and assert_whole_and_together(drawn, case)
    assert attempt.max_score == 4
    # The bank changes: the case study grows and a question is retired; the attempt does not.
    QuestionFactory(category=category, case_study_id=Question.objects.get(pk=case[0]).case_study_id)
    Question.objects.filter(pk=case[1]).update(is_active=False)
    for value in range(5):
        seeded(value)
        assert services.attempt_start(quiz=quiz, user=trainee).pk == attempt.pk
    assert list(attempt.slots.order_by("position").values_list("question_id", flat=True)) == drawn


def grow_bank(category, count: int, *, every: int = 10, size: int = 3) -> None:
    """``count`` questions; of each ``every``, the first ``size`` share a new case study."""
    start = Question.objects.filter(category=category).count()
    firsts = range(start, start + count, every)
    cases = CaseStudy.objects.bulk_create(
        [CaseStudy(title=f"Tình huống {category.pk}-{n}", scenario="<p>…</p>") for n in firsts]
    )
    questions = Question.objects.bulk_create(
        [
            Question(
                category=category,
                stem=f"<p>Câu hỏi thêm {start + i}</p>",
                case_study=cases[i // every] if i % every < size else None,
            )
            for i in range(count)
        ]
    )
    Option.objects.bulk_create(
        [
            Option(question=q, text=f"Phương án {n}", is_correct=n == 0, fraction=int(n == 0), sort_order=n)
            for q in questions
            for n in range(4)
        ]
    )


def test_attempt_start_queries_do_not_grow_with_the_bank(django_assert_num_queries, django_assert_max_num_queries):
    law, circular = QuestionCategoryFactory(name="Ngân hàng lớn"), QuestionCategoryFactory(name="Ngân hàng nhỏ")
    grow_bank(law, 20)
    grow_bank(circular, 20)
    quiz = QuizFactory(rules=[(law, 10), (circular, 5)], time_limit_minutes=10)

    services.attempt_start(quiz=quiz, user=UserFactory())  # warm any per-process cache
    user = UserFactory()
    with django_assert_max_num_queries(100) as small:
        attempt = services.attempt_start(quiz=quiz, user=user)
    assert attempt.slots.count() == 15
    grow_bank(law, 1980)
    assert Question.objects.filter(category=law).count() == 2000
    user = UserFactory()
    with django_assert_num_queries(len(small)):
        attempt = services.attempt_start(quiz=quiz, user=user)
    assert attempt.slots.count() == 15
    # measured: 12, 3 for the audit entry (Wagtail checks its two foreign keys, then inserts),
    # 4 to ask whoever holds the quiz whether this person may take it (roles, courses, events)
    # and 1 to move the person's learning-state version on (their cached course pages)
    assert len(small) <= 20, [q["sql"][:80] for q in small.captured_queries]
