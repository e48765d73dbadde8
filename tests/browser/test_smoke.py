"""Smoke tests in a real browser: the pages a trainee meets first."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

# The live server needs committed data, so each test flushes the database
# afterwards; serialized_rollback first restores what migrations created (the
# Wagtail site and its home page), which an earlier transactional test in the
# session may have flushed away.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_home_page_is_in_vietnamese_for_an_english_browser(page):
    response = page.goto("/")
    assert response is not None
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()


@pytest.fixture
def demo_data(transactional_db):
    # Known demo passwords are only set on a development machine (DEBUG).
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_demo_trainee_signs_in_and_sees_their_name(demo_data, page):
    from demo.accounts import DEMO_PASSWORD

    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name='login']").fill("hocvien@demo.tdkt.vn")
    form.locator("input[name='password']").fill(DEMO_PASSWORD)
    form.locator("button[type='submit']").click()

    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("main")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
