"""The door on a 360×740 phone: offline search and validation, a mis-tap undone, a session not running.

The site answers in Vietnamese (the language switch, not the browser, picks
the language), so the texts asserted here are the Vietnamese ones.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.test_events import _sign_in
from tests.factories import EventPageFactory, EventSessionFactory, OrgUnitFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path("/tmp")  # noqa: S108 - looked at by hand, not read back


@pytest.fixture
def door(transactional_db, make_staff, enable_totp):
    """An event under way with a running session and one tomorrow, three delegates, its organiser."""
    danang = OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng")
    starts = timezone.now() - datetime.timedelta(minutes=30)
    event = EventPageFactory(
        title="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(days=2),
        registration_closes=starts + datetime.timedelta(hours=12),
        capacity=10,
    )
    session = EventSessionFactory(
        event=event,
        title="Những điểm mới của Luật Thi đua, khen thưởng",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )
    tomorrow = EventSessionFactory(
        event=event,
        title="Hướng dẫn Thông tư 13/2015/TT-BTTTT",
        starts_at=starts + datetime.timedelta(days=1),
        ends_at=starts + datetime.timedelta(days=1, hours=2),
    )
    people = {
        name: RegistrationFactory(event=event, full_name=name, org_unit=danang)
        for name in ("Nguyễn Văn Bình", "Trần Thị Hoa", "Lê Thị Mai")
    }
    organiser = make_staff(Role.ORGANISER, email="bantochuc@example.vn")
    code = enable_totp(organiser)
    organiser.organised_events.add(event)
    return {
        "event": event,
        "session": session,
        "tomorrow": tomorrow,
        "people": people,
        "organiser": organiser,
        "code": code,
    }


def _open_door(page, door, session):
    page.set_viewport_size(PHONE)
    _sign_in(page, door["organiser"].email, door["code"])
    page.goto(f"/events/manage/{door['event'].pk}/sessions/{session.pk}/check-in/")
    expect(page.locator("#roster-note")).to_contain_text("3 người")  # the roster is on the phone


def test_offline_the_door_searches_validates_queues_and_reloads(door, page):
    from events.models import Attendance
    from events.tokens import ticket_token

    session, binh = door["session"], door["people"]["Nguyễn Văn Bình"]
    _open_door(page, door, session)
    page.screenshot(path=str(SCREENSHOTS / "door-online.png"))
    # The service worker has taken the page: a reload without network will open it.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)

    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    page.locator("#q").fill("nguyen van binh")
    expect(page.locator("#search-note")).to_contain_text("Mất mạng: đang tìm trong danh sách")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Nguyễn Văn Bình")
    expect(results).to_contain_text("Sở Thông tin và Truyền thông Đà Nẵng")
    expect(results).not_to_contain_text("Trần Thị Hoa")
    results.locator("button.check-in-button").first.click()
    result = page.locator("#result")
    expect(result).to_have_class(re.compile(r"checkin-green"))
    expect(result).to_contain_text("Nguyễn Văn Bình")
    expect(page.locator("#pending-count")).to_have_text("1")
    expect(results).to_contain_text("chờ đồng bộ")
    page.screenshot(path=str(SCREENSHOTS / "door-offline-search.png"))
    assert not Attendance.objects.filter(registration=binh).exists()

    # A ticket is recognised offline by its fingerprint (each copy of it alike), another code is not.
    roster = f"window.DoorRoster('door-roster-{session.pk}')"
    hoa = door["people"]["Trần Thị Hoa"]
    found = page.evaluate(f"t => {roster}.byTicket(t).then(p => p && p.name)", ticket_token(hoa.uuid))
    assert found == "Trần Thị Hoa"
    copy = page.evaluate(f"t => {roster}.byTicket(t).then(p => p && p.name)", ticket_token(hoa.uuid) + " ")
    forged = page.evaluate(f"t => {roster}.byTicket(t).then(p => p && p.name)", "x" + ticket_token(hoa.uuid))
    assert (copy, forged) == ("Trần Thị Hoa", None)

    # Reloading without network opens the door from the service worker, with the queue kept.
    page.reload()
    expect(page.locator("h1")).to_have_text(session.title)
    expect(page.locator("#pending-count")).to_have_text("1")
    page.locator("#q").fill("tran thi")
    expect(page.locator("#search-results")).to_contain_text("Trần Thị Hoa")

    # Back online: the queued check-in is sent once, with its time.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pending-count")).to_have_text("0", timeout=20_000)
    assert Attendance.objects.filter(registration=binh, session=session).count() == 1


def test_a_mis_tap_is_asked_shown_and_undone(door, page):
    from events.models import Attendance
    from events.services import attendance_check_in

    session, mai = door["session"], door["people"]["Lê Thị Mai"]
    attendance_check_in(session=session, recorded_by=door["organiser"], registration=mai)
    _open_door(page, door, session)
    page.locator("#q").fill("le thi mai")
    person = page.locator("#search-results li").first
    expect(person).to_contain_text("Đến muộn, điểm danh lúc")
    expect(person.locator("button.check-in-button")).to_have_count(0)  # nothing to tap by mistake

    person.locator("summary").click()
    person.locator("button.mark-button[data-status='absent']").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Đổi trạng thái của Lê Thị Mai")
    page.screenshot(path=str(SCREENSHOTS / "door-confirm.png"))
    dialog.locator("button[value='yes']").click()
    result = page.locator("#result")
    expect(result).to_contain_text("Ghi vắng mặt lúc")
    expect(page.locator("#search-results li").first).to_contain_text("Ghi vắng mặt lúc")
    expect(page.locator("#count-attended")).to_have_text("0")
    assert Attendance.objects.get(registration=mai, session=session).status == "absent"

    page.locator("#undo").click()
    expect(result).to_contain_text("Đã hoàn tác")
    expect(page.locator("#search-results li").first).to_contain_text("Đến muộn, điểm danh lúc")
    expect(page.locator("#count-attended")).to_have_text("1")
    assert Attendance.objects.get(registration=mai, session=session).status == "late"

    # Cancelling the question changes nothing.
    person = page.locator("#search-results li").first
    person.locator("summary").click()
    person.locator("button.mark-button[data-status='excused']").click()
    dialog.locator("button[value='no']").click()
    expect(dialog).to_be_hidden()
    assert Attendance.objects.get(registration=mai, session=session).status == "late"


def test_a_session_that_is_not_running_warns_and_needs_a_tap(door, page):
    from events.models import Attendance

    tomorrow, hoa = door["tomorrow"], door["people"]["Trần Thị Hoa"]
    _open_door(page, door, tomorrow)
    page.locator("#q").fill("hoa")
    page.locator("#search-results button.check-in-button").first.click()
    result = page.locator("#result")
    expect(result).to_have_class(re.compile(r"checkin-amber"))
    expect(result).to_contain_text("Phiên này chưa diễn ra")
    expect(page.locator("#confirm")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "door-not-running.png"))
    assert not Attendance.objects.filter(registration=hoa).exists()
    page.locator("#confirm").click()
    expect(result).to_have_class(re.compile(r"checkin-green"))
    assert Attendance.objects.filter(registration=hoa, session=tomorrow).exists()
