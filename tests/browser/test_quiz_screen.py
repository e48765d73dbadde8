"""The quiz screen on a 360×740 phone: navigator, pages, flags, the submit dialog, time-up, steady layout.

Each test leaves 360×740 screenshots in ``test-results/quiz-screen/`` (git-ignored) for a person to look at.
"""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 360, "height": 740}
STEMS = [
    "Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào?",
    "Luật số 15/2003/QH11 được sửa đổi, bổ sung vào những năm nào?",
    "Chỉ thị số 39-CT/TW được ban hành ngày 21/5/2004.",
    "Ghép mỗi văn bản với loại văn bản của nó.",
    "Trong 5 năm (2004–2009), bao nhiêu cá nhân ngành TT&TT được tặng danh hiệu Chiến sĩ thi đua toàn quốc?",
]


@pytest.fixture
def quiz_data(transactional_db):
    """Five questions in a fixed order, two a page (three pages), ten minutes."""
    from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, UserFactory

    category = QuestionCategoryFactory(name="Chuyên đề điều hướng")
    QuestionFactory(
        category=category,
        stem=f"<p>{STEMS[0]}</p>",
        options=[("01/01/2023", False), ("01/01/2024", True), ("01/7/2024", False)],
    )
    QuestionFactory(
        category=category,
        qtype="multiple",
        stem=f"<p>{STEMS[1]}</p>",
        options=[("Năm 2005", True), ("Năm 2009", False), ("Năm 2013", True)],
    )
    QuestionFactory(
        category=category, qtype="truefalse", stem=f"<p>{STEMS[2]}</p>", options=[("Đúng", True), ("Sai", False)]
    )
    QuestionFactory(
        category=category,
        qtype="matching",
        stem=f"<p>{STEMS[3]}</p>",
        options=[
            ("39-CT/TW", True, "Chỉ thị"),
            ("890/KH-BTTTT", True, "Kế hoạch"),
            ("13/2015/TT-BTTTT", True, "Thông tư"),
        ],
    )
    QuestionFactory(category=category, qtype="numerical", stem=f"<p>{STEMS[4]}</p>", options=[("95", True)])
    quiz = QuizFactory(
        title="Kiểm tra điều hướng",
        rules=[(category, 5)],
        time_limit_minutes=10,
        pass_percent=60,
        max_attempts=2,
        questions_per_page=2,
        shuffle_questions=False,
        shuffle_options=False,
    )
    user = UserFactory(email="hocvien.dieuhuong@example.vn", full_name="Lê Thị Hằng")
    return {"quiz": quiz, "quiz_url": f"/quizzes/{quiz.pk}/", "email": user.email}


def shot(page, name: str, *, full_page: bool = False) -> None:
    folder = Path("test-results/quiz-screen")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def start(page, quiz_data) -> None:
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size(PHONE)
    sign_in(page, quiz_data["email"], DEFAULT_PASSWORD)
    page.goto(quiz_data["quiz_url"])
    page.locator("form[action$='/start/'] button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/[0-9a-f-]+/(\?.*)?$"))


def question(page, number: int):
    return page.locator(f"fieldset.quiz-question[data-number='{number}']")


def nav(page, number: int):
    return page.locator(f".quiz-nav-q[value='{number}']")


def open_navigator(page) -> None:
    page.locator(".quiz-navigator > summary").click()
    expect(page.locator(".quiz-navigator-panel")).to_be_visible()


def saved(page, action, path: str = "/answer/") -> None:
    """Do ``action`` and wait for the save it triggers to be answered by the server."""
    with page.expect_response(lambda r: r.url.endswith(path) and r.request.method == "POST") as info:
        action()
    assert info.value.status == 200, info.value.text()


