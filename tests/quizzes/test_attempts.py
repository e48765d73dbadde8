import datetime
import logging

import pytest
from django.utils import timezone

from core.errors import ServiceError
from quizzes import services
from quizzes.models import Attempt, Option, QuestionSlot
from quizzes.services import AnswerInput
from quizzes.signals import quiz_passed
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def right_option(slot):
    """The right option's position in the order shown (what the browser sends)."""
    return str(slot.option_order.index(Option.objects.get(question=slot.question, is_correct=True).pk))


def answer_all(attempt, user, right=True):
    for slot in attempt.slots.select_related("question"):
        value = right_option(slot) if right else next(str(i) for i in range(3) if str(i) != right_option(slot))
        services.answers_save(
            attempt_id=attempt.pk, user=user, answers=[AnswerInput(slot.pk, [value], version=slot.version)]
        )


def test_draw_obeys_rules_and_freezes(trainee):
    law, circular = QuestionCategoryFactory(name="Luật"), QuestionCategoryFactory(name="Thông tư")
    law_ids = {QuestionFactory(category=law).pk for _ in range(8)}
    circ_ids = {QuestionFactory(category=circular).pk for _ in range(5)}
    QuestionFactory(category=law, is_active=False)
    quiz = QuizFactory(rules=[(law, 3), (circular, 2)])
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    drawn = list(attempt.slots.values_list("question_id", flat=True))
    assert len(drawn) == len(set(drawn)) == 5
    assert len(set(drawn) & law_ids) == 3
    assert len(set(drawn) & circ_ids) == 2
    # Frozen: a new question in the bank does not change the attempt; a second start resumes it.
    QuestionFactory(category=law)
    assert services.attempt_start(quiz=quiz, user=trainee).pk == attempt.pk
    assert list(attempt.slots.values_list("question_id", flat=True)) == drawn


def test_draw_refuses_when_the_bank_is_too_small(trainee, category):
    QuestionFactory(category=category)
    quiz = QuizFactory(rules=[(category, 2)])
    with pytest.raises(ServiceError) as error:
        services.attempt_start(quiz=quiz, user=trainee)
    assert error.value.code == "not_enough_questions"
    assert not Attempt.objects.exists()


def test_case_study_questions_stay_together(trainee, category):
    from quizzes.models import CaseStudy

    case = CaseStudy.objects.create(title="Tình huống", scenario="<p>Đơn vị A…</p>")
    for _i in range(3):
        QuestionFactory(category=category, case_study=case)
    for _i in range(5):
        QuestionFactory(category=category)
    quiz = QuizFactory(rules=[(category, 8)])
    positions = [
        s.position
        for s in services.attempt_start(quiz=quiz, user=trainee).slots.select_related("question")
        if s.question.case_study_id
    ]
    assert positions == list(range(positions[0], positions[0] + 3))


@pytest.fixture
def passed_attempts():
    """Ids of the attempts quiz_passed announces; the receiver goes with the test, even a failed one."""
    received = []

    def receiver(sender, attempt, **kwargs):
        received.append(attempt.pk)

    quiz_passed.connect(receiver, weak=False, dispatch_uid="tests.quizzes.passed_attempts")
    yield received
    quiz_passed.disconnect(dispatch_uid="tests.quizzes.passed_attempts")


def test_submit_grades_once_and_fires_signal(trainee, quiz, django_capture_on_commit_callbacks, passed_attempts):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    answer_all(attempt, trainee)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.attempt_submit(attempt_id=attempt.pk, user=trainee)
    assert done.passed and done.percent == 100 and passed_attempts == [attempt.pk]
    with pytest.raises(ServiceError) as error:
        services.attempt_submit(attempt_id=attempt.pk, user=trainee)
    assert error.value.code == "attempt_finished"
    attempt.refresh_from_db()
    assert attempt.finished_at == done.finished_at


def test_stale_write_is_refused(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    first, second = "0", "1"
    # Tab A and tab B both loaded version 0; A saves first.
    services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, [first], version=0)])
    saved, stale = services.answers_save(
        attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, [second], version=0)]
    )
    slot.refresh_from_db()
    assert stale == [slot.pk] and saved == []
    assert slot.response == {"choice": slot.option_order[0]} and slot.version == 1


