"""The Wagtail admin reads in Vietnamese: our catalogue fills what Wagtail's own vi catalogues leave out."""

import json
import re
from pathlib import Path

import polib
import pytest
import wagtail
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

from accounts.roles import Role
from cms.models import HomePage
from tests.lms.test_i18n import PLACEHOLDER, _entries, _translations, visible

HERE = Path(settings.BASE_DIR) / "locale" / "wagtail" / "vi" / "LC_MESSAGES"
CATALOGUES = {"django": HERE / "django.po", "djangojs": HERE / "djangojs.po"}
WAGTAIL = Path(wagtail.__file__).parent
# The apps whose every message must read in Vietnamese, Wagtail's catalogue or ours.
APPS = [
    "admin",
    "",
    "snippets",
    "images",
    "documents",
    "users",
    "sites",
    "contrib/settings",
    "contrib/redirects",
    "contrib/forms",
    "embeds",
    "search",
    "locales",
    "contrib/search_promotions",
    "contrib/simple_translation",
    "contrib/table_block",
    "contrib/typed_table_block",
    "contrib/styleguide",
]
TAG = re.compile(r"</?[a-zA-Z][^>]*>|&\w+;")

# English the admin showed before this catalogue; none of it may show on a Vietnamese page.
ENGLISH = [
    "Save draft",
    "Promote",
    "Site summary",
    "The page title as you'd like it to be seen by the public",
    "Skip to main content",
    "Toggle sidebar",
    "Keyboard shortcuts",
    "Content metrics",
    "Preview in new tab",
    "Request changes",
    "Approve and Publish",
    "minutes",
]


@pytest.fixture(params=sorted(CATALOGUES), ids=sorted(CATALOGUES))
def po(request):
    return polib.pofile(str(CATALOGUES[request.param]))


# --- The catalogue ------------------------------------------------------------


