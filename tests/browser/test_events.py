"""An organiser at the door, in a real browser: import delegates, check in by search, a second check-in is amber."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, EventPageFactory, EventSessionFactory, OrgUnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _spreadsheet() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Họ và tên", "Email", "Mã đơn vị", "Chức vụ", "Điện thoại"])
    sheet.append(["Nguyễn Thị Thu Hường", "huong@example.vn", "DANANG-STTTT", "Chuyên viên", "0912345678"])
    sheet.append(["NguyÔn V¨n B×nh", "binh@example.vn", "DANANG-STTTT", "", ""])  # typed in TCVN3
    sheet.append(["Trần Văn Sai", "khong-phai-email", "DANANG-STTTT", "", ""])  # the bad row: row 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def door(transactional_db, make_staff, enable_totp):
    """An event under way, its organiser with TOTP set up (staff must use it), the sign-in details."""
    OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng")
    starts = timezone.now() - datetime.timedelta(minutes=30)
    event = EventPageFactory(
        title="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(days=1),
        registration_closes=starts + datetime.timedelta(hours=12),
    )
    session = EventSessionFactory(event=event, title="Những điểm mới của Luật Thi đua, khen thưởng", starts_at=starts)
    organiser = make_staff(Role.ORGANISER, email="bantochuc@example.vn")
    code = enable_totp(organiser)
    organiser.organised_events.add(event)
    return {"event": event, "session": session, "email": organiser.email, "code": code}


def _sign_in(page, email: str, code) -> None:
    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(DEFAULT_PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name='code']").fill(code())
    page.locator("main form button[type='submit']").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))


def test_organiser_imports_checks_in_by_search_and_sees_amber_on_a_second_check_in(door, page, tmp_path):
    event, session = door["event"], door["session"]
    _sign_in(page, door["email"], door["code"])

    # Import: one bad row is reported by number, the TCVN3 name is converted, the rest is saved.
    page.goto(f"/events/manage/{event.pk}/import/")
    upload = tmp_path / "dai-bieu.xlsx"
    upload.write_bytes(_spreadsheet())
    page.locator("input[type='file']").set_input_files(str(upload))
    page.locator("main form[enctype] button[type='submit']").click()
    preview = page.locator(".import-preview")
    expect(preview).to_contain_text("Nguyễn Văn Bình")
    expect(preview).to_contain_text("NguyÔn V¨n B×nh")
    bad_row = preview.locator("tr.row-error")
    expect(bad_row).to_have_count(1)
    expect(bad_row).to_contain_text("4")
    expect(bad_row).to_contain_text("khong-phai-email")
    preview.locator("form button[type='submit']:not([name='keep_as_typed'])").click()  # with the repaired names
    expect(page.locator("main")).to_contain_text("4:")  # the refused row, by number, in the report

    # Check in by search, accents ignored.
    page.goto(f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/")
    page.locator("#q").fill("nguyen van binh")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Nguyễn Văn Bình")
    expect(results).not_to_contain_text("Nguyễn Thị Thu Hường")
    results.locator("button.check-in-button").first.click()
    result = page.locator("#result")
    expect(result).to_have_class(re.compile(r"checkin-green"))
    expect(result).to_contain_text("Nguyễn Văn Bình")
    expect(page.locator("#count-attended")).to_have_text("1")

    # The same person again: the search shows the recorded state with its time, and no button to tap twice
    # (a change goes through "Đổi trạng thái" and its confirmation: tests/browser/test_door.py).
    person = results.locator(".door-person").first
    expect(person.locator(".result-state")).to_contain_text(re.compile(r"\d{2}:\d{2}"))
    expect(person.locator("button.check-in-button")).to_have_count(0)
    expect(page.locator("#pending-count")).to_have_text("0")


def test_check_ins_made_offline_wait_in_the_browser_and_sync_once_with_their_time(door, page):
    from events.models import Attendance
    from tests.factories import RegistrationFactory

    event, session = door["event"], door["session"]
    registration = RegistrationFactory(event=event, full_name="Lê Thị Mai")
    _sign_in(page, door["email"], door["code"])
    page.goto(f"/events/manage/{event.pk}/sessions/{session.pk}/check-in/")
    page.locator("#q").fill("le thi mai")
    button = page.locator("#search-results button.check-in-button").first
    expect(button).to_be_visible()

    # The venue's Wi-Fi drops: the check-in waits in the browser, with its time.
    page.context.set_offline(True)
    clicked_at = timezone.now()
    button.click()
    expect(page.locator("#pending-count")).to_have_text("1")
    assert not Attendance.objects.filter(registration=registration).exists()
    page.wait_for_timeout(2000)

    # Back online: sent once, and the attendance keeps the time of the click.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pending-count")).to_have_text("0", timeout=20_000)
    attendance = Attendance.objects.get(registration=registration)
    assert abs((attendance.checked_in_at - clicked_at).total_seconds()) < 2
    assert (timezone.now() - attendance.checked_in_at).total_seconds() >= 2