def test_the_intro_states_the_rules(quiz_data, page):
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size(PHONE)
    sign_in(page, quiz_data["email"], DEFAULT_PASSWORD)
    page.goto(quiz_data["quiz_url"])
    facts = page.locator(".quiz-facts")
    for words in ("Thời gian làm bài", "10 phút", "Điểm đạt", "60%", "Số lần làm bài", "2 (còn 2 lần)"):
        expect(facts).to_contain_text(words)
    expect(facts).to_contain_text("Xem đáp án đúng")
    expect(facts).to_contain_text("Ngay sau khi nộp bài")
    shot(page, "intro", full_page=True)
    assert_accessible(page, where="quiz intro")


def test_pages_next_previous_and_the_navigator(quiz_data, page):
    start(page, quiz_data)
    pager = page.locator(".quiz-pager")
    expect(pager).to_contain_text("Trang 1/3")
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^(9|10):\d\d$"))
    # Every option is a full-width box at least 44 px high.
    options = page.locator(".quiz-option")
    assert options.count() == 6  # three choices in each of the two questions
    for index in range(options.count()):
        box = options.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 280, box
    shot(page, "attempt-top")
    assert_accessible(page, where="attempt page")

    saved(page, lambda: question(page, 1).get_by_label("01/01/2024").check())
    expect(nav(page, 1)).to_have_attribute("data-answered", "1")
    expect(page.locator("[data-answered-count]")).to_have_text("1")
    page.mouse.wheel(0, 500)
    shot(page, "attempt-scrolled")

    page.get_by_role("button", name="Trang sau").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(pager).to_contain_text("Trang 2/3")
    expect(question(page, 3)).to_be_visible()
    page.get_by_role("button", name="Trang trước").click()
    expect(pager).to_contain_text("Trang 1/3")
    expect(question(page, 1).get_by_label("01/01/2024")).to_be_checked()

    # The navigator jumps to a question on another page, just below the sticky bar.
    open_navigator(page)
    shot(page, "navigator")
    assert_accessible(page, where="attempt page, navigator open")
    nav(page, 5).click()
    expect(page).to_have_url(re.compile(r"page=3#slot-\d+$"))
    expect(pager).to_contain_text("Trang 3/3")
    fifth = question(page, 5)
    expect(fifth).to_be_in_viewport()
    bar = page.locator(".quiz-bar").bounding_box()
    assert fifth.bounding_box()["y"] >= bar["y"] + bar["height"] - 1
    # The numerical answer gets the number keyboard.
    box = fifth.get_by_role("textbox")
    expect(box).to_have_attribute("inputmode", "decimal")
    box.fill("95")
    fifth.screenshot(path="test-results/quiz-screen/numerical.png")
    # On the last page "next" is the submit button; the navigator, reachable by keyboard, also jumps within a page.
    expect(pager.get_by_role("button", name="Nộp bài…")).to_be_visible()
    page.locator(".quiz-navigator > summary").focus()
    page.keyboard.press("Enter")
    expect(nav(page, 1)).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav(page, 1)).to_be_hidden()
    expect(page.locator(".quiz-navigator > summary")).to_be_focused()
    page.keyboard.press("Enter")
    nav(page, 1).focus()
    page.keyboard.press("Enter")
    expect(pager).to_contain_text("Trang 1/3")


def test_a_flag_survives_a_reload_and_shows_in_the_navigator(quiz_data, page):
    from quizzes.models import QuestionSlot

    start(page, quiz_data)
    flag = question(page, 2).get_by_label("Đánh dấu xem lại")
    box = flag.locator("xpath=ancestor::label").bounding_box()
    assert box["height"] >= 44, box
    saved(page, flag.check, "/flag/")
    expect(nav(page, 2)).to_have_attribute("data-flagged", "1")
    assert QuestionSlot.objects.get(position=2).flagged

    page.evaluate("window.localStorage.clear()")  # what comes back is the server's copy
    page.reload()
    expect(question(page, 2).get_by_label("Đánh dấu xem lại")).to_be_checked()
    expect(nav(page, 2)).to_have_attribute("data-flagged", "1")
    expect(nav(page, 2)).to_contain_text("đã đánh dấu")  # said in words to a screen reader
    expect(nav(page, 1)).to_have_attribute("data-flagged", "0")

    saved(page, question(page, 2).get_by_label("Đánh dấu xem lại").uncheck, "/flag/")
    assert not QuestionSlot.objects.get(position=2).flagged


