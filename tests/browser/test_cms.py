"""The editors' path in a real browser: write, submit, approve, publish."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import RegulationIndexPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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


def test_an_editor_submits_a_regulation_a_moderator_approves_and_it_is_published(newsroom, page):
    editor, editor_code = newsroom["editor"]
    sign_in(page, editor.email, newsroom["password"], totp=editor_code)

    page.goto(f"/admin/pages/{newsroom['index'].pk}/add_subpage/")
    # The index allows one child type, so the admin goes straight to its form.
    expect(page.locator("#id_title")).to_be_visible()
    page.fill("#id_title", "Thông tư số 13/2015/TT-BTTTT")
    page.fill("#id_document_number", "13/2015/TT-BTTTT")
    page.select_option("#id_document_type", "circular")
    page.fill("#id_issuing_body", "Bộ Thông tin và Truyền thông")
    page.fill("#id_date_issued", "08/06/2015")
    # Wagtail's date picker opens 100 ms after the focus, so on a busy machine it
    # can open after the focus has moved on and then cover the buttons: close it.
    picker = page.locator(".xdsoft_datetimepicker:visible")
    expect(picker).to_have_count(1)
    page.locator("#id_date_issued").blur()
    expect(picker).to_have_count(0)
    page.fill("#id_summary", "Hướng dẫn công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông.")
    # Editors cannot publish: their only way forward is to submit for moderation.
    expect(page.get_by_role("button", name=re.compile("Xuất bản|Publish"))).to_have_count(0)
    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.locator("button[name='action-submit']").click()
    expect(page.locator(".messages")).to_be_visible()

    from cms.models import RegulationPage

    draft = RegulationPage.objects.get(document_number="13/2015/TT-BTTTT")
    assert not draft.live
    assert page.request.get(f"/van-ban/{draft.slug}/").status == 404

    page.context.clear_cookies()
    moderator, moderator_code = newsroom["moderator"]
    sign_in(page, moderator.email, newsroom["password"], totp=moderator_code)
    page.goto(f"/admin/pages/{draft.pk}/edit/")
    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name=re.compile(r"^(Phê duyệt và Xuất bản|Approve and publish)$")).click()
    expect(page.locator(".messages")).to_be_visible()

    page.context.clear_cookies()
    page.goto("/van-ban/")
    page.get_by_role("link", name="Thông tư số 13/2015/TT-BTTTT").click()
    expect(page.locator("main")).to_contain_text("13/2015/TT-BTTTT")
    expect(page.locator("main")).to_contain_text("08/06/2015")
