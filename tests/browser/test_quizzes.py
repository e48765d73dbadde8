"""A trainee answers half a quiz on a phone, reloads, finds their answers, finishes and sees the review."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STEMS = {
    "single": "Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào?",
    "multiple": "Luật số 15/2003/QH11 được sửa đổi, bổ sung vào những năm nào?",
    "truefalse": "Chỉ thị số 39-CT/TW được ban hành ngày 21/5/2004.",
    "short": "Trong số hiệu 13/2015/TT-BTTTT, “TT” là loại văn bản gì?",
}


@pytest.fixture
def quiz_data(transactional_db):
    from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

    category = QuestionCategoryFactory(name="Chuyên đề thử")
    QuestionFactory(
        category=category,
        stem=f"<p>{STEMS['single']}</p>",
        options=[("01/01/2023", False), ("01/01/2024", True), ("01/7/2024", False)],
    )
    QuestionFactory(
        category=category,
        qtype="multiple",
        stem=f"<p>{STEMS['multiple']}</p>",
        options=[("Năm 2005", True), ("Năm 2009", False), ("Năm 2013", True)],
    )
    QuestionFactory(
        category=category,
        qtype="truefalse",
        stem=f"<p>{STEMS['truefalse']}</p>",
        options=[("Đúng", True), ("Sai", False)],
    )
    QuestionFactory(category=category, qtype="short", stem=f"<p>{STEMS['short']}</p>", options=[("Thông tư", True)])
    quiz = QuizFactory(title="Kiểm tra thử", rules=[(category, 4)], time_limit_minutes=10, pass_percent=50)
    user = UserFactory(email="hocvien.kiemtra@example.vn", full_name="Trần Thị Bình")
    return {"quiz_url": f"/quizzes/{quiz.pk}/", "email": user.email}


def question(page, kind):
    return page.locator("fieldset.quiz-question", has_text=STEMS[kind])


def answer_saved(page, action):
    """Do ``action`` and wait for the autosave it triggers to be answered by the server."""
    with page.expect_response(lambda r: r.url.endswith("/answer/") and r.request.method == "POST") as info:
        action()
    assert info.value.status == 200, info.value.text()


def test_a_trainee_answers_half_reloads_finds_the_answers_and_finishes(quiz_data, page):
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, quiz_data["email"], DEFAULT_PASSWORD)
    page.goto(quiz_data["quiz_url"])
    page.locator("form[action$='/start/'] button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/[0-9a-f-]+/$"))
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^(9|10):\d\d$"))

    # Half the quiz: the single-choice and the short-answer questions.
    answer_saved(page, lambda: question(page, "single").get_by_label("01/01/2024").check())
    answer_saved(page, lambda: question(page, "short").get_by_role("textbox").fill("thông tư"))
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")

    # What comes back is the server's copy, not the browser's queue (as on another device).
    page.evaluate("window.localStorage.clear()")
    page.reload()
    expect(question(page, "single").get_by_label("01/01/2024")).to_be_checked()
    expect(question(page, "single").get_by_label("01/01/2023")).not_to_be_checked()
    expect(question(page, "short").get_by_role("textbox")).to_have_value("thông tư")
    expect(question(page, "multiple").locator("input:checked")).to_have_count(0)

    # The other half, then submit (the page asks for confirmation in its own dialog).
    answer_saved(page, lambda: question(page, "multiple").get_by_label("Năm 2005").check())
    answer_saved(page, lambda: question(page, "multiple").get_by_label("Năm 2013").check())
    answer_saved(page, lambda: question(page, "truefalse").get_by_label("Sai").check())
    page.locator(".quiz-pager [data-open-submit]").click()
    page.get_by_role("dialog").locator("[data-submit]").click()

    expect(page).to_have_url(re.compile(r"/review/$"))
    result = page.locator("[data-result]")
    expect(result).to_contain_text("3 / 4")
    expect(result).to_contain_text("75%")
    # The review names the right answer of the question answered wrongly, with its explanation.
    expect(page.locator(".quiz-right").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Giải thích bí mật")


def test_answers_given_with_the_connection_lost_are_kept_and_sent_when_it_returns(quiz_data, page):
    from quizzes.models import Attempt
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, quiz_data["email"], DEFAULT_PASSWORD)
    page.goto(quiz_data["quiz_url"])
    page.locator("form[action$='/start/'] button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/[0-9a-f-]+/$"))
    answer_saved(page, lambda: question(page, "single").get_by_label("01/01/2024").check())

    # The venue's Wi-Fi drops mid-quiz: answers wait in the browser, and the page says so.
    page.context.set_offline(True)
    question(page, "truefalse").get_by_label("Sai").check()
    question(page, "short").get_by_role("textbox").fill("thông tư")
    expect(page.locator("[data-save-status]")).not_to_have_attribute("data-state", "saved", timeout=10_000)
    attempt = Attempt.objects.get()
    assert attempt.slots.filter(answered_at__isnull=False).count() == 1

    # A reload while offline is not possible; the connection returns and the queue is sent.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved", timeout=20_000)
    assert attempt.slots.filter(answered_at__isnull=False).count() == 3
    page.evaluate("window.localStorage.clear()")  # what comes back is the server's copy
    page.reload()
    expect(question(page, "single").get_by_label("01/01/2024")).to_be_checked()
    expect(question(page, "truefalse").get_by_label("Sai")).to_be_checked()
    expect(question(page, "short").get_by_role("textbox")).to_have_value("thông tư")
