"""Two requests at the same moment on PostgreSQL (row locks are what keep them apart)."""

import threading

import pytest

from core.errors import ServiceError
from quizzes import services
from quizzes.models import Attempt, QuestionSlot
from quizzes.services import AnswerInput
from tests.conftest import require_service
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(calls):
    """Run the calls in threads released together; each result is a value or a ServiceError code."""
    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except ServiceError as error:
            results[index] = error.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        require_service("PostgreSQL")


@pytest.fixture
def attempt(on_postgresql):
    category = QuestionCategoryFactory(name="Đồng thời")
    for _i in range(3):
        QuestionFactory(category=category)
    quiz = QuizFactory(rules=[(category, 3)])
    return services.attempt_start(quiz=quiz, user=UserFactory())


def test_two_submits_at_once_grade_once(attempt, monkeypatch):
    graded = []
    finish = services._finish

    def counted_finish(attempt, **kwargs):
        graded.append(attempt.pk)
        finish(attempt, **kwargs)

    monkeypatch.setattr(services, "_finish", counted_finish)
    slot = attempt.slots.first()
    answer = [AnswerInput(slot.pk, ["0"], version=0)]
    results = race(
        [
            lambda: services.attempt_submit(attempt_id=attempt.pk, user=attempt.user, answers=answer),
            lambda: services.attempt_submit(attempt_id=attempt.pk, user=attempt.user, answers=answer),
        ]
    )
    codes = sorted(r if isinstance(r, str) else "graded" for r in results)
    assert codes == ["attempt_finished", "graded"]
    assert graded == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.is_finished
    slot.refresh_from_db()
    assert slot.response is not None and slot.version == 1


def test_two_tabs_saving_the_same_version_at_once_keep_one_answer(attempt):
    slot = attempt.slots.first()
    results = race(
        [
            lambda value=value: services.answers_save(
                attempt_id=attempt.pk, user=attempt.user, answers=[AnswerInput(slot.pk, [value], version=0)]
            )
            for value in ("0", "1")
        ]
    )
    stale = [r for r in results if r[1]]
    saved = [r for r in results if r[0]]
    assert len(stale) == 1 and len(saved) == 1
    slot = QuestionSlot.objects.get(pk=slot.pk)
    assert slot.version == 1
    assert slot.response == {"choice": saved[0][0][0].response["choice"]}


def test_a_save_racing_the_submit_is_either_graded_or_refused(attempt):
    slot = attempt.slots.select_related("question").first()
    results = race(
        [
            lambda: services.attempt_submit(attempt_id=attempt.pk, user=attempt.user),
            lambda: services.answers_save(
                attempt_id=attempt.pk, user=attempt.user, answers=[AnswerInput(slot.pk, ["0"], version=0)]
            ),
        ]
    )
    attempt = Attempt.objects.get(pk=attempt.pk)
    slot.refresh_from_db()
    assert attempt.is_finished
    if results[1] == "attempt_finished":
        assert slot.response is None  # refused: came after the grading
    else:
        assert slot.response is not None  # saved first, so graded with it
        assert slot.score is not None
