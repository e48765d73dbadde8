"""Trainee pages (attempt, autosave, review) and editors' pages (import, export, statistics)."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from quizzes import services
from quizzes.models import Attempt, Option, Question, QuestionSlot, QuestionType
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory
from tests.quizzes.conftest import SECRET

pytestmark = pytest.mark.django_db


def start(client, quiz):
    response = client.post(reverse("quizzes:start", args=[quiz.pk]))
    assert response.status_code == 302, response
    return Attempt.objects.get(quiz=quiz, state="in_progress", user_id=client.session["_auth_user_id"])


def right_answer(slot: QuestionSlot) -> dict:
    """The POST fields of the right answer to ``slot``, as the page's form would send them."""
    options = {o.pk: o for o in slot.question.options.all()}
    data = {"slot": str(slot.pk), f"v{slot.pk}": str(slot.version)}
    qtype = slot.question.qtype
    if qtype in (QuestionType.SHORT, QuestionType.NUMERICAL):
        data[f"q{slot.pk}"] = next(o.text for o in options.values() if o.is_correct)
    elif qtype == QuestionType.MATCHING:
        for position, oid in enumerate(slot.option_order):
            data[f"q{slot.pk}_m{position}"] = str(slot.match_choices.index(options[oid].match_text))
    else:
        data[f"q{slot.pk}"] = [str(i) for i, oid in enumerate(slot.option_order) if options[oid].is_correct]
    return data


def without_random_tokens(html: str, attempt: Attempt) -> str:
    """The page minus what is random on every request (CSRF token, CSP nonce, the attempt's UUID)."""
    html = html.replace(str(attempt.pk), "")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def assert_no_right_answers(text: str, attempt: Attempt) -> None:
    text = without_random_tokens(text, attempt)
    assert SECRET not in text  # explanations, option feedback, accepted short answers
    assert "is_correct" not in text and "correct" not in text.lower()
    # Options are named by position; no option id reaches the browser.
    option_ids = Option.objects.filter(question__in=attempt.slots.values("question")).values_list("pk", flat=True)
    assert min(option_ids) > 1000  # see high_option_ids
    for oid in option_ids:
        assert not re.search(rf"(?<!\d){oid}(?!\d)", text), oid


@pytest.fixture
def high_option_ids(db):
    # Option ids above any position or page number, so that finding one in a page means a leak.
    filler = QuestionFactory(category=QuestionCategoryFactory(name="Đệm"), options=[])
    Option.objects.bulk_create([Option(question=filler, text="x", fraction=0, sort_order=i) for i in range(1000)])


def test_no_right_answer_reaches_the_browser_before_review(client, trainee, high_option_ids, mixed_quiz):
    client.force_login(trainee)
    attempt = start(client, mixed_quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'style="' not in html
    assert_no_right_answers(html, attempt)
    # Every type is on the page; options carry positions, not ids.
    slots = list(attempt.slots.select_related("question").prefetch_related("question__options"))
    assert {s.question.qtype for s in slots} == set(QuestionType.values)
    values = set(re.findall(r'type="(?:radio|checkbox)" name="q\d+" value="([^"]*)"', html))
    assert values <= {"0", "1", "2"}
    # A case study's scenario is shown once, above the first of its questions.
    assert html.count("Đơn vị A đề nghị khen thưởng") == 1
    # Answer every question; each save's JSON carries nothing but the slot posted, the new version and the time left.
    for slot in slots:
        response = client.post(reverse("quizzes:answer", args=[attempt.pk]), right_answer(slot))
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"saved", "slot", "version", "remaining"} and body["slot"] == slot.pk
        assert_no_right_answers(response.content.decode(), attempt)
    # A stale save's refusal names only the slot posted and its current version.
    stale = client.post(reverse("quizzes:answer", args=[attempt.pk]), right_answer(slots[0]))
    assert stale.status_code == 409 and set(stale.json()) == {"error", "slot", "version", "message"}
    # Reloaded, the page shows the answers given, still without right answers or ids
    # (the short answer typed is the trainee's own text, shown back to them).
    html = client.get(url).content.decode()
    assert f'value="đáp án {SECRET}"' in html
    assert_no_right_answers(html.replace(f'value="đáp án {SECRET}"', ""), attempt)
    assert html.count(" checked") == 4  # single (1), multiple (2), true/false (1)
    assert html.count(" selected") == 2  # the two pairs
    submitted = client.post(url, {"action": "submit"})
    assert submitted.status_code == 302 and submitted.url.endswith("/review/")
    review = client.get(submitted.url).content.decode()
    assert SECRET in review  # after submit, this quiz's review shows them
    attempt.refresh_from_db()
    assert attempt.percent == 100 and attempt.passed


