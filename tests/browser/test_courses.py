"""A trainee enrols, reads two modules, reloads, resumes where they left off, and sees progress."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def course_data(transactional_db):
    from tests.factories import CoursePageFactory, ModulePageFactory, UserFactory

    course = CoursePageFactory(title="Những điểm mới của Luật Thi đua, khen thưởng", slug="nhung-diem-moi")
    for number in range(1, 5):
        ModulePageFactory(
            parent=course,
            title=f"Bài {number}",
            slug=f"bai-{number}",
            body=[{"type": "paragraph", "value": f"<p>Nội dung bài {number}.</p>"}],
        )
    user = UserFactory(email="hocvien.trinhduyet@example.vn", full_name="Nguyễn Văn An")
    return {"course_url": course.url, "email": user.email}


def sign_in(page, email):
    from tests.factories import DEFAULT_PASSWORD

    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(DEFAULT_PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page.locator("main")).to_contain_text("Nguyễn Văn An")


def test_a_trainee_enrols_reads_two_modules_and_resumes_after_a_reload(course_data, page):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, course_data["email"])
    page.goto(course_data["course_url"])
    page.get_by_test_id("enrol").click()
    expect(page.locator("progress")).to_have_attribute("value", "0")

    page.get_by_test_id("resume").click()
    expect(page.locator("h1")).to_have_text("Bài 1")
    page.get_by_test_id("complete").click()
    expect(page.locator("h1")).to_have_text("Bài 2")
    expect(page.locator("main")).to_contain_text("Nội dung bài 2.")
    page.get_by_test_id("complete").click()
    expect(page.locator("h1")).to_have_text("Bài 3")

    # Start reading module 3, then come back later (a reload, another visit).
    page.reload()
    expect(page.locator("h1")).to_have_text("Bài 3")
    page.goto(course_data["course_url"])
    expect(page.locator("progress")).to_have_attribute("value", "50")
    expect(page.get_by_test_id("progress-text")).to_contain_text("2")
    resume = page.get_by_test_id("resume")
    expect(resume).to_contain_text("Bài 3")
    resume.click()
    expect(page.locator("h1")).to_have_text("Bài 3")

    # The dashboard shows the same progress and the next module.
    page.goto("/courses/mine/")
    card = page.get_by_test_id("current-course")
    expect(card).to_contain_text("Những điểm mới của Luật Thi đua, khen thưởng")
    expect(card.locator("progress")).to_have_attribute("value", "50")
    expect(card).to_contain_text("Bài 3")
