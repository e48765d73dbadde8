"""Self check-in in a real browser: the projector's code read off a screenshot, a passwordless delegate's phone.

The projector page is rendered by Chromium at the two usual projector sizes
and its QR code is decoded by zxing-cpp, from the screenshot as it is and
from a version spoiled like a phone's photo of a projected screen (washed
out, tilted, blurred, smaller, noisy). The code read off the screen is the
address the delegate's phone then opens.
"""

import datetime
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
import zxingcpp
from django.core import mail
from django.utils import timezone
from PIL import Image, ImageChops, ImageFilter
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.services import user_create
from events import services
from events.models import Attendance, Registration
from events.tokens import session_code
from tests.browser.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, EventPageFactory, EventSessionFactory, OrgUnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = Path("test-results")


@pytest.fixture
def conference(transactional_db, make_staff, enable_totp):
    """A session under way; its organiser (with TOTP); a delegate imported without a password, ticket mailed."""
    unit = OrgUnitFactory(code="BTNMT-VP", name="Văn phòng Bộ Tài nguyên và Môi trường")
    starts = timezone.now() - datetime.timedelta(minutes=20)
    event = EventPageFactory(
        title="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2022",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(days=1),
        registration_closes=starts + datetime.timedelta(hours=12),
    )
    session = EventSessionFactory(
        event=event,
        title="Những điểm mới của Luật Thi đua, khen thưởng 06/2022/QH15",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )
    organiser = make_staff(Role.ORGANISER, email="bantochuc@example.vn")
    totp = enable_totp(organiser)
    organiser.organised_events.add(event)
    delegate = user_create(email="an.nguyen@example.vn", full_name="Nguyễn Văn Ân", org_unit=unit)
    mail.outbox.clear()
    registration = services.registration_create(
        event=event, user=delegate, org_unit=unit, source=Registration.Source.IMPORT, created_by=organiser
    )
    return {"session": session, "organiser": organiser, "totp": totp, "registration": registration}


def _projector(page, conference, live_server, size):
    """A second browser window, the organiser's, showing the projector page at ``size``."""
    context = page.context.browser.new_context(base_url=live_server.url, viewport=size)
    projector = context.new_page()
    sign_in(projector, conference["organiser"].email, DEFAULT_PASSWORD, totp=conference["totp"])
    session = conference["session"]
    projector.goto(f"/events/manage/{session.event_id}/sessions/{session.pk}/projector/")
    return projector


PHOTO_WIDTH = 960


