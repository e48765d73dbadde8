from decimal import Decimal

import pytest

from quizzes.grading import grade
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def options(question):
    return list(question.options.all())


def ids(question, *texts):
    by_text = {o.text: o.pk for o in question.options.all()}
    return [by_text[t] for t in texts]


def test_single_choice():
    q = QuestionFactory(options=[("A", True), ("B", False)])
    a, b = ids(q, "A", "B")
    assert grade(q, options(q), {"choice": a}, []) == 1
    assert grade(q, options(q), {"choice": b}, []) == 0
    assert grade(q, options(q), None, []) == 0


def test_true_false():
    q = QuestionFactory(qtype="truefalse", options=[("Đúng", False), ("Sai", True)])
    right, wrong = ids(q, "Sai", "Đúng")
    assert grade(q, options(q), {"choice": right}, []) == 1
    assert grade(q, options(q), {"choice": wrong}, []) == 0


def test_multiple_all_or_nothing():
    q = QuestionFactory(qtype="multiple", options=[("A", True), ("B", True), ("C", False)])
    a, b, c = ids(q, "A", "B", "C")
    assert grade(q, options(q), {"choices": [a, b]}, []) == 1
    assert grade(q, options(q), {"choices": [a]}, []) == 0
    assert grade(q, options(q), {"choices": [a, b, c]}, []) == 0


def test_multiple_partial_credit_costs_wrong_picks():
    q = QuestionFactory(qtype="multiple", partial_credit=True, options=[("A", True), ("B", True), ("C", False)])
    a, b, c = ids(q, "A", "B", "C")
    assert grade(q, options(q), {"choices": [a]}, []) == Decimal("0.5")
    assert grade(q, options(q), {"choices": [a, b]}, []) == 1
    assert grade(q, options(q), {"choices": [a, b, c]}, []) == 0
    assert grade(q, options(q), {"choices": [c]}, []) == 0


def test_multiple_with_gift_weights():
    q = QuestionFactory(qtype="multiple", partial_credit=True, options=[("A", True), ("B", True), ("C", False)])
    for option, fraction in zip(options(q), ("0.5", "0.5", "-1"), strict=True):
        option.fraction = Decimal(fraction)
        option.save()
    a, b, c = ids(q, "A", "B", "C")
    assert grade(q, options(q), {"choices": [b]}, []) == Decimal("0.5")
    assert grade(q, options(q), {"choices": [a, c]}, []) == 0


def test_short_answer_normalised_and_accents():
    q = QuestionFactory(qtype="short", options=[("Lao động tiên tiến", True)])
    assert grade(q, options(q), {"text": "  lao   ĐỘNG tiên tiến. "}, []) == 1
    assert grade(q, options(q), {"text": "lao dong tien tien"}, []) == 0
    q.accent_insensitive = True
    assert grade(q, options(q), {"text": "lao dong tien tien"}, []) == 1
    # Decomposed input (NFD from some keyboards) is the same answer.
    import unicodedata

    q.accent_insensitive = False
    assert grade(q, options(q), {"text": unicodedata.normalize("NFD", "Lao động tiên tiến")}, []) == 1


def test_matching_whole_and_partial():
    q = QuestionFactory(
        qtype="matching",
        options=[
            ("15/2003/QH11", True, "Luật 2003"),
            ("06/2022/QH15", True, "Luật 2022"),
            ("39-CT/TW", True, "Chỉ thị"),
        ],
    )
    choices = ["Chỉ thị", "Luật 2022", "Luật 2003"]
    by = {o.text: str(o.pk) for o in q.options.all()}
    all_right = {by["15/2003/QH11"]: 2, by["06/2022/QH15"]: 1, by["39-CT/TW"]: 0}
    one_wrong = {**all_right, by["39-CT/TW"]: 1}
    assert grade(q, options(q), {"matches": all_right}, choices) == 1
    assert grade(q, options(q), {"matches": one_wrong}, choices) == 0
    q.partial_credit = True
    assert grade(q, options(q), {"matches": one_wrong}, choices) == Decimal(2) / Decimal(3)


def test_a_typed_number_takes_a_point_or_a_comma_and_nothing_ambiguous():
    from quizzes.grading import parse_number

    assert [parse_number(text) for text in ("2024", "3,5", " -0.25 ", "+7", ",5", "1e3", "9 2")] == [
        Decimal("2024"), Decimal("3.5"), Decimal("-0.25"), Decimal("7"), Decimal("0.5"), Decimal("1000"),
        Decimal("92"),
    ]  # fmt: skip
    # Thousands separators are refused rather than guessed; words and non-numbers too.
    assert [parse_number(text) for text in ("1.234,5", "2,024.5", "hai", "NaN", "Infinity", "", "1e")] == [None] * 7


def test_single_choice_scores_the_chosen_share_and_multiple_sums_them_between_0_and_1():
    q = QuestionFactory(options=[("A", True), ("B", False), ("C", False)])
    q.options.filter(text="B").update(fraction=Decimal("0.5"))
    q.options.filter(text="C").update(fraction=Decimal("-0.25"))
    a, b, c = ids(q, "A", "B", "C")
    assert [grade(q, options(q), {"choice": pk}, []) for pk in (a, b, c)] == [1, Decimal("0.5"), Decimal("-0.25")]
    m = QuestionFactory(qtype="multiple", partial_credit=True, options=[("A", True), ("B", True), ("C", False)])
    a, b, c = ids(m, "A", "B", "C")
    assert [o.fraction for o in options(m)] == [Decimal("0.5"), Decimal("0.5"), Decimal("-1")]
    assert grade(m, options(m), {"choices": [a, b]}, []) == 1
    assert grade(m, options(m), {"choices": [a, c]}, []) == 0  # 0.5 - 1, never below 0


def test_short_answers_are_tried_in_order_and_the_first_match_counts():
    q = QuestionFactory(qtype="short", options=[("Hà Nội", True), ("Hà *", True), ("*", False)])
    q.options.filter(text="Hà *").update(fraction=Decimal("0.5"))
    assert grade(q, options(q), {"text": "hà nội"}, []) == 1
    assert grade(q, options(q), {"text": "Hà Tĩnh"}, []) == Decimal("0.5")
    assert grade(q, options(q), {"text": "Huế"}, []) == 0
