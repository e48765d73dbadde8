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
