"""The answer save's hand-written statements: what they write is what the ORM writes, and they lock what it locked.

Run on SQLite and on PostgreSQL (CI); the lock tests on PostgreSQL only.
"""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ServiceError
from quizzes import services
from quizzes.models import Attempt, QuestionSlot, QuestionType
from quizzes.services import AnswerInput
from tests.conftest import require_service
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def stored_text(slot_id: int) -> str:
    """The response column as the database holds it (text), not as Python reads it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(response AS TEXT) FROM quizzes_questionslot WHERE id = %s", [slot_id])
        return cursor.fetchone()[0]


def answer_for(slot: QuestionSlot, qtype: str) -> tuple[AnswerInput, dict]:
    """An answer of each kind with Vietnamese text where there is text, and the response it must store."""
    if qtype in (QuestionType.SHORT, QuestionType.NUMERICAL):
        text = "Thi đua, khen thưởng" if qtype == QuestionType.SHORT else "-0,25"
        return AnswerInput(slot.pk, [text], version=slot.version), {"text": text}
    if qtype == QuestionType.MATCHING:
        matches = {str(position): str(len(slot.match_choices) - 1) for position in range(len(slot.option_order))}
        expected = {str(oid): len(slot.match_choices) - 1 for oid in slot.option_order}
        return AnswerInput(slot.pk, [], matches=matches, version=slot.version), {"matches": expected}
    if qtype == QuestionType.MULTIPLE:
        return AnswerInput(slot.pk, ["2", "0"], version=slot.version), {
            "choices": sorted([slot.option_order[0], slot.option_order[2]])
        }
    return AnswerInput(slot.pk, ["1"], version=slot.version), {"choice": slot.option_order[1]}


def test_every_kind_of_answer_is_stored_as_the_orm_stores_it(trainee, mixed_quiz):
    attempt = services.attempt_start(quiz=mixed_quiz, user=trainee)
    other = services.attempt_start(quiz=mixed_quiz, user=UserFactory())
    theirs = {slot.question_id: slot for slot in other.slots.all()}
    now = timezone.now()
    for slot in attempt.slots.select_related("question"):
        answer, expected = answer_for(slot, slot.question.qtype)
        saved, stale = services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[answer], now=now)
        assert stale == [] and [s.pk for s in saved] == [slot.pk] and saved[0].version == 1
        assert saved[0].attempt.deadline == attempt.deadline
        # Read back through the model: the same answer, the next version, the time it was saved (time zone aware).
        fresh = QuestionSlot.objects.get(pk=slot.pk)
        assert (fresh.response, fresh.version, fresh.answered_at) == (expected, 1, now)
        # And the same bytes in the column as the ORM's own write of that answer.
        QuestionSlot.objects.filter(pk=theirs[slot.question_id].pk).update(response=expected)
        assert stored_text(slot.pk) == stored_text(theirs[slot.question_id].pk)

    # A cleared answer is SQL NULL, as the ORM writes None, not JSON null.
    slot = attempt.slots.get(question__qtype=QuestionType.SHORT)
    services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, [" "], version=1)])
    slot.refresh_from_db()
    assert slot.response is None and slot.version == 2
    assert QuestionSlot.objects.filter(pk=slot.pk, response__isnull=True).exists()


def test_the_same_answer_again_writes_nothing_and_moves_no_version(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, ["0"], version=0)])
    with CaptureQueriesContext(connection) as queries:
        saved, _stale = services.answers_save(
            attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, ["0"], version=1)]
        )
    assert saved[0].version == 1
    assert not any("UPDATE" in q["sql"] for q in queries)


def test_a_save_is_one_read_and_one_write(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    with CaptureQueriesContext(connection) as queries:
        services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, ["0"], version=0)])
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2, statements
    read, write = statements
    assert read.startswith("SELECT") and "UPDATE" in write and "FOR UPDATE" not in read
    if connection.vendor == "postgresql":
        # No transaction around them: the write locks the attempt's row alone (locking the quiz's too made every
        # taker of a quiz wait for every other's save), and writes only if it is still open.
        assert write.startswith('WITH locked AS (SELECT a."id" FROM "quizzes_attempt" a WHERE')
        assert "FOR UPDATE) UPDATE" in write
    else:
        # SQLite: in a transaction (IMMEDIATE: the database's write lock from its BEGIN), a plain UPDATE.
        assert write.startswith("UPDATE")


@pytest.fixture
def between_read_and_write(monkeypatch):
    """Runs ``change`` after the save's first read, as another request would between its two statements."""
    changes = []
    read = services._lock_with_slots

    def read_then_change(*args, **kwargs):
        result = read(*args, **kwargs)
        if not kwargs.get("lock", True) and changes:
            changes.pop()()
        return result

    monkeypatch.setattr(services, "_lock_with_slots", read_then_change)
    return changes.append


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        require_service("PostgreSQL")