def test_the_submit_dialog_warns_of_unanswered_and_flagged_questions(quiz_data, page):
    start(page, quiz_data)
    saved(page, lambda: question(page, 1).get_by_label("01/01/2024").check())
    saved(page, question(page, 1).get_by_label("Đánh dấu xem lại").check, "/flag/")
    open_navigator(page)
    opener = page.locator(".quiz-navigator-panel [data-open-submit]")
    opener.click()
    dialog = page.get_by_role("dialog", name="Bạn muốn nộp bài?")
    expect(dialog).to_be_visible()
    unanswered = dialog.locator("[data-summary-unanswered]")
    expect(unanswered).to_contain_text("Chưa trả lời (4)")
    for number in (2, 3, 4, 5):
        expect(unanswered.get_by_role("button", name=f"Câu {number}", exact=True)).to_be_visible()
    expect(dialog.locator("[data-summary-flagged]")).to_contain_text("Câu 1")
    shot(page, "submit-dialog")
    assert_accessible(page, where="submit dialog")

    # The keyboard stays in the dialog, and Esc closes it.
    for _press in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate("document.querySelector('[data-submit-dialog]').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(".quiz-navigator > summary")).to_be_focused()  # back where the trainee was

    # A question named in the dialog is a tap away.
    page.get_by_role("button", name="Trang sau").click()
    page.get_by_role("button", name="Trang sau").click()
    page.locator(".quiz-pager [data-open-submit]").click()
    dialog.get_by_role("button", name="Câu 3", exact=True).click()
    expect(page).to_have_url(re.compile(r"page=2#slot-\d+$"))
    saved(page, lambda: question(page, 3).get_by_label("Sai").check())
    open_navigator(page)
    page.locator(".quiz-navigator-panel [data-open-submit]").click()
    expect(dialog.locator("[data-summary-unanswered]")).to_contain_text("Chưa trả lời (3)")
    dialog.locator("[data-submit]").click()
    expect(page).to_have_url(re.compile(r"/review/$"))


def test_the_review_colours_and_names_each_outcome(quiz_data, page):
    start(page, quiz_data)
    saved(page, lambda: question(page, 1).get_by_label("01/01/2024").check())
    saved(page, lambda: question(page, 2).get_by_label("Năm 2005").check())
    saved(page, lambda: question(page, 2).get_by_label("Năm 2009").check())
    open_navigator(page)
    page.locator(".quiz-navigator-panel [data-open-submit]").click()
    page.get_by_role("dialog").locator("[data-submit]").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    first = page.locator("section.quiz-reviewed").nth(0)
    expect(first).to_have_class(re.compile("quiz-outcome-right"))
    expect(first.locator(".quiz-outcome")).to_have_text(re.compile(r"Đúng\s+·\s+1/1 điểm"))
    second = page.locator("section.quiz-reviewed").nth(1)
    expect(second.locator(".quiz-outcome")).to_contain_text("Sai")  # 2005 and 2009: +½ −1 is no marks
    expect(second.locator(".quiz-outcome")).to_contain_text("0/1 điểm")
    expect(second.locator(".quiz-wrong-choice")).to_contain_text("bạn chọn, sai")
    third = page.locator("section.quiz-reviewed").nth(2)
    expect(third.locator(".quiz-outcome")).to_contain_text("Chưa trả lời")
    colour = first.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour != second.evaluate("el => getComputedStyle(el).borderLeftColor")
    shot(page, "review", full_page=True)
    assert_accessible(page, where="review")


def test_time_up_and_submitted_elsewhere_are_said_on_the_review(quiz_data, page):
    from django.utils import timezone

    from quizzes import services
    from quizzes.models import Attempt

    start(page, quiz_data)
    attempt = Attempt.objects.get()
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + datetime.timedelta(seconds=4))
    page.reload()
    saved(page, lambda: question(page, 1).get_by_label("01/01/2024").check())
    expect(page.locator(".quiz-timer")).to_have_attribute("data-low", "1")
    # The page submits itself at zero, and the review says why.
    expect(page).to_have_url(re.compile(r"/review/$"), timeout=15_000)
    expect(page.locator("[data-time-up]")).to_contain_text("Đã hết giờ")
    attempt.refresh_from_db()
    assert attempt.is_finished and attempt.score == 1

    # A second attempt, submitted on another device while this tab still shows its questions.
    page.goto(quiz_data["quiz_url"])
    page.locator("form[action$='/start/'] button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/[0-9a-f-]+/(\?.*)?$"))
    second = Attempt.objects.get(state="in_progress")
    services.attempt_submit(attempt_id=second.pk, user=second.user)
    # click, not check: the refused save turns the page into the review, so there is no box left to verify.
    question(page, 1).get_by_label("01/01/2024").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator(".messages")).to_contain_text("đã được nộp từ một thẻ trình duyệt hoặc thiết bị khác")
    expect(page.locator("[data-time-up]")).to_have_count(0)