@pytest.mark.parametrize("review_when", ["never", "after_close"])
def test_review_withholds_right_answers_until_its_rule_allows(client, trainee, mixed_quiz, review_when):
    mixed_quiz.review_when = review_when
    mixed_quiz.close_at = timezone.now() + datetime.timedelta(days=1)
    mixed_quiz.save()
    client.force_login(trainee)
    attempt = start(client, mixed_quiz)
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    review = client.get(reverse("quizzes:review", args=[attempt.pk]))
    html = review.content.decode()
    assert review.status_code == 200
    assert SECRET not in html and "quiz-right" not in html and "quiz-marks" not in html
    assert "data-result" in html  # the score and pass/fail are shown
    if review_when == "after_close":
        # Once the quiz closes, the same review shows them.
        type(mixed_quiz).objects.filter(pk=mixed_quiz.pk).update(
            close_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        html = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
        assert SECRET in html and "quiz-right" in html


def test_review_cites_the_provision(client, trainee):
    from tests.factories import RegulationPageFactory

    regulation = RegulationPageFactory(document_number="13/2015/TT-BTTTT")
    question = QuestionFactory(regulation=regulation, article="Điều 5")
    quiz = QuizFactory(rules=[(question.category, 1)])
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    html = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "Điều 5" in html and "13/2015/TT-BTTTT" in html and regulation.url in html
    assert "Giải thích bí mật" in html


def test_another_users_attempt_is_a_404(client, trainee, quiz):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    slot = attempt.slots.first()
    client.force_login(UserFactory())
    for name in ("quizzes:attempt", "quizzes:review"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"}).status_code == 404
    response = client.post(reverse("quizzes:answer", args=[attempt.pk]), {"slot": slot.pk, f"v{slot.pk}": 0})
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert not attempt.is_finished
    # An attempt id that is not a UUID is not found either.
    assert client.get("/quizzes/attempts/not-a-uuid/").status_code == 404


def test_bad_answer_posts_are_refused_and_change_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    slot = attempt.slots.first()
    url = reverse("quizzes:answer", args=[attempt.pk])
    cases = [
        ({}, 400),
        ({"slot": [slot.pk, slot.pk + 1]}, 400),
        ({"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "9"}, 400),
        ({"slot": 999999, "v999999": 0, "q999999": "0"}, 400),
        # Past Python's 4,300-digit conversion limit, past 64 bits, and a digit that is no number.
        ({"slot": "9" * 5000}, 400),
        ({"slot": slot.pk, f"v{slot.pk}": "9" * 5000, f"q{slot.pk}": "9" * 5000}, 400),
        ({"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "99999999999999999999"}, 400),
        ({"slot": "²"}, 400),
    ]
    for data, status in cases:
        response = client.post(url, data)
        assert response.status_code == status, (data, response.content)
        assert "error" in response.json()
    assert client.get(url).status_code == 405
    assert not QuestionSlot.objects.filter(response__isnull=False).exists()


def test_answer_after_deadline_and_grace_is_refused_with_a_message(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=31))
    slot = attempt.slots.select_related("question").first()
    response = client.post(reverse("quizzes:answer", args=[attempt.pk]), right_answer(slot))
    assert response.status_code == 409
    assert response.json()["error"] == "deadline_passed" and "Time is up" in response.json()["message"]
    attempt.refresh_from_db()
    assert attempt.is_finished and attempt.closed_automatically
    # Within the grace period it still counts.
    other = services.attempt_start(quiz=quiz, user=UserFactory())
    client.force_login(other.user)
    Attempt.objects.filter(pk=other.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=20))
    slot = other.slots.select_related("question").first()
    assert client.post(reverse("quizzes:answer", args=[other.pk]), right_answer(slot)).status_code == 200


def test_opening_an_overdue_attempt_grades_it(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    response = client.get(reverse("quizzes:attempt", args=[attempt.pk]))
    assert response.status_code == 302 and response.url.endswith("/review/")
    attempt.refresh_from_db()
    assert attempt.is_finished and attempt.closed_automatically and attempt.percent == 0
    detail = client.get(reverse("quizzes:quiz", args=[quiz.pk])).content.decode()
    assert reverse("quizzes:review", args=[attempt.pk]) in detail


def test_double_submit_grades_once(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    slot = attempt.slots.select_related("question").first()
    first = client.post(url, {**right_answer(slot), "action": "submit"})
    attempt.refresh_from_db()
    finished_at, score = attempt.finished_at, attempt.score
    assert score == 1
    # The retry after a timeout: same answers, an older version, the attempt already finished.
    second = client.post(url, {**right_answer(slot), "action": "submit"})
    assert first.url == second.url and second.url.endswith("/review/")
    attempt.refresh_from_db()
    assert (attempt.finished_at, attempt.score) == (finished_at, score)


def test_form_navigation_without_javascript_saves_answers(client, trainee, quiz):
    quiz.questions_per_page = 2
    quiz.save()
    client.force_login(trainee)
    attempt = start(client, quiz)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    page = client.get(url)
    assert page.context["pages"] == 3 and page.content.decode().count('class="quiz-question"') == 2
    slot = attempt.slots.select_related("question").get(position=1)
    response = client.post(url, {**right_answer(slot), "goto": "3"})
    assert response.status_code == 302 and "page=3" in response.url
    assert client.get(response.url).content.decode().count('class="quiz-question"') == 1
    slot.refresh_from_db()
    assert slot.response is not None and slot.version == 1


# --- query counts as the bank grows -------------------------------------------------------


def grow_bank(category, count: int) -> None:
    questions = Question.objects.bulk_create(
        [Question(category=category, stem=f"<p>Câu hỏi thêm {i}</p>") for i in range(count)]
    )
    Option.objects.bulk_create(
        [
            Option(question=q, text=f"Phương án {n}", is_correct=n == 0, fraction=int(n == 0), sort_order=n)
            for q in questions
            for n in range(4)
        ]
    )


def test_question_page_and_answer_save_queries_do_not_grow_with_the_bank(
    client, settings, django_assert_max_num_queries
):
    category = QuestionCategoryFactory(name="Ngân hàng lớn")
    grow_bank(category, 20)
    quiz = QuizFactory(rules=[(category, 10)], time_limit_minutes=10)

    def measure():
        client.force_login(UserFactory())
        attempt = start(client, quiz)
        url = reverse("quizzes:attempt", args=[attempt.pk])
        client.get(reverse("quizzes:quiz", args=[quiz.pk]))  # the session and the site's menu, read once
        with django_assert_max_num_queries(100) as cold:
            assert client.get(url).status_code == 200
        cold_count = len(cold)  # right after the request: a later one empties the log
        with django_assert_max_num_queries(100) as page_queries:
            assert client.get(url).status_code == 200
        page_count = len(page_queries)
        answer = right_answer(attempt.slots.select_related("question").first())
        with django_assert_max_num_queries(100) as save_queries:
            assert client.post(reverse("quizzes:answer", args=[attempt.pk]), answer).status_code == 200
        save_count = len(save_queries)
        # The page after an answer: one question rendered again, from its cached content.
        with django_assert_max_num_queries(100) as after_save:
            assert client.get(url).status_code == 200
        return cold_count, page_count, save_count, len(after_save)

    small = measure()
    grow_bank(category, 1980)
    assert Question.objects.filter(category=category).count() == 2000
    for _ in range(5):  # other people's attempts, answered
        client.force_login(UserFactory())
        other = start(client, quiz)
        for slot in other.slots.select_related("question"):
            client.post(reverse("quizzes:answer", args=[other.pk]), right_answer(slot))
    large = measure()
    assert large == small
    # The first view: session, user, one read of the attempt with its quiz, every slot and the content generation
    # (the menu's), the questions, their options: 5. Then the whole page is stored: 3. The autosave: session, user,
    # the read of the attempt and the slot, the UPDATE; on SQLite in a transaction (a savepoint here, BEGIN and
    # COMMIT outside a test), on PostgreSQL none: the UPDATE locks the attempt itself. After an answer the page is
    # rendered again, its questions from their cached content and fragments: 3.
    # With Redis (SESSION_ENGINE "cache") the session is no query, nor the user when kept with it
    # (accounts.identity): one fewer on each for each.
    base = (0 if settings.SESSION_ENGINE.endswith(".cache") else 1) + (0 if settings.IDENTITY_CACHE else 1)
    save = 2 if connection.vendor == "postgresql" else 4
    assert small == (3 + base, 1 + base, save + base, 1 + base), small


# --- editors' pages -----------------------------------------------------------------------


@pytest.fixture
def editor_urls(quiz, category):
    return [
        reverse("quizzes:import"),
        reverse("quizzes:xlsx_template"),
        reverse("quizzes:export", args=[category.pk, "gift"]),
        reverse("quizzes:export", args=[category.pk, "xlsx"]),
        reverse("quizzes:statistics", args=[quiz.pk]),
    ]


def test_editor_pages_are_for_editors_with_mfa(client, editor_urls, make_staff, enable_totp, unit):
    for url in editor_urls:
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    for role, kwargs in [(Role.TRAINEE, {}), (Role.ORGANISER, {}), (Role.COORDINATOR, {"unit": unit})]:
        user = make_staff(role, **kwargs)
        enable_totp(user)
        client.force_login(user)
        for url in editor_urls:
            assert client.get(url).status_code == 403, (role, url)
    for role in (Role.EDITOR, Role.MODERATOR, Role.ADMIN):
        user = make_staff(role)
        client.force_login(user)
        response = client.get(editor_urls[0])
        assert response.status_code == 302 and "/2fa/totp/activate/" in response.url
        enable_totp(user)
        for url in editor_urls:
            assert client.get(url).status_code == 200, (role, url)
    # Posting an import is refused the same way.
    client.force_login(UserFactory())
    assert client.post(editor_urls[0], {"confirm": "1"}).status_code == 403


def test_export_of_an_unknown_format_or_category_is_a_404(client, editor, category):
    client.force_login(editor)
    assert client.get(f"/quizzes/manage/categories/{category.pk}/export.pdf").status_code == 404
    assert client.get("/quizzes/manage/categories/999999/export.gift").status_code == 404
    assert client.get("/quizzes/manage/999999/statistics/").status_code == 404


def test_export_downloads(client, editor, quiz, category):
    client.force_login(editor)
    gift = client.get(reverse("quizzes:export", args=[category.pk, "gift"]))
    assert gift["Content-Type"].startswith("text/plain") and "attachment" in gift["Content-Disposition"]
    assert gift.content.decode().count("[html]") == 6
    xlsx = client.get(reverse("quizzes:export", args=[category.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"


GIFT = """\
::Một:: Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào? {=01/01/2024 ~01/01/2023}

::Hai:: Chỉ thị 39-CT/TW ban hành ngày 21/5/2004. {TRUE}
"""


def upload(client, category, content: bytes, fmt="gift", name="bank.txt"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("quizzes:import"),
        {"category": category.pk, "format": fmt, "file": SimpleUploadedFile(name, content)},
    )


def test_import_shows_a_preview_and_saves_only_on_confirm(client, editor):
    category = QuestionCategoryFactory(name="Nhập thử")
    client.force_login(editor)
    preview = upload(client, category, GIFT.encode())
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "có hiệu lực từ ngày nào" in html and "line 3" in html and 'name="confirm"' in html
    assert not Question.objects.filter(category=category).exists()
    token = preview.context["token"]
    confirmed = client.post(reverse("quizzes:import"), {"confirm": "1", "token": token})
    assert confirmed.status_code == 302
    assert Question.objects.filter(category=category).count() == 2
    # Confirming again (a double click, the back button) imports nothing more and says what the first did.
    again = client.post(reverse("quizzes:import"), {"confirm": "1", "token": token}, follow=True)
    assert Question.objects.filter(category=category).count() == 2
    assert "already imported (2 questions" in again.content.decode()


def test_import_with_problems_lists_them_and_saves_nothing(client, editor):
    category = QuestionCategoryFactory(name="Nhập lỗi")
    client.force_login(editor)
    response = upload(client, category, (GIFT + "\n::Ba:: Không có đáp án đúng {~Một ~Hai}\n").encode())
    html = response.content.decode()
    assert response.status_code == 200
    assert "line 5" in html and 'name="confirm"' not in html
    assert "quizzes_import" not in client.session
    assert not Question.objects.filter(category=category).exists()
    big = upload(client, category, b"x" * (5 * 1024 * 1024 + 1))
    assert "5 MB" in big.content.decode()
    unknown = upload(client, category, GIFT.encode(), fmt="pdf")
    assert unknown.status_code == 200 and 'name="confirm"' not in unknown.content.decode()


def test_statistics_page_shows_items_and_flags(client, editor, quiz, trainee):
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    services.attempt_submit(attempt_id=attempt.pk, user=trainee)
    client.force_login(editor)
    html = client.get(reverse("quizzes:statistics", args=[quiz.pk])).content.decode()
    assert 'data-stat="attempts">1<' in html
    assert "quiz-flagged" in html  # nobody got anything right: every question is "very hard"
    assert 'style="' not in html


def test_statistics_page_queries_do_not_grow_with_attempts(
    client, editor, quiz, django_assert_num_queries, django_assert_max_num_queries
):
    def finish_one():
        user = UserFactory()
        attempt = services.attempt_start(quiz=quiz, user=user)
        services.attempt_submit(attempt_id=attempt.pk, user=user)

    finish_one()
    client.force_login(editor)
    url = reverse("quizzes:statistics", args=[quiz.pk])
    client.get(url)
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    for _ in range(5):
        finish_one()
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_json_is_json(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    slot = attempt.slots.first()
    response = client.post(reverse("quizzes:answer", args=[attempt.pk]), {"slot": slot.pk, f"v{slot.pk}": 0})
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["saved"] is True


# --- the Wagtail admin --------------------------------------------------------------------


def question_form(category, options):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    return nested_form_data(
        {
            "category": category.pk,
            "qtype": "single",
            "name": "",
            "stem": "<p>Danh hiệu nào xét tặng cho cá nhân?</p>",
            "feedback": "",
            "article": "",
            "difficulty": "medium",
            "marks": "1",
            "is_active": "on",
            "options": inline_formset(
                [
                    {"text": text, "is_correct": "on" if right else "", "match_text": "", "feedback": ""}
                    for text, right in options
                ]
            ),
        }
    )


def test_editors_keep_the_bank_in_the_admin_and_a_question_needs_a_right_answer(client, editor, category):
    client.force_login(editor)
    assert client.get("/admin/snippets/quizzes/question/").status_code == 200
    assert client.get("/admin/snippets/quizzes/quiz/add/").status_code == 200
    url = "/admin/snippets/quizzes/question/add/"
    refused = client.post(url, question_form(category, [("Lao động tiên tiến", False), ("Cờ thi đua", False)]))
    assert refused.status_code == 200
    assert "The question has no right answer." in refused.content.decode() or "không có đáp án đúng" in (
        refused.content.decode()
    )
    assert not Question.objects.filter(category=category).exists()
    saved = client.post(url, question_form(category, [("Lao động tiên tiến", True), ("Cờ thi đua", False)]))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    question = Question.objects.get(category=category)
    assert list(question.options.values_list("text", "is_correct")) == [
        ("Lao động tiên tiến", True),
        ("Cờ thi đua", False),
    ]


def test_trainees_and_organisers_do_not_reach_the_bank_in_the_admin(client, make_staff, enable_totp):
    organiser = make_staff(Role.ORGANISER)
    enable_totp(organiser)
    client.force_login(organiser)
    response = client.get("/admin/snippets/quizzes/question/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/admin/snippets/quizzes/" not in response.url
