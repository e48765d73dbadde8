"""A trainee on a 360×740 phone finds their way by clicking only: from the home page to a verified certificate.

Through the header menu to the catalogue, the course, its modules and its
final test (locked until the modules are done), the completion panel and
the certificate's public page; and the ways back: empty states that lead
somewhere, confirmations before leaving or cancelling, a post-test offered
only once the conference has started. axe-core checks each page on the way.
Screenshots of each step are kept in test-results/finding-ones-way/.
"""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
COURSE = "Nhập môn công tác thi đua, khen thưởng"
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "finding-ones-way"


def shot(page, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def journey_data(transactional_db):
    from django.utils import timezone

    from tests.factories import (
        CoursePageFactory,
        EventPageFactory,
        EventSessionFactory,
        ModulePageFactory,
        QuestionCategoryFactory,
        QuestionFactory,
        QuizFactory,
        RegistrationFactory,
        UserFactory,
    )

    category = QuestionCategoryFactory(name="Nhập môn")
    for _ in range(2):
        QuestionFactory(category=category)
    final = QuizFactory(title="Bài kiểm tra cuối khóa", rules=[(category, 2)], pass_percent=50)
    course = CoursePageFactory(title=COURSE, slug="nhap-mon", final_quiz=final)
    for number in (1, 2):
        ModulePageFactory(
            parent=course,
            title=f"Bài {number}",
            slug=f"nhap-mon-bai-{number}",
            body=[{"type": "paragraph", "value": f"<p>Nội dung bài {number}.</p>"}],
        )
    trainee = UserFactory(email="hocvien.moi@example.vn", full_name="Lê Thị Hoa")

    # A conference next week with a post-test, that the trainee registered for.
    post_test = QuizFactory(title="Bài kiểm tra sau hội nghị", rules=[(category, 1)])
    event = EventPageFactory(
        title="Hội nghị tập huấn thi đua, khen thưởng Đà Nẵng",
        slug="hoi-nghi-da-nang",
        post_test=post_test,
        organising_unit=None,
        audience="Cán bộ làm công tác thi đua, khen thưởng của các cơ quan, đơn vị thuộc Bộ",
        starts_at=timezone.now() + datetime.timedelta(days=7),
    )
    EventSessionFactory(event=event, title="Chuyên đề 1: Những điểm mới của Luật")
    registered = UserFactory(email="daibieu@example.vn", full_name="Phạm Văn Đức")
    registration = RegistrationFactory(event=event, user=registered)
    return {
        "email": trainee.email,
        "delegate": registered.email,
        "event_url": event.url,
        "ticket": f"/events/tickets/{registration.uuid}/",
    }


def open_menu(page):
    toggle = page.locator("summary.site-menu-toggle")
    if toggle.is_visible():
        toggle.click()


def menu_link(page, name: str):
    open_menu(page)
    return page.get_by_role("navigation", name=re.compile("Điều hướng chính")).get_by_role(
        "link", name=name, exact=True
    )


def sign_in_by_clicking(page, email: str) -> None:
    from tests.factories import DEFAULT_PASSWORD

    menu_link(page, "Đăng nhập").click()
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(DEFAULT_PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def my_learning(page, name: str) -> None:
    open_menu(page)
    nav = page.get_by_role("navigation", name=re.compile("Điều hướng chính"))
    nav.locator("summary", has_text="Học tập của tôi").click()
    nav.get_by_role("link", name=name, exact=True).click()


def answer_right_and_submit(page) -> None:
    """Choose every right option (the factory's "Phương án đúng …"), each autosaved, then submit."""
    right = page.get_by_role("radio", name=re.compile("Phương án đúng"))
    expect(right).to_have_count(2)
    for option in right.all():
        with page.expect_response(lambda r: r.url.endswith("/answer/") and r.request.method == "POST") as saved:
            option.check()
        assert saved.value.status == 200, saved.value.text()
    page.on("dialog", lambda dialog: dialog.accept())  # a browser confirm(), if the page asks with one
    opener = page.locator("[data-open-submit]:visible")  # "Nộp bài…": the summary of what is unanswered
    if opener.count():
        opener.first.click()
    page.locator("[data-submit]:visible").first.click()
    expect(page).to_have_url(re.compile(r"/review/"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "desktop"])
def test_a_trainee_goes_from_the_home_page_to_a_verified_certificate_by_clicking_only(journey_data, page, viewport):
    page.set_viewport_size(viewport)
    wide = viewport is DESKTOP

    def snap(name: str, **kwargs) -> None:
        shot(page, name + ("-desktop" if wide else ""), **kwargs)

    page.goto("/")  # the only address given: the home page
    snap("01-header-closed")
    assert_accessible(page, where=f"home, {viewport['width']} px")
    open_menu(page)
    expect(page.get_by_role("link", name="Khóa học", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Hội nghị", exact=True)).to_be_visible()
    snap("02-header-open-signed-out")
    if not wide:
        page.locator("summary.site-menu-toggle").click()  # closes it again

    sign_in_by_clicking(page, journey_data["email"])
    open_menu(page)
    nav = page.get_by_role("navigation", name=re.compile("Điều hướng chính"))
    nav.locator("summary", has_text="Học tập của tôi").click()
    snap("03-header-open-my-learning")
    nav.get_by_role("link", name="Khóa học của tôi", exact=True).click()

    # A new trainee's courses: an empty state that leads to the catalogue.
    empty = page.get_by_test_id("empty-courses")
    expect(empty).to_contain_text("Hiện bạn chưa tham gia khóa học nào")
    snap("04-my-courses-empty")
    empty.get_by_role("link", name="Xem danh sách khóa học").click()
    page.get_by_role("link", name=COURSE).click()
    page.get_by_test_id("enrol").click()

    # The outline shows the final test, locked, and why.
    final = page.get_by_test_id("final-test")
    expect(final).to_contain_text("Chưa mở")
    expect(final).to_contain_text("đã xong 0/2 bài")
    expect(final.get_by_role("link")).to_have_count(0)
    final.scroll_into_view_if_needed()
    snap("05-outline-final-test-locked")
    assert_accessible(page, where=f"course, {viewport['width']} px")

    page.get_by_test_id("resume").click()
    expect(page.locator("h1")).to_have_text("Bài 1")
    assert_accessible(page, where=f"module, {viewport['width']} px")
    page.get_by_test_id("complete").click()
    expect(page.locator("h1")).to_have_text("Bài 2")
    page.get_by_test_id("complete").click()

    # Back on the course: the final test is open.
    expect(page.get_by_test_id("final-test")).not_to_contain_text("Chưa mở")
    page.get_by_test_id("final-test-start").click()
    page.locator("form[action$='/start/'] button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/[0-9a-f-]+/(\?next=.*)?$"))
    assert_accessible(page, where=f"quiz attempt, {viewport['width']} px")
    answer_right_and_submit(page)
    snap("05b-review", full_page=True)
    assert_accessible(page, where=f"quiz review, {viewport['width']} px")

    # The review leads back to the course, which says it is complete, with the certificate.
    page.locator("main").get_by_role("link", name=re.compile("Quay lại")).first.click()
    completion = page.get_by_test_id("completion")
    expect(completion).to_contain_text("Bạn đã hoàn thành khóa học này")
    expect(page.get_by_test_id("final-test")).to_contain_text("Đạt")
    completion.scroll_into_view_if_needed()
    snap("06-completion-panel")
    completion.get_by_test_id("certificate-link").click()

    expect(page.locator("main")).to_contain_text(COURSE)
    expect(page.locator(".cert-status-valid")).to_be_visible()
    snap("07-certificate-verified")
    assert_accessible(page, where=f"verify, {viewport['width']} px")

    # The certificate mail names "Giấy chứng nhận của tôi": the header reaches it.
    my_learning(page, "Giấy chứng nhận của tôi")
    expect(page.locator("main")).to_contain_text(COURSE)


def test_leaving_a_course_asks_first_and_keeps_the_progress(journey_data, page):
    from tests.browser.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size(PHONE)
    sign_in(page, journey_data["email"], DEFAULT_PASSWORD)
    menu_link(page, "Khóa học").click()
    page.get_by_role("link", name=COURSE).click()
    page.get_by_test_id("enrol").click()
    page.get_by_role("link", name="Rời khóa học").click()
    expect(page.locator("h1")).to_have_text("Rời khóa học này?")
    expect(page.locator("main")).to_contain_text("Tiến độ của bạn được giữ lại")
    shot(page, "08-leave-confirmation")
    page.get_by_role("link", name="Không, tiếp tục học").click()
    expect(page.get_by_test_id("resume")).to_be_visible()  # still enrolled
    page.get_by_role("link", name="Rời khóa học").click()
    page.get_by_test_id("confirm-leave").click()
    expect(page.locator(".message-success")).to_contain_text("Bạn đã rời khóa học")


def test_a_conference_page_stacks_its_facts_and_the_ticket_waits_for_the_event_to_offer_the_post_test(
    journey_data, page
):
    from tests.browser.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size(PHONE)
    sign_in(page, journey_data["delegate"], DEFAULT_PASSWORD)
    menu_link(page, "Hội nghị").click()
    page.get_by_role("link", name=re.compile("Hội nghị tập huấn thi đua, khen thưởng Đà Nẵng")).first.click()
    facts = page.locator("dl.facts")
    audience = facts.locator("dd", has_text="Cán bộ làm công tác")
    assert audience.bounding_box()["width"] >= 300, audience.bounding_box()
    expect(facts).not_to_contain_text(re.compile("^Bài kiểm tra sau hội nghị$"))
    expect(facts.get_by_role("link", name="Bài kiểm tra sau hội nghị")).to_have_count(0)
    shot(page, "09-conference-facts", full_page=True)
    assert_accessible(page, where="conference, 360 px")

    page.get_by_role("link", name="Vé của tôi").click()
    expect(page.get_by_test_id("post-test")).to_have_count(0)
    expect(page.get_by_test_id("post-test-later")).to_contain_text("mở khi hội nghị bắt đầu")
    assert_accessible(page, where="ticket, 360 px")
    shot(page, "10-ticket-before-the-event", full_page=True)

    page.get_by_test_id("cancel").click()
    expect(page.locator("h1")).to_have_text("Hủy đăng ký tham dự?")
    shot(page, "11-cancel-confirmation")
    page.get_by_role("link", name="Không, giữ vé của tôi").click()
    expect(page.locator(".ticket-qr")).to_be_visible()
    page.get_by_test_id("cancel").click()
    page.get_by_test_id("confirm-cancel").click()
    expect(page.locator(".message-success")).to_contain_text("hủy")


def test_a_new_trainee_sees_empty_conferences_that_lead_to_the_list(journey_data, page):
    from tests.browser.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    page.set_viewport_size(PHONE)
    sign_in(page, journey_data["email"], DEFAULT_PASSWORD)
    my_learning(page, "Hội nghị và vé của tôi")
    empty = page.get_by_test_id("empty-events")
    shot(page, "12-my-conferences-empty")
    empty.get_by_role("link", name="Xem các hội nghị").click()
    expect(page.get_by_role("link", name=re.compile("Hội nghị tập huấn thi đua, khen thưởng Đà Nẵng"))).to_be_visible()


def test_the_header_menu_works_without_javascript_and_as_a_bar_on_a_desktop(journey_data, page, live_server):
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    # Wide: a bar, no "Menu" button, the links visible at once.
    expect(page.locator("summary.site-menu-toggle")).to_be_hidden()
    expect(page.get_by_role("link", name="Khóa học", exact=True)).to_be_visible()
    shot(page, "13-header-desktop")
    assert_accessible(page, where="home, desktop")

    context = page.context.browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    try:
        nojs = context.new_page()
        nojs.goto("/")
        expect(nojs.get_by_role("link", name="Hội nghị", exact=True)).to_be_hidden()
        nojs.locator("summary.site-menu-toggle").click()
        expect(nojs.get_by_role("link", name="Hội nghị", exact=True)).to_be_visible()
        nojs.get_by_role("link", name="Khóa học", exact=True).click()
        expect(nojs.get_by_role("link", name=COURSE)).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "desktop"])
def test_sign_in_and_sign_up_pass_axe(page, viewport):
    page.set_viewport_size(viewport)
    page.goto("/")
    menu_link(page, "Đăng nhập").click()
    assert_accessible(page, where=f"sign-in, {viewport['width']} px")
    # A failed sign-in shows its errors: they too must be read out.
    page.locator("form[action$='/accounts/login/'] button[type='submit']").click()
    assert_accessible(page, where=f"sign-in with errors, {viewport['width']} px")
    menu_link(page, "Đăng ký").click()
    assert_accessible(page, where=f"sign-up, {viewport['width']} px")
    page.locator("form[action$='/accounts/signup/'] button[type='submit']").click()
    assert_accessible(page, where=f"sign-up with errors, {viewport['width']} px")