def test_saving_and_going_offline_never_move_the_questions(quiz_data, page):
    start(page, quiz_data)
    target = question(page, 2)

    def top() -> float:
        return page.evaluate(
            "n => document.querySelector(`fieldset[data-number='${n}']`).getBoundingClientRect().top + window.scrollY",
            2,
        )

    before = top()
    saved(page, lambda: question(page, 1).get_by_label("01/01/2024").check())
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    assert top() == before

    target.scroll_into_view_if_needed()
    page.context.set_offline(True)
    target.get_by_label("Năm 2013").check()
    status = page.locator("[data-save-status]")
    expect(status).to_have_attribute("data-state", "offline", timeout=10_000)
    expect(status).to_contain_text("Mất kết nối: 1 câu chờ gửi")
    assert top() == before
    shot(page, "offline")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_attribute("data-state", "saved", timeout=20_000)
    assert top() == before


def test_the_quiz_works_without_javascript(quiz_data, page, live_server):
    from tests.factories import DEFAULT_PASSWORD

    context = page.context.browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    plain = context.new_page()
    try:
        sign_in(plain, quiz_data["email"], DEFAULT_PASSWORD)
        plain.goto(quiz_data["quiz_url"])
        plain.locator("form[action$='/start/'] button[type='submit']").click()
        question(plain, 1).get_by_label("01/01/2024").check()
        question(plain, 2).get_by_label("Đánh dấu xem lại").check()
        plain.get_by_role("button", name="Trang sau").click()
        expect(plain.locator(".quiz-pager")).to_contain_text("Trang 2/3")
        # The navigator is a disclosure that opens without scripts.
        plain.locator(".quiz-navigator > summary").click()
        expect(nav(plain, 2)).to_have_attribute("data-flagged", "1")
        expect(nav(plain, 1)).to_have_attribute("data-answered", "1")
        plain.locator(".quiz-navigator-panel [data-open-submit]").click()
        expect(plain).to_have_url(re.compile(r"summary=1"))
        summary = plain.locator(".quiz-summary")
        expect(summary).to_contain_text("Chưa trả lời (4)")
        expect(summary.locator(".quiz-summary-flagged")).to_contain_text("Câu 2")
        summary.locator("[data-submit]").click()
        expect(plain).to_have_url(re.compile(r"/review/$"))
        expect(plain.locator("[data-result]")).to_contain_text("1 / 5")
    finally:
        context.close()
