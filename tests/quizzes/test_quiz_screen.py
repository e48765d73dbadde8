"""The quiz screen's server side: flags, the navigator, page posts without JavaScript, the review's words."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from quizzes import selectors, services
from quizzes.models import Attempt, QuestionSlot
from tests.factories import QuizFactory, UserFactory
from tests.quizzes.test_views import right_answer, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def paged_quiz(quiz):
    """Five questions, two a page: three pages."""
    quiz.questions_per_page = 2
    quiz.save()
    return quiz


def test_a_flag_is_set_and_cleared_without_touching_the_answer(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    assert services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={slot.pk: True}) == 1
    assert services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={slot.pk: True}) == 0  # already set
    slot.refresh_from_db()
    assert slot.flagged and slot.version == 0 and slot.response is None
    services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={slot.pk: False})
    slot.refresh_from_db()
    assert not slot.flagged


def test_a_flag_is_refused_off_the_attempt_after_submit_and_past_the_deadline(trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    other = services.attempt_start(quiz=quiz, user=UserFactory())
    foreign = other.slots.first()
    with pytest.raises(ServiceError) as refused:
        services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={foreign.pk: True})
    assert refused.value.code == "foreign_question"
    with pytest.raises(ServiceError) as refused:
        services.slots_flag(attempt_id=other.pk, user=trainee, flags={foreign.pk: True})
    assert refused.value.code == "not_found"
    assert not QuestionSlot.objects.filter(flagged=True).exists()

    slot = attempt.slots.first()
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    with pytest.raises(ServiceError) as refused:
        services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={slot.pk: True})
    assert refused.value.code == "deadline_passed"
    attempt.refresh_from_db()
    assert attempt.is_finished and attempt.closed_automatically
    with pytest.raises(ServiceError) as refused:
        services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={slot.pk: True})
    assert refused.value.code == "attempt_finished"


def test_the_flag_endpoint(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    slot = attempt.slots.first()
    url = reverse("quizzes:flag", args=[attempt.pk])
    for data in ({}, {"slot": slot.pk}, {"slot": slot.pk, "flagged": "yes"}, {"slot": "9" * 30, "flagged": "1"}):
        response = client.post(url, data)
        assert response.status_code == 400 and "error" in response.json(), data
    assert client.post(url, {"slot": 999999, "flagged": "1"}).status_code == 400
    response = client.post(url, {"slot": slot.pk, "flagged": "1"})
    assert response.status_code == 200 and response.json() == {"flagged": True}
    assert QuestionSlot.objects.get(pk=slot.pk).flagged
    assert client.get(url).status_code == 405
    client.force_login(UserFactory())
    assert client.post(url, {"slot": slot.pk, "flagged": "0"}).status_code == 404
    assert QuestionSlot.objects.get(pk=slot.pk).flagged


def test_the_navigator_knows_every_question_in_one_query(trainee, paged_quiz, django_assert_num_queries):
    attempt = services.attempt_start(quiz=paged_quiz, user=trainee)
    slots = list(attempt.slots.select_related("question").order_by("position"))
    services.answers_save(
        attempt_id=attempt.pk,
        user=trainee,
        answers=[
            services.AnswerInput(slot_id=slots[2].pk, values=["0"], version=0),
        ],
    )
    services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={slots[4].pk: True})
    with django_assert_num_queries(1):
        navigator = selectors.navigator_from(selectors.attempt_slots(attempt.pk), paged_quiz.questions_per_page)
    assert [(n.number, n.page, n.answered, n.flagged) for n in navigator] == [
        (1, 1, False, False),
        (2, 1, False, False),
        (3, 2, True, False),
        (4, 2, False, False),
        (5, 3, False, True),
    ]
    assert [n.slot_id for n in navigator] == [s.pk for s in slots]


def test_without_javascript_a_page_post_saves_flags_jumps_and_summarises(client, trainee, paged_quiz):
    client.force_login(trainee)
    attempt = start(client, paged_quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    first, second = attempt.slots.select_related("question").order_by("position")[:2]
    # Flag the second question of page 1 while answering the first, and jump to question 5.
    data = {**right_answer(first), "slot": [first.pk, second.pk], f"v{second.pk}": 0, "flag": [second.pk], "jump": 5}
    response = client.post(url, data)
    fifth = attempt.slots.get(position=5)
    assert response.status_code == 302 and response.url.endswith(f"?page=3#slot-{fifth.pk}")
    second.refresh_from_db()
    assert second.flagged and second.version == 0
    # Leaving the box unticked on the next post clears the flag.
    client.post(url, {"slot": [second.pk], f"v{second.pk}": 0, "goto": 2})
    second.refresh_from_db()
    assert not second.flagged
    client.post(url, {"slot": [second.pk], f"v{second.pk}": 0, "flag": [second.pk], "goto": 2})

    # "Submit…" without JavaScript: the summary page lists what is left, then submits.
    response = client.post(url, {"action": "summary", "page": 3})
    assert response.status_code == 302 and response.url.endswith("?summary=1")
    summary = client.get(response.url)
    assert summary.context["summary"] and summary.context["questions_html"] == ""
    assert [n["number"] for n in summary.context["unanswered"]] == ["2", "3", "4", "5"]
    assert [n["number"] for n in summary.context["flagged"]] == ["2"]
    html = summary.content.decode()
    assert 'name="jump" value="3"' in html and 'name="action" value="submit"' in html
    assert client.post(url, {"action": "submit"}).url.endswith("/review/")


def test_a_mistyped_number_keeps_the_trainee_on_its_page(client, trainee, mixed_quiz):
    mixed_quiz.questions_per_page = 1
    mixed_quiz.save()
    client.force_login(trainee)
    attempt = start(client, mixed_quiz)
    slot = attempt.slots.get(question__qtype="numerical")
    url = reverse("quizzes:attempt", args=[attempt.pk])
    response = client.post(url, {"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "chín mươi", "page": 4, "goto": 5})
    assert response.status_code == 302 and response.url.endswith("?page=4")


def test_a_tab_behind_an_attempt_submitted_elsewhere_is_told_so(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    services.attempt_submit(attempt_id=attempt.pk, user=trainee)  # on the phone
    response = client.get(reverse("quizzes:attempt", args=[attempt.pk]), follow=True)  # the laptop's tab
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/review/")
    assert "already submitted, in another tab or on another device" in html
    assert "data-time-up" not in html


def test_time_up_is_said_on_the_review_whoever_closed_the_attempt(client, trainee, quiz):
    client.force_login(trainee)
    # The page's timer sent the attempt at zero, within the grace period.
    attempt = start(client, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    attempt.refresh_from_db()
    assert attempt.is_finished and not attempt.closed_automatically
    html = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "data-time-up" in html and "Time ran out" in html
    # The platform closed it: opening the page again shows the review with the same words, and no "elsewhere".
    second = start(client, quiz)
    Attempt.objects.filter(pk=second.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    html = client.get(reverse("quizzes:attempt", args=[second.pk]), follow=True).content.decode()
    assert "Time ran out" in html and "another device" not in html
    # Submitted in time: no such words.
    third = start(client, quiz)
    client.post(reverse("quizzes:attempt", args=[third.pk]), {"action": "submit"})
    assert "data-time-up" not in client.get(reverse("quizzes:review", args=[third.pk])).content.decode()


def test_the_review_names_each_outcome_with_its_marks(client, trainee, mixed_quiz):
    client.force_login(trainee)
    attempt = start(client, mixed_quiz)
    slots = list(attempt.slots.select_related("question").prefetch_related("question__options"))
    single = next(s for s in slots if s.question.qtype == "single")
    client.post(reverse("quizzes:answer", args=[attempt.pk]), right_answer(single))
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    html = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert html.count("quiz-outcome-right") == 1 and html.count("quiz-outcome-unanswered") == 5
    assert "1/1 marks" in html and "0/1 marks" in html
    assert "Question 1" in html and "Not answered" in html


def test_the_intro_states_attempts_pass_mark_time_and_when_answers_are_shown(client, trainee, category):
    quiz = QuizFactory(
        rules=[(category, 1)],
        time_limit_minutes=15,
        pass_percent=80,
        max_attempts=3,
        review_when="after_close",
        close_at=timezone.now() + datetime.timedelta(days=2),
    )
    client.force_login(trainee)
    html = client.get(reverse("quizzes:quiz", args=[quiz.pk])).content.decode()
    for words in (
        "15 minutes",
        "80%",
        "Attempts allowed",
        "3 (3 left)",
        "After the quiz closes (",
        "Your best attempt",
    ):
        assert words in html, words
    quiz.review_when = "never"
    quiz.max_attempts = 0
    quiz.save()
    html = client.get(reverse("quizzes:quiz", args=[quiz.pk])).content.decode()
    assert "Never: you see your score only" in html and "Unlimited" in html


def test_a_partly_right_answer_is_named_so_with_its_share_of_the_marks(client, trainee, category):
    from tests.factories import QuestionFactory

    QuestionFactory(
        category=category,
        qtype="multiple",
        partial_credit=True,
        options=[("Năm 2005", True), ("Năm 2009", False), ("Năm 2013", True)],
    )
    quiz = QuizFactory(rules=[(category, 1)], shuffle_options=False)
    client.force_login(trainee)
    attempt = start(client, quiz)
    slot = attempt.slots.get()
    client.post(reverse("quizzes:answer", args=[attempt.pk]), {"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "0"})
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    html = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "quiz-outcome-partial" in html and "Partly right" in html and "0.5/1 marks" in html