def test_foreign_question_and_option_refused_and_logged(trainee, quiz, caplog):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    other = QuestionFactory()
    # Options are named by position: an id from another question is a position this one lacks.
    foreign_option = str(other.options.first().pk)
    assert int(foreign_option) >= len(slot.option_order)
    other_attempt = services.attempt_start(quiz=QuizFactory(rules=[(other.category, 1)]), user=UserFactory())
    foreign_slot = other_attempt.slots.first().pk
    caplog.set_level(logging.WARNING, logger="quizzes")
    for answer, code in [
        (AnswerInput(slot.pk, [foreign_option], version=0), "foreign_option"),
        (AnswerInput(slot.pk, ["3"], version=0), "foreign_option"),
        (AnswerInput(slot.pk, ["-1"], version=0), "foreign_option"),
        (AnswerInput(slot.pk, ["²"], version=0), "foreign_option"),
        (AnswerInput(slot.pk, ["0", "1"], version=0), "foreign_option"),
        (AnswerInput(foreign_slot, ["0"], version=0), "foreign_question"),
        (AnswerInput(slot.pk, ["not-a-number"], version=0), "foreign_option"),
    ]:
        with pytest.raises(ServiceError) as error:
            services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[answer])
        assert error.value.code == code
    assert QuestionSlot.objects.filter(response__isnull=False).count() == 0
    assert caplog.text.count("quiz answer refused") == 7


def test_another_users_attempt_is_not_found(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    with pytest.raises(ServiceError) as error:
        services.attempt_submit(attempt_id=attempt.pk, user=UserFactory())
    assert error.value.code == "not_found"


def test_deadline_and_grace(trainee, quiz):
    start = timezone.now()
    attempt = services.attempt_start(quiz=quiz, user=trainee, now=start)
    assert attempt.deadline == start + datetime.timedelta(minutes=10)
    slot = attempt.slots.first()
    right = right_option(slot)
    # Within the 30 s grace period the answer still counts.
    late = attempt.deadline + datetime.timedelta(seconds=29)
    services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(slot.pk, [right])], now=late)
    too_late = attempt.deadline + datetime.timedelta(seconds=31)
    other = attempt.slots.all()[1]
    with pytest.raises(ServiceError) as error:
        services.answers_save(
            attempt_id=attempt.pk, user=trainee, answers=[AnswerInput(other.pk, [right_option(other)])], now=too_late
        )
    assert error.value.code == "deadline_passed"
    attempt.refresh_from_db()
    other.refresh_from_db()
    assert attempt.is_finished and attempt.closed_automatically
    assert other.response is None
    assert attempt.score == 1 and attempt.percent == 20


def test_beat_task_closes_overdue_attempts(trainee, quiz):
    from quizzes.tasks import close_overdue_attempts

    attempt = services.attempt_start(quiz=quiz, user=trainee, now=timezone.now() - datetime.timedelta(minutes=11))
    fresh = services.attempt_start(quiz=quiz, user=UserFactory())
    assert close_overdue_attempts.delay().get() == 1
    assert close_overdue_attempts.delay().get() == 0
    attempt.refresh_from_db()
    fresh.refresh_from_db()
    assert attempt.is_finished and attempt.percent == 0 and not fresh.is_finished


def test_max_attempts_and_window(trainee, quiz):
    quiz.max_attempts = 1
    quiz.save()
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    services.attempt_submit(attempt_id=attempt.pk, user=trainee)
    with pytest.raises(ServiceError) as error:
        services.attempt_start(quiz=quiz, user=trainee)
    assert error.value.code == "no_attempts_left"
    quiz.max_attempts = 0
    quiz.close_at = timezone.now() - datetime.timedelta(minutes=1)
    quiz.save()
    with pytest.raises(ServiceError) as error:
        services.attempt_start(quiz=quiz, user=trainee)
    assert error.value.code == "quiz_closed"


def test_close_window_caps_the_deadline(trainee, quiz):
    quiz.close_at = timezone.now() + datetime.timedelta(minutes=3)
    quiz.save()
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    assert attempt.deadline == quiz.close_at


def test_grading_method_highest_and_last(trainee, quiz):
    from quizzes.selectors import best_result

    first = services.attempt_start(quiz=quiz, user=trainee)
    answer_all(first, trainee)
    services.attempt_submit(attempt_id=first.pk, user=trainee)
    second = services.attempt_start(quiz=quiz, user=trainee)
    services.attempt_submit(attempt_id=second.pk, user=trainee)
    assert best_result(trainee, quiz).pk == first.pk
    quiz.grading_method = "last"
    quiz.save(update_fields=["grading_method"])
    assert best_result(trainee, quiz).pk == second.pk


def test_beat_schedule_in_settings_runs_the_close_task():
    from django.conf import settings

    from lms.celery import app
    from quizzes.tasks import QUIZZES_BEAT_SCHEDULE, close_overdue_attempts

    for name, entry in QUIZZES_BEAT_SCHEDULE.items():
        assert settings.CELERY_BEAT_SCHEDULE[name] == entry
        assert app.conf.beat_schedule[name]["task"] == close_overdue_attempts.name