def test_catalogue_is_vietnamese_with_one_plural_form(po):
    assert po.metadata["Language"] == "vi"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated(po):
    entries = _entries(po)
    assert len(entries) > 50
    assert not [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not [e.msgid for e in entries if not all(e.msgstr_plural.values() if e.msgid_plural else [e.msgstr])]
    assert not [e for e in po if e.obsolete]
    for e in entries:
        if e.msgid_plural:
            assert sorted(e.msgstr_plural) == [0], e.msgid


def test_translations_keep_the_placeholders_and_markup(po):
    broken = []
    for e in _entries(po):
        translations = e.msgstr_plural.values() if e.msgid_plural else [e.msgstr]
        for pattern in (PLACEHOLDER, TAG):
            source = pattern.findall(e.msgid) + pattern.findall(e.msgid_plural or "")
            for text in translations:
                found = pattern.findall(text)
                # One plural form: it may use the placeholders of either English form.
                if not set(found) <= set(source) or (not e.msgid_plural and sorted(found) != sorted(source)):
                    broken.append((e.msgid, text))
        for text in translations:
            # Leading and trailing spaces are part of how Wagtail joins the strings.
            if (e.msgid[:1].isspace(), e.msgid[-1:].isspace()) != (text[:1].isspace(), text[-1:].isspace()):
                broken.append((e.msgid, text))
    assert not broken


def test_compiled_catalogue_matches_its_source(po):
    mo = polib.mofile(str(Path(po.fpath).with_suffix(".mo")))
    assert _translations(mo) == _translations(po), "recompile: msgfmt -o django.mo django.po"


def test_no_translation_runs_a_placeholder_into_the_next_word(po):
    # Wagtail's own had "%(label)svà Xuất bản".
    glued = [e.msgstr for e in _entries(po) if re.search(r"%\(\w+\)[sd][^\W\d_]", e.msgstr)]
    assert not glued


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_every_wagtail_message_has_vietnamese(domain):
    """Wagtail's catalogue or ours: an upgrade that adds English strings fails here."""
    ours = set(_translations(polib.pofile(str(CATALOGUES[domain]))))
    missing = []
    for app in APPS:
        english = WAGTAIL / app / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        if not english.exists():
            continue
        vietnamese = english.parents[2] / "vi" / "LC_MESSAGES" / f"{domain}.po"
        theirs = {
            k
            for k, v in (_translations(polib.pofile(str(vietnamese))) if vietnamese.exists() else {}).items()
            if all(v if isinstance(v, tuple) else [v])
        }
        for e in _entries(polib.pofile(str(english))):
            if (e.msgctxt, e.msgid) not in theirs | ours:
                missing.append((app or "core", e.msgid))
    assert not missing, f"{len(missing)} Wagtail messages without Vietnamese, e.g. {missing[:10]}"


# --- Django loads it ----------------------------------------------------------


def test_django_finds_the_wagtail_catalogue():
    assert Path(settings.BASE_DIR) / "locale" / "wagtail" in [Path(p) for p in settings.LOCALE_PATHS]
    # Variables, not literals, so that makemessages does not collect these msgids.
    save_draft, images, request_changes, approve, and_publish, title_help = (
        "Save draft",
        "Images",
        "Request changes",
        "Approve",
        "%(label)s and Publish",
        "The page title as you'd like it to be seen by the public",
    )
    with translation.override("vi"):
        assert translation.gettext(save_draft) == "Lưu bản nháp"
        assert translation.gettext(images) == "Hình ảnh"
        assert translation.gettext(request_changes) == "Yêu cầu chỉnh sửa"
        assert translation.gettext(and_publish) % {"label": translation.gettext(approve)} == "Phê duyệt và Xuất bản"
        assert translation.gettext(title_help) == "Tiêu đề trang như bạn muốn công chúng nhìn thấy"
    with translation.override("en"):
        assert translation.gettext(save_draft) == save_draft


def test_the_admin_javascript_catalogue_is_vietnamese():
    collapse_all, expand_all = "Collapse all", "Expand all"
    catalogue = DjangoTranslation("vi", domain="djangojs")
    assert catalogue.gettext(collapse_all) == "Thu gọn tất cả"
    assert catalogue.gettext(expand_all) == "Mở rộng tất cả"


# --- The admin, signed in ---------------------------------------------------


@pytest.fixture
def moderator(make_staff, enable_totp):
    user = make_staff(Role.MODERATOR, full_name="Lê Văn Minh")
    enable_totp(user)
    return user


@pytest.fixture
def home_in_moderation(make_staff, enable_totp):
    """The home page, edited and submitted by an editor: a moderator sees approve and request changes."""
    editor = make_staff(Role.EDITOR, full_name="Trần Thị Hoa")
    home = HomePage.objects.get()
    home.title = "Trang chủ (bản sửa)"
    home.save_revision(user=editor)
    home.get_workflow().start(home, editor)
    return home


@pytest.mark.django_db
def test_a_moderator_meets_the_admin_in_vietnamese(client, moderator, home_in_moderation):
    client.force_login(moderator)
    pages = {
        "dashboard": (reverse("wagtailadmin_home"), ["Tổng quan trang web", "Chuyển đến nội dung chính"]),
        "edit": (
            reverse("wagtailadmin_pages:edit", args=[home_in_moderation.pk]),
            [
                "Lưu bản nháp",
                "Quảng bá",
                "Phê duyệt và Xuất bản",
                "Yêu cầu chỉnh sửa",
                "Tiêu đề trang như bạn muốn công chúng nhìn thấy",
                "Chỉ số nội dung",
                "Ngừng xuất bản",
            ],
        ),
    }
    for name, (url, phrases) in pages.items():
        text, lang = visible(client.get(url))
        assert lang == "vi", name
        for phrase in phrases:
            assert phrase in text, (name, phrase)
        for phrase in ENGLISH:
            assert phrase not in text, (name, phrase)
        assert "svà" not in text
        # Wagtail's own words for unpublish, and for document (our regulations are "văn bản").
        assert "Thu hồi xuất bản" not in text

    # The admin's JavaScript strings come from its catalogue view, escaped as JSON.
    script = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    assert json.dumps("Thu gọn tất cả") in script
    assert '"Collapse all": "Collapse all"' not in script
