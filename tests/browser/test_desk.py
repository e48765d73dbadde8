"""The registration desk on a phone (360×740): search without accents, cancel with confirmation, the waiting list
moving by itself, and adding a person by type-ahead."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from events import services
from tests.browser.test_events import _sign_in
from tests.factories import EventPageFactory, EventSessionFactory, OrgUnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def desk(transactional_db, make_staff, enable_totp):
    danang = OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng")
    hue = OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")
    danang.refresh_from_db()
    starts = timezone.now() + datetime.timedelta(days=3)
    event = EventPageFactory(
        title="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(days=1),
        capacity=2,
    )
    EventSessionFactory(event=event, title="Những điểm mới của Luật Thi đua, khen thưởng", starts_at=starts)
    organiser = make_staff(Role.ORGANISER, email="bantochuc@example.vn")
    code = enable_totp(organiser)
    organiser.organised_events.add(event)
    for name, unit in (("Nguyễn Văn Ân", danang), ("Lê Thị Hoa", danang), ("Trần Văn Bình", hue)):
        services.registration_create(
            event=event, user=UserFactory(full_name=name, org_unit=unit), source="import", created_by=organiser
        )
    UserFactory(full_name="Phạm Đức Thắng", org_unit=hue, email="thang@example.vn")
    return {"event": event, "email": organiser.email, "code": code}


def _fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways: {width}px wide"


def test_an_organiser_runs_the_desk_from_a_phone(desk, page):
    event = desk["event"]
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, desk["email"], desk["code"])
    page.goto(f"/events/manage/{event.pk}/registrations/")
    main = page.locator("main")
    expect(main).to_contain_text("Chờ thứ 1")  # Trần Văn Bình waits: two seats, three people
    _fits_the_screen(page)

    # Search without accents finds the unit's people.
    page.locator("input[name='q']").fill("da nang")
    page.locator("main form.desk-filters button[type='submit']").click()
    cards = page.locator(".desk-card")
    expect(cards).to_have_count(2)
    expect(main).not_to_contain_text("Trần Văn Bình")

    # Cancel one, with a confirmation and a reason; the waiting person moves up and the organiser is told.
    cards.filter(has_text="Nguyễn Văn Ân").locator("input[type='checkbox']").check()
    page.locator("select[name='action']").select_option("cancel")
    page.locator("#desk-bulk button[type='submit']").click()
    expect(page.locator("h1")).to_contain_text("Huỷ các đăng ký này?")
    page.locator("input[name='reason']").fill("Đi công tác đột xuất")
    page.get_by_role("button", name="Đồng ý huỷ").click()
    messages = page.locator(".messages")
    expect(messages).to_contain_text("Đã huỷ đăng ký: Nguyễn Văn Ân")
    expect(messages).to_contain_text("Đã chuyển từ danh sách chờ sang chính thức")
    expect(messages).to_contain_text("Trần Văn Bình")
    _fits_the_screen(page)

    # Add a person by type-ahead: the name typed without accents, the result appears as one types.
    page.goto(f"/events/manage/{event.pk}/nominate/")
    page.locator("#people-q").press_sequentially("duc thang", delay=30)
    result = page.locator("#people-results li", has_text="Phạm Đức Thắng")
    expect(result).to_be_visible()
    _fits_the_screen(page)
    result.get_by_role("button", name="Đăng ký").click()
    expect(page.locator(".messages")).to_contain_text("Phạm Đức Thắng vào danh sách chờ (thứ tự 1)")
    expect(page).to_have_url(re.compile(rf"/events/manage/{event.pk}/nominate/$"))
