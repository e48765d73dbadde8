"""Which attempt counts: one rule (quizzes.selectors.counting_attempts), read by courses and events."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from quizzes.models import Attempt
from quizzes.selectors import best_result, counting_attempts
from tests.factories import QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))


def finished(quiz, user, number, percent, minutes, *, pass_percent=Decimal("60")):
    return Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        state=Attempt.State.FINISHED,
        started_at=T0,
        finished_at=T0 + datetime.timedelta(minutes=minutes),
        percent=percent,
        passed=None if percent is None else percent >= pass_percent,
    )


def test_highest_counts_the_best_percent_and_on_a_tie_the_later():
    quiz, user = QuizFactory(grading_method="highest"), UserFactory()
    finished(quiz, user, 1, Decimal("40"), 10)
    best = finished(quiz, user, 2, Decimal("90"), 20)
    finished(quiz, user, 3, Decimal("70"), 30)
    assert counting_attempts(quiz_ids=[quiz.pk], user_ids=[user.pk])[(quiz.pk, user.pk)] == best
    tie = finished(quiz, user, 4, Decimal("90"), 40)
    assert best_result(user, quiz) == tie


def test_last_counts_the_latest_finished_even_if_worse():
    quiz, user = QuizFactory(grading_method="last"), UserFactory()
    finished(quiz, user, 1, Decimal("95"), 10)
    last = finished(quiz, user, 2, Decimal("30"), 20)
    counted = counting_attempts(quiz_ids=[quiz.pk], user_ids=[user.pk])[(quiz.pk, user.pk)]
    assert counted == last and counted.passed is False


def test_an_attempt_without_a_percent_counts_least_and_unfinished_ones_not_at_all():
    quiz, user = QuizFactory(grading_method="highest"), UserFactory()
    graded = finished(quiz, user, 1, Decimal("10"), 10)
    finished(quiz, user, 2, None, 20)
    Attempt.objects.create(quiz=quiz, user=user, number=3, percent=Decimal("100"), passed=True)
    assert best_result(user, quiz) == graded
    other = UserFactory()
    Attempt.objects.create(quiz=quiz, user=other, number=1)
    assert best_result(other, quiz) is None


def test_many_quizzes_and_people_in_one_query_each_under_its_own_method(django_assert_num_queries):
    highest, last = QuizFactory(grading_method="highest"), QuizFactory(grading_method="last")
    ann, binh, chi = UserFactory(), UserFactory(), UserFactory()
    expected = {}
    for user in (ann, binh):
        expected[(highest.pk, user.pk)] = finished(highest, user, 1, Decimal("80"), 10)
        finished(highest, user, 2, Decimal("50"), 20)
        finished(last, user, 1, Decimal("80"), 10)
        expected[(last.pk, user.pk)] = finished(last, user, 2, Decimal("50"), 20)
    finished(highest, UserFactory(), 1, Decimal("99"), 10)  # not asked for
    with django_assert_num_queries(1):
        counted = counting_attempts(quiz_ids=[highest.pk, last.pk, None], user_ids=[ann.pk, binh.pk, chi.pk])
    assert counted == expected
    assert {key: a.passed for key, a in counted.items()} == {
        (highest.pk, ann.pk): True,
        (highest.pk, binh.pk): True,
        (last.pk, ann.pk): False,
        (last.pk, binh.pk): False,
    }


def test_nothing_asked_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert counting_attempts(quiz_ids=[None], user_ids=[1]) == {}
        assert counting_attempts(quiz_ids=[1], user_ids=[]) == {}
