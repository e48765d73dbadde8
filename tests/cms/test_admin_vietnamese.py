"""The admin reads as Vietnamese: Wagtail's words keep their meaning, ours carry a context."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from wagtail.models import Collection, Page, Site, Task

from cms import services
from tests.factories import RegulationPageFactory


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_wagtails_words_are_not_taken_by_ours():
    with translation.override("vi"):
        # Wagtail's own meanings…
        assert gettext("Pages") == "Trang"
        assert gettext("Locked") != "Chưa mở"
        assert gettext("New") != "Bổ sung mới"
        assert gettext("Submit") != "Nộp bài"
        assert gettext("Approve") == "Phê duyệt"
        assert gettext("Approved") == "Đã phê duyệt"
        # …and ours, where we mean something else.
        assert pgettext("pagination", "Pages") == "Phân trang"
        assert pgettext("quiz answers", "Submit") == "Nộp bài"
        assert pgettext("module", "Locked") == "Chưa mở"
        assert pgettext("provision wording", "New") == "Bổ sung mới"


@pytest.mark.django_db
def test_sidebar_explorer_and_workflow_screens_show_vietnamese(client, moderator, editor, superuser, regulation_index):
    draft = RegulationPageFactory(parent=regulation_index, title="Thông tư số 13/2015/TT-BTTTT", live=False)
    client.force_login(editor)
    from tests.cms.test_workflow import edit

    edit(client, draft, "action-submit")
    client.force_login(moderator)
    root = Page.objects.get(depth=1)
    screens = {
        "dashboard": client.get(reverse("wagtailadmin_home")),
        "explorer": client.get(reverse("wagtailadmin_explore", args=[regulation_index.pk])),
        "root": client.get(reverse("wagtailadmin_explore", args=[root.pk])),
        "edit": client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk])),
    }
    client.force_login(superuser)
    screens["workflows"] = client.get(reverse("wagtailadmin_workflows:index"))
    screens["tasks"] = client.get(reverse("wagtailadmin_workflows:task_index"))
    for name, response in screens.items():
        assert response.status_code == 200, name
        text = text_of(response)
        assert "Phân trang" not in text, name
        assert "(Moderators)" not in text, name
        assert 'aria-label="Actions"' not in response.content.decode(), name
        for english in ("Root", "True", "False", "Pages", "Editor Guide", "What's new in Wagtail"):
            assert not re.search(rf"\b{re.escape(english)}\b", text), (name, english)
    sidebar = screens["dashboard"].content.decode()
    assert "Trang" in text_of(screens["dashboard"])
    assert "Gốc" in text_of(screens["root"])
    # The sidebar's menus are JSON; the guide is the help menu's entry.
    assert reverse("cms_editors_guide") in sidebar and '"name": "cms-editors-guide"' in sidebar
    assert "Hướng dẫn biên tập viên" in text_of(screens["dashboard"])
    assert "Kiểm duyệt viên duyệt nội dung" in text_of(screens["edit"])
    assert "Phê duyệt" in text_of(screens["edit"])


@pytest.mark.django_db
def test_the_tree_root_and_the_root_collection_have_vietnamese_names():
    assert Page.objects.get(depth=1).title == "Gốc"
    assert Collection.objects.get(depth=1).name == "Gốc"
    assert not Task.objects.filter(name__contains="Moderators").exists()


@pytest.mark.django_db
def test_the_editors_guide_is_in_the_help_menu_and_in_vietnamese(client, editor):
    client.force_login(editor)
    response = client.get(reverse("cms_editors_guide"))
    assert response.status_code == 200
    text = text_of(response)
    for heading in ("Đăng một văn bản", "Thay thế một văn bản", "Một khóa học có nhiều bài", "Mẫu giấy chứng nhận"):
        assert heading in text
    assert "dd/mm/yyyy" in text
    assert 'href="https://guide.wagtail.org' not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.django_db
def test_yes_no_cells_read_as_words(client, superuser):
    from django.template.loader import render_to_string

    with translation.override("vi"):
        cells = [render_to_string("wagtailadmin/tables/cell.html", {"value": value}) for value in (True, False)]
    assert ["".join(cell.split()) for cell in cells] == ["<td>Có</td>", "<td>Không</td>"]


@pytest.mark.django_db
def test_the_slug_help_has_no_english_example():
    from wagtail.models import Page as WagtailPage

    with translation.override("vi"):
        help_text = str(WagtailPage._meta.get_field("slug").help_text)
    assert "domain.com" not in help_text and "my-slug" not in help_text


@pytest.mark.django_db
def test_the_wagtail_site_follows_site_url_and_the_site_name(settings):
    site = Site.objects.get(is_default_site=True)
    # Migrate ran site_sync: the test settings' SITE_URL is http://127.0.0.1:8000.
    assert (site.hostname, site.port, site.site_name) == ("127.0.0.1", 8000, settings.WAGTAIL_SITE_NAME)
    settings.WAGTAILADMIN_BASE_URL = "https://taphuan.example.vn"
    settings.WAGTAIL_SITE_NAME = "Tập huấn TĐKT"
    services.site_sync()
    site.refresh_from_db()
    assert (site.hostname, site.port, site.site_name) == ("taphuan.example.vn", 443, "Tập huấn TĐKT")
    assert site.root_url == "https://taphuan.example.vn"