def _like_a_photo(image: Image.Image) -> Image.Image:
    """What a phone makes of a projected screen: low contrast, tilted, soft, smaller, grainy."""
    grey = image.convert("L").point(lambda v: 75 + v * (205 - 75) // 255)
    tilted = grey.rotate(6, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=90)
    width, height = tilted.size
    # Keystone: the top of the screen further from the phone than its bottom.
    squeezed = tilted.transform(
        tilted.size,
        Image.Transform.QUAD,
        (width * 0.04, 0, 0, height, width, height, width * 0.96, 0),
        resample=Image.Resampling.BICUBIC,
    )
    # A phone's photo of the screen, the screen about 960 px wide in it (a fixed share of each screen's
    # size made the 1024×768 photo 563 px wide, below any phone camera, and failed 1 time in 20 at random).
    small = squeezed.filter(ImageFilter.GaussianBlur(1.4)).resize((PHOTO_WIDTH, height * PHOTO_WIDTH // width))
    # Sensor grain: Gaussian noise around 128, added around zero.
    return ImageChops.add(small, Image.effect_noise(small.size, 18), offset=-128)


def _decoded(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("size", [{"width": 1024, "height": 768}, {"width": 1920, "height": 1080}])
def test_the_projector_is_full_screen_and_its_code_reads_off_a_photo(conference, page, live_server, size):
    projector = _projector(page, conference, live_server, size)
    session = conference["session"]
    expect(projector.locator(".projector-session")).to_have_text(session.title)
    expect(projector.locator(".projector-count")).to_contain_text("0/1")
    # Nothing of the site around it: no menu, no account, no "Đăng xuất".
    expect(projector.locator(".site-header, nav, .site-footer")).to_have_count(0)
    expect(projector.locator("body")).not_to_contain_text("Đăng xuất")
    # The whole code, quiet zone included, is on the screen: nothing cut off, no scrolling.
    box = projector.locator(".projector-qr svg").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"]
    assert box["height"] >= size["height"] * 0.6  # big enough to read from the back of the room
    assert projector.evaluate("document.documentElement.scrollHeight") <= size["height"]

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = projector.screenshot(path=str(SCREENSHOTS / f"projector-{size['width']}x{size['height']}.png"))
    screen = Image.open(io.BytesIO(shot))
    photo = _like_a_photo(screen)
    photo.save(SCREENSHOTS / f"projector-{size['width']}x{size['height']}-photo.png")
    expected = re.compile(rf"^{re.escape(live_server.url)}/events/s/{session.pk}:[^/]+/$")
    for image in (screen, photo):
        [text] = _decoded(image)
        assert expected.match(text), text
    projector.context.close()


def test_a_passwordless_delegate_checks_in_from_the_projector_code_in_one_tap(conference, page, live_server):
    registration, session = conference["registration"], conference["session"]
    [ticket_mail] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+/events/p/\S+/", ticket_mail.body).group(0)).path
    assert re.search(rf"https?://\S+/events/tickets/{registration.uuid}/", ticket_mail.body)

    # On the phone: the link from the mail, once. No password, no emailed code, no verification.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(link)
    expect(page).to_have_url(re.compile(rf"/events/tickets/{registration.uuid}/$"))
    expect(page.locator(".ticket-name")).to_have_text("Nguyễn Văn Ân")
    expect(page.locator(".ticket-pass")).to_contain_text("Điện thoại này đã sẵn sàng để tự điểm danh")
    page.screenshot(path=str(SCREENSHOTS / "self-check-in-1-ticket-360.png"), full_page=True)

    # A code scanned too long ago: told to scan again, in Vietnamese, keeping the link.
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=5)):
        old_code = session_code(session.pk)
    page.goto(f"/events/s/{old_code}/")
    expect(page.locator(".checkin-amber")).to_contain_text("Mã trên màn chiếu đã đổi")
    page.screenshot(path=str(SCREENSHOTS / "self-check-in-2-rescan-360.png"), full_page=True)

    # The code on the screen now, read off the projector as a phone's camera would.
    projector = _projector(page, conference, live_server, {"width": 1024, "height": 768})
    [scanned] = _decoded(Image.open(io.BytesIO(projector.locator(".projector-qr").screenshot())))
    page.goto(urlsplit(scanned).path)
    expect(page.locator(".checkin-person")).to_contain_text("Nguyễn Văn Ân")
    button = page.locator("button.checkin-confirm-button")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= 740  # the one tap needs no scrolling
    page.screenshot(path=str(SCREENSHOTS / "self-check-in-3-confirm-360.png"), full_page=True)
    button.click()
    expect(page.locator(".checkin-green")).to_contain_text("Đã điểm danh")
    page.screenshot(path=str(SCREENSHOTS / "self-check-in-4-done-360.png"), full_page=True)

    attendance = Attendance.objects.get(registration=registration, session=session)
    assert attendance.method == Attendance.Method.SELF
    # The projector's live count follows.
    expect(projector.locator(".projector-count")).to_contain_text("1/1", timeout=10_000)
    # The venue's network drops: the screen says its code is no longer renewed, and recovers.
    stale = projector.locator("#projector-stale")
    expect(stale).to_be_hidden()
    projector.context.set_offline(True)
    expect(stale).to_be_visible(timeout=10_000)
    expect(stale).to_contain_text("Mất kết nối")
    projector.screenshot(path=str(SCREENSHOTS / "projector-1024x768-offline.png"))
    projector.context.set_offline(False)
    expect(stale).to_be_hidden(timeout=10_000)
    projector.context.close()
    # Still nobody signed in on the phone: the account's pages ask for it.
    page.goto("/events/mine/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
