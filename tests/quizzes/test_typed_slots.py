"""Typed questions (short answer, numerical): the attempt keeps no option of theirs to show (issue 11)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from quizzes.models import Attempt, Option, QuestionType
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

# Numbers and feedback no page may show before the review: the accepted answers in both decimal
# marks, their tolerance, and the feedback of the "any other number" answer.
SECRETS = ("7391.25", "7391,25", "8123.75", "8123,75", "0.125", "0,125", "SỐ-BÍ-MẬT")


@pytest.fixture
def typed_quiz(db):
    category = QuestionCategoryFactory(name="Câu hỏi trả lời bằng số")
    filler = QuestionFactory(category=QuestionCategoryFactory(name="Đệm"), options=[])
    # Option ids above any position or number on the page, so that finding one means a leak.
    Option.objects.bulk_create([Option(question=filler, text="x", fraction=0, sort_order=i) for i in range(1000)])
    numerical = QuestionFactory(category=category, qtype=QuestionType.NUMERICAL, options=[])
    Option.objects.bulk_create(
        [
            Option(question=numerical, sort_order=0, text="7391.25", fraction=1, tolerance=Decimal("0.125")),
            Option(question=numerical, sort_order=1, text="8123.75", fraction=Decimal("0.5")),
            Option(question=numerical, sort_order=2, text="*", fraction=0, feedback="<p>SỐ-BÍ-MẬT</p>"),
        ]
    )
    QuestionFactory(category=category, qtype=QuestionType.SHORT, options=[("thi đua", True), ("khen thưởng", True)])
    return QuizFactory(rules=[(category, 2)], shuffle_options=True, time_limit_minutes=10)


def test_typed_questions_keep_no_option_order_and_their_answers_never_reach_the_page(client, trainee, typed_quiz):
    client.force_login(trainee)
    assert client.post(reverse("quizzes:start", args=[typed_quiz.pk])).status_code == 302
    attempt = Attempt.objects.get(quiz=typed_quiz, user=trainee)
    slots = list(attempt.slots.select_related("question"))
    assert {slot.question.qtype for slot in slots} == {QuestionType.NUMERICAL, QuestionType.SHORT}
    assert [slot.option_order for slot in slots] == [[], []]

    html = client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    for slot in slots:  # each typed answer's input is on the page
        assert re.search(rf'<input[^>]* name="q{slot.pk}"', html), slot.question.qtype
    for secret in (*SECRETS, "thi đua", "khen thưởng"):
        assert secret not in html, secret
    for oid in Option.objects.filter(question__in=[s.question for s in slots]).values_list("pk", flat=True):
        assert not re.search(rf"(?<!\d){oid}(?!\d)", html), oid

    # Typed answers are still graded against the question's own options.
    numerical = next(s for s in slots if s.question.qtype == QuestionType.NUMERICAL)
    answer = client.post(
        reverse("quizzes:answer", args=[attempt.pk]),
        {"slot": str(numerical.pk), f"v{numerical.pk}": "0", f"q{numerical.pk}": "7391,2"},
    )
    assert answer.status_code == 200, answer.content
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    numerical.refresh_from_db()
    assert numerical.score == numerical.marks
