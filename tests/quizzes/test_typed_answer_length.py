"""A typed answer longer than its box is refused with the reason, never cut short."""

import pytest

from core.errors import ServiceError
from quizzes import services
from quizzes.models import QuestionSlot
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory


@pytest.mark.django_db
def test_a_typed_answer_past_the_limit_is_refused_and_the_earlier_one_kept():
    category = QuestionCategoryFactory()
    QuestionFactory(category=category, qtype="short", options=[("Luật Thi đua, khen thưởng", True)])
    quiz = QuizFactory(rules=[(category, 1)])
    user = UserFactory()
    attempt = services.attempt_start(quiz=quiz, user=user)
    slot = QuestionSlot.objects.get(attempt=attempt)
    at_limit = "a" * services.MAX_TYPED_ANSWER
    services.answers_save(
        attempt_id=attempt.pk,
        user=user,
        answers=[services.AnswerInput(slot_id=slot.pk, values=[at_limit], matches={}, version=0)],
    )
    slot.refresh_from_db()
    assert slot.response == {"text": at_limit}
    with pytest.raises(ServiceError) as error:
        services.answers_save(
            attempt_id=attempt.pk,
            user=user,
            answers=[services.AnswerInput(slot_id=slot.pk, values=[at_limit + "b"], matches={}, version=1)],
        )
    assert error.value.code == "answer_too_long"
    slot.refresh_from_db()
    assert slot.response == {"text": at_limit} and slot.version == 1
