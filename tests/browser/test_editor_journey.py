"""An editor's week in a real browser: a bad date refused, a schedule, an approval with a
comment, and the regulation going live when its time comes."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import RegulationIndexPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Thông tư số 05/2024/TT-BTTTT"
SLUG = "thong-tu-05-2024-tt-btttt"


@pytest.fixture
def newsroom(transactional_db, make_staff, enable_totp, password):
    from cms.models import HomePage

    index = RegulationIndexPageFactory(parent=HomePage.objects.get(), title="Văn bản mới", slug="van-ban")
    editor = make_staff(Role.EDITOR, full_name="Trần Thị Hoa")
    moderator = make_staff(Role.MODERATOR, full_name="Lê Văn Minh")
    return {
        "index": index,
        "editor": (editor, enable_totp(editor)),
        "moderator": (moderator, enable_totp(moderator)),
        "password": password,
    }


def open_footer_menu(page):
    page.locator("footer [data-w-dropdown-target='toggle']").last.click()


def test_an_editor_schedules_a_regulation_and_it_goes_live_at_its_time(newsroom, page):
    from cms import tasks
    from cms.models import RegulationPage

    editor, editor_code = newsroom["editor"]
    sign_in(page, editor.email, newsroom["password"], totp=editor_code)
    page.goto(f"/admin/pages/{newsroom['index'].pk}/add_subpage/")
    page.fill("#id_title", TITLE)
    page.fill("#id_document_number", "05/2024/TT-BTTTT")
    page.select_option("#id_document_type", "circular")
    page.fill("#id_issuing_body", "Bộ Thông tin và Truyền thông")
    page.fill("#id_summary", "Sửa đổi hướng dẫn công tác thi đua, khen thưởng.")

    # A day that does not exist: the picker leaves it as typed, the server refuses it.
    page.fill("#id_date_issued", "31/02/2022")
    page.locator("#id_summary").click()
    expect(page.locator("#id_date_issued")).to_have_value("31/02/2022")
    page.locator("button[name='action-save'], button.action-save").first.click()
    expect(page.get_by_text("Không có ngày 31/02/2022 trên lịch")).to_be_visible()
    expect(page.locator("#id_date_issued")).to_have_value("31/02/2022")
    assert not RegulationPage.objects.exists()

    # Corrected, saved as a draft; the slug was made from the title, in ASCII.
    page.fill("#id_date_issued", "15/03/2024")
    page.locator("#id_summary").click()
    page.locator("button[name='action-save'], button.action-save").first.click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/"))
    draft = RegulationPage.objects.get()
    assert draft.slug == SLUG
    assert draft.date_issued == datetime.date(2024, 3, 15)

    # Scheduled for tomorrow 08:00, Hà Nội time.
    go_live = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    page.locator("[data-side-panel-toggle='status']").click()
    page.locator("[data-a11y-dialog-show='schedule-publishing-dialog']:visible").first.click()
    dialog = page.locator("#schedule-publishing-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#id_go_live_at").fill(go_live.strftime("%d/%m/%Y %H:%M"))
    # Leave the field (the picker re-read the text on blur before): the text must stay as typed.
    # Tab would open the next field's picker over the dialog's button, so blur and close them by hand.
    dialog.locator("#id_go_live_at").evaluate("input => input.blur()")
    page.evaluate("() => window.jQuery('.xdsoft_datetimepicker').hide()")
    expect(dialog.locator("#id_go_live_at")).to_have_value(go_live.strftime("%d/%m/%Y %H:%M"))
    dialog.locator("button.action-save").evaluate("button => button.click()")
    expect(page.locator(".messages")).to_be_visible()
    open_footer_menu(page)
    page.locator("button[name='action-submit']").click()
    expect(page.locator(".messages")).to_be_visible()
    draft.refresh_from_db()
    assert draft.current_workflow_state is not None
    assert draft.get_latest_revision_as_object().go_live_at == go_live

    # The moderator approves, with a comment.
    page.context.clear_cookies()
    moderator, moderator_code = newsroom["moderator"]
    sign_in(page, moderator.email, newsroom["password"], totp=moderator_code)
    page.goto(f"/admin/pages/{draft.pk}/edit/")
    open_footer_menu(page)
    page.locator("button[data-workflow-action-name='approve'][data-workflow-action-modal-url]").click()
    comment = page.locator(".modal textarea[name='comment']")
    expect(comment).to_be_visible()
    comment.fill("Đồng ý, xuất bản đúng giờ đã hẹn.")
    page.locator(".modal form [type='submit']").click()
    expect(page.locator(".messages")).to_be_visible()

    draft.refresh_from_db()
    assert not draft.live
    assert page.request.get(f"/van-ban/{SLUG}/").status == 404

    # Beat runs publish_scheduled every minute; at 08:01 the regulation is live.
    with time_machine.travel(go_live + datetime.timedelta(minutes=1), tick=True):
        tasks.publish_scheduled.delay()
        draft.refresh_from_db()
        assert draft.live
        page.context.clear_cookies()
        page.goto(f"/van-ban/{SLUG}/")
        expect(page.locator("main")).to_contain_text("05/2024/TT-BTTTT")
        expect(page.locator("main")).to_contain_text("15/03/2024")