@pytest.mark.usefixtures("postgresql")
def test_a_save_decides_again_under_the_lock_when_something_changed_after_its_read(
    trainee, quiz, between_read_and_write
):
    from django.db.models import F

    attempt = services.attempt_start(quiz=quiz, user=trainee)
    first, second = attempt.slots.order_by("position")[:2]
    slots = QuestionSlot.objects.filter(attempt=attempt)

    # Another tab's answer landed: stale, and the other tab's answer kept.
    between_read_and_write(lambda: slots.filter(pk=first.pk).update(response={"choice": 1}, version=F("version") + 1))
    saved, stale = services.answers_save(
        attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(first.pk, ["0"], version=0)]
    )
    assert (saved, stale) == ([], [first.pk])
    assert slots.get(pk=first.pk).response == {"choice": 1}

    # The deadline moved into the past: graded, the answer refused.
    between_read_and_write(
        lambda: Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(hours=1))
    )
    with pytest.raises(ServiceError) as refused:
        services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(second.pk, ["0"], version=0)])
    assert refused.value.code == "deadline_passed"
    assert slots.get(pk=second.pk).response is None and Attempt.objects.get(pk=attempt.pk).is_finished


@pytest.mark.usefixtures("postgresql")
def test_a_save_after_a_submit_between_its_read_and_write_is_refused(trainee, quiz, between_read_and_write):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    between_read_and_write(lambda: services.attempt_submit(attempt_id=attempt.pk, user=trainee))
    with pytest.raises(ServiceError) as refused:
        services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, ["0"], version=0)])
    assert refused.value.code == "attempt_finished"
    slot.refresh_from_db()
    assert slot.response is None and slot.version == 0 and slot.score == 0


def test_a_page_of_answers_names_many_slots_in_one_read(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slots = list(attempt.slots.all())
    answers = [AnswerInput(slot.pk, ["1"], version=0) for slot in slots]
    saved, stale = services.answers_save(attempt_id=attempt.pk, user=trainee, answers=answers)
    assert sorted(s.pk for s in saved) == sorted(s.pk for s in slots) and stale == []
    assert set(QuestionSlot.objects.filter(attempt=attempt).values_list("version", flat=True)) == {1}
    # Another attempt's slot among them: refused, and nothing of the page saved.
    theirs = services.attempt_start(quiz=quiz, user=UserFactory()).slots.first()
    answers = [AnswerInput(slot.pk, ["0"], version=1) for slot in slots] + [AnswerInput(theirs.pk, ["0"])]
    with pytest.raises(ServiceError) as refused:
        services.answers_save(attempt_id=attempt.pk, user=trainee, answers=answers)
    assert refused.value.code == "foreign_question"
    assert set(QuestionSlot.objects.filter(attempt=attempt).values_list("version", flat=True)) == {1}
    theirs.refresh_from_db()
    assert theirs.version == 0 and theirs.response is None


def test_a_bad_attempt_id_or_no_slot_is_no_such_attempt_or_a_foreign_question(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    with pytest.raises(ServiceError) as refused:
        services.answers_save(attempt_id="not-a-uuid", user=trainee, answers=[AnswerInput(1, ["0"])])
    assert refused.value.code == "not_found"
    with pytest.raises(ServiceError) as refused:
        services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(10**12, ["0"])])
    assert refused.value.code == "foreign_question"
    assert services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[]) == ([], [])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_waits_for_a_submit_holding_the_attempt_and_is_then_refused():
    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        require_service("PostgreSQL")
    category = QuestionCategoryFactory(name="Khóa")
    for _i in range(2):
        QuestionFactory(category=category)
    user = UserFactory()
    attempt = services.attempt_start(quiz=QuizFactory(rules=[(category, 2)]), user=user)
    slot = attempt.slots.first()
    locked, done = threading.Event(), []

    def submit_slowly():
        try:
            with transaction.atomic():
                held = services._lock(attempt.pk, user)
                locked.set()
                time.sleep(0.5)  # the save arrives now, and must wait for this grading
                services._finish(held, now=timezone.now(), automatic=False)
            done.append(time.monotonic())
        finally:
            connections.close_all()

    thread = threading.Thread(target=submit_slowly)
    thread.start()
    assert locked.wait(5)
    with pytest.raises(ServiceError) as refused:
        services.answers_save(attempt_id=attempt.pk, user=user, answers=[AnswerInput(slot.pk, ["0"], version=0)])
    thread.join()
    assert refused.value.code == "attempt_finished" and done
    slot.refresh_from_db()
    assert slot.response is None and slot.version == 0
    assert Attempt.objects.get(pk=attempt.pk).is_finished
