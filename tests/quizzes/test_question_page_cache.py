"""The question page's caches: each question's content (shared by every taker) and each slot's rendered question.

Checked both ways: an edit of a question, an option or a case study, a saved
answer and a flag show on the next load; one trainee never sees another's
answers, flags or attempt, and no right answer is ever cached into a page.
"""

import datetime
import re

import pytest
from django.urls import reverse

from quizzes import services
from quizzes.models import CaseStudy, Option, Question
from tests.factories import QuestionFactory, UserFactory
from tests.quizzes.test_views import (
    assert_no_right_answers,
    high_option_ids,  # noqa: F401 - a fixture
    right_answer,
    start,
    without_random_tokens,
)

pytestmark = pytest.mark.django_db


def page(client, attempt) -> str:
    response = client.get(reverse("quizzes:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_edited_question_option_or_case_study_shows_on_the_next_load(client, trainee, mixed_quiz):
    client.force_login(trainee)
    attempt = start(client, mixed_quiz)
    html = page(client, attempt)
    # The second load is served from the caches: the same page, but for the tokens and the clock.
    again = page(client, attempt)
    assert re.sub(r"data-remaining=\"\d+\"|data-timer>[^<]*<", "", without_random_tokens(again, attempt)) == re.sub(
        r"data-remaining=\"\d+\"|data-timer>[^<]*<", "", without_random_tokens(html, attempt)
    )

    slots = {s.question.qtype: s for s in attempt.slots.select_related("question", "question__case_study")}
    single = slots["single"].question
    single.stem = "<p>Câu hỏi đã sửa lại?</p>"
    single.save()
    assert "Câu hỏi đã sửa lại?" in page(client, attempt)

    # An option saved on its own (not through the question's form) moves its question's version too.
    option = Option.objects.filter(question=single).order_by("sort_order").first()
    option.text = "Phương án đã sửa"
    option.save()
    assert "Phương án đã sửa" in page(client, attempt)
    option.delete()
    assert "Phương án đã sửa" not in page(client, attempt)

    case = slots["truefalse"].question.case_study
    case.scenario = "<p>Tình huống đã sửa.</p>"
    case.save()
    assert "Tình huống đã sửa." in page(client, attempt)
    CaseStudy.objects.filter(pk=case.pk).first().delete()
    html = page(client, attempt)
    assert "Tình huống đã sửa." not in html and "quiz-case" not in html
    assert Question.objects.filter(case_study__isnull=True, pk=slots["truefalse"].question.pk).exists()


def test_a_saved_answer_and_a_flag_show_on_the_next_load(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    page(client, attempt)
    slot = attempt.slots.select_related("question").order_by("position").first()
    answer = right_answer(slot)
    response = client.post(reverse("quizzes:answer", args=[attempt.pk]), answer)
    assert response.status_code == 200
    html = page(client, attempt)
    chosen = answer[f"q{slot.pk}"][0]
    assert f'name="q{slot.pk}" value="{chosen}" checked' in html
    assert f'name="v{slot.pk}" value="1" data-version' in html
    assert "data-answered-count>1<" in html

    client.post(reverse("quizzes:flag", args=[attempt.pk]), {"slot": slot.pk, "flagged": "1"})
    html = page(client, attempt)
    assert f'value="{slot.pk}" data-flag checked' in html
    assert re.search(rf'data-nav="{slot.pk}"[^>]*data-answered="1" data-flagged="1"', html)
    client.post(reverse("quizzes:flag", args=[attempt.pk]), {"slot": slot.pk, "flagged": "0"})
    assert f'value="{slot.pk}" data-flag checked' not in page(client, attempt)


@pytest.mark.usefixtures("high_option_ids")
def test_one_trainee_never_sees_anothers_answers_flags_or_attempt(client, trainee, mixed_quiz):
    other = UserFactory(full_name="Người khác")
    client.force_login(trainee)
    mine = start(client, mixed_quiz)
    # The first trainee answers every question and flags them all; the caches now hold their page.
    for slot in mine.slots.select_related("question").prefetch_related("question__options"):
        assert client.post(reverse("quizzes:answer", args=[mine.pk]), right_answer(slot)).status_code == 200
        client.post(reverse("quizzes:flag", args=[mine.pk]), {"slot": slot.pk, "flagged": "1"})
    html = page(client, mine)
    assert html.count("data-flag checked") == mine.slots.count()
    assert f"data-answered-count>{mine.slots.count()}<" in html

    client.force_login(other)
    theirs = start(client, mixed_quiz)
    assert client.get(reverse("quizzes:attempt", args=[mine.pk])).status_code == 404
    html = page(client, theirs)
    # The same questions, none of the first trainee's answers, flags, versions or slots.
    assert set(re.findall(r'data-slot="(\d+)"', html)) == {str(pk) for pk in theirs.slots.values_list("pk", flat=True)}
    assert " checked" not in html and " selected" not in html
    assert set(re.findall(r'name="v\d+" value="(\d+)" data-version', html)) == {"0"}
    assert set(re.findall(r'class="quiz-typed-input[^"]*"[^>]*? value="([^"]*)"', html)) == {""}
    assert "data-answered-count>0<" in html and 'data-flagged="1"' not in html
    for pk in mine.slots.values_list("pk", flat=True):
        assert f'data-slot="{pk}"' not in html
    assert_no_right_answers(html, theirs)
    assert_no_right_answers(page(client, theirs), theirs)  # and from the caches


def test_the_question_page_speaks_each_language_from_its_own_copy(client, trainee, quiz, settings):
    client.force_login(trainee)
    attempt = start(client, quiz)
    english = page(client, attempt)
    assert "Flag for review" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    vietnamese = page(client, attempt)
    assert "Flag for review" not in vietnamese and 'lang="vi"' in vietnamese


# --- the whole page, stored once rendered -------------------------------------------------------

MASKED = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def served_from_cache(client, attempt) -> tuple[str, bool]:
    """The page, and whether it came whole from the cache (no template rendered)."""
    from django.test.signals import template_rendered

    rendered = []

    def seen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        html = page(client, attempt)
    finally:
        template_rendered.disconnect(seen)
    return html, not rendered


def test_the_second_load_is_the_stored_page_with_its_own_tokens_and_clock(trainee, quiz):
    import time_machine
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    with time_machine.travel("2026-12-05 08:00:00+07:00", tick=False):
        attempt = services.attempt_start(quiz=quiz, user=trainee)
        fresh, hit = served_from_cache(client, attempt)
        assert not hit and 'data-remaining="600"' in fresh and "data-timer>10:00<" in fresh
    with time_machine.travel("2026-12-05 08:01:15+07:00", tick=False):
        stored, hit = served_from_cache(client, attempt)
        # The stored form's token works.
        slot = attempt.slots.select_related("question").order_by("position").first()
        token = MASKED.search(stored)[1]
        response = client.post(
            reverse("quizzes:attempt", args=[attempt.pk]), {**right_answer(slot), "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
    assert hit
    # The seconds left are counted on each load, the tokens are this request's own, the rest is the same page.
    assert 'data-remaining="525"' in stored and "data-timer>8:45<" in stored
    assert "\x00" not in stored
    clock = r"data-remaining=\"\d+\"|data-timer>[^<]*<"
    assert re.sub(clock, "", without_random_tokens(stored, attempt)) == re.sub(
        clock, "", without_random_tokens(fresh, attempt)
    )
    slot.refresh_from_db()
    assert slot.version == 1


def test_a_deadline_change_and_a_quiz_setting_show_at_once(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    page(client, attempt)
    assert served_from_cache(client, attempt)[1]

    # Extra time given (as an organiser would in the admin): the clock shows it on the next load.
    type(attempt).objects.filter(pk=attempt.pk).update(deadline=attempt.deadline + datetime.timedelta(minutes=30))
    html, hit = served_from_cache(client, attempt)
    assert not hit
    assert 2390 < int(re.search(r'data-remaining="(\d+)"', html)[1]) <= 2400
    type(attempt).objects.filter(pk=attempt.pk).update(deadline=None)
    html = page(client, attempt)
    assert "data-remaining" not in html and "data-timer" not in html

    quiz.title = "Kiểm tra đã đổi tên"
    quiz.save()
    assert "Kiểm tra đã đổi tên" in page(client, attempt)
    quiz.questions_per_page = 2
    quiz.save()
    html = page(client, attempt)
    assert html.count('class="quiz-question"') == 2 and "Page 1/3" in html


def test_a_message_is_shown_once_and_never_stored(client, trainee, quiz):
    client.force_login(trainee)
    numeric = QuestionFactory(category=quiz.rules.first().category, qtype="numerical", options=[("12", True)])
    quiz.rules.update(count=Question.objects.filter(category=numeric.category).count())  # every one, the number too
    attempt = start(client, quiz)
    slot = attempt.slots.get(question=numeric)
    page(client, attempt)
    response = client.post(
        reverse("quizzes:attempt", args=[attempt.pk]) + "?page=1",
        {"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "mười hai", "page": "1"},
        follow=True,
    )
    assert "is not a number" in response.content.decode()
    # The page stored before the post, which never held the message.
    html, hit = served_from_cache(client, attempt)
    assert hit and "is not a number" not in html


def test_another_page_or_the_summary_is_its_own_copy(client, trainee, quiz):
    quiz.questions_per_page = 2
    quiz.save()
    client.force_login(trainee)
    attempt = start(client, quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    summary = client.get(url + "?summary=1").content.decode()
    assert client.get(url).content.decode().count('class="quiz-question"') == 2
    ids = [
        set(re.findall(r'data-slot="(\d+)"', html))
        for html in (first, second, client.get(url + "?page=2").content.decode())
    ]
    assert ids[0].isdisjoint(ids[1]) and ids[1] == ids[2]
    assert 'class="quiz-question"' not in summary and "quiz-summary" in summary
    # The return path of the language switch follows the page's own address.
    assert 'name="next" value="/quizzes/attempts/' in second and "?page=2" in second


def test_another_pages_copy_changes_with_what_its_navigator_shows(client, trainee, quiz):
    quiz.questions_per_page = 2
    quiz.save()
    client.force_login(trainee)
    attempt = start(client, quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk]) + "?page=2"
    first = attempt.slots.select_related("question").order_by("position").first()  # on page 1

    def page_two() -> tuple[str, bool]:
        from django.test.signals import template_rendered

        rendered = []
        template_rendered.connect(receiver := lambda sender, template, **kwargs: rendered.append(template.name))
        try:
            return client.get(url).content.decode(), not rendered
        finally:
            template_rendered.disconnect(receiver)

    page_two()
    # Page 1's question answered: page 2's navigator counts it, so page 2 is made again.
    answer = services.AnswerInput(first.pk, ["0"], version=0)
    services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[answer])
    html, hit = page_two()
    assert not hit and "data-answered-count>1<" in html
    assert re.search(rf'data-nav="{first.pk}"[^>]*data-answered="1" data-flagged="0"', html)
    # Its answer changed: nothing page 2 shows has changed.
    services.answers_save(
        attempt_id=attempt.pk, user=trainee, answers=[services.AnswerInput(first.pk, ["1"], version=1)]
    )
    assert page_two()[1]
    # Flagged, then cleared: page 2's navigator shows both.
    services.slots_flag(attempt_id=attempt.pk, user=trainee, flags={first.pk: True})
    html, hit = page_two()
    assert not hit and re.search(rf'data-nav="{first.pk}"[^>]*data-flagged="1"', html)
    services.answers_save(attempt_id=attempt.pk, user=trainee, answers=[services.AnswerInput(first.pk, [], version=2)])
    html, hit = page_two()
    assert not hit and "data-answered-count>0<" in html
