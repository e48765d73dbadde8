"""Nothing changes what the editor typed: dates, document numbers, slugs, copies."""

import datetime
import json
import re

import pytest
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from wagtail.admin.forms.models import formfield_for_dbfield
from wagtail.models import Page

from cms.models import CampaignPage, RegulationPage, document_number_key
from cms.widgets import SLUG_FORMATTERS, DayFirstDateField, DayFirstDateTimeField, slug_for
from tests.cms.test_pages import regulation_form_data
from tests.factories import RegulationPageFactory


def add_url(index):
    return reverse("wagtailadmin_pages:add", args=["cms", "regulationpage", index.pk])


# --- Dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["31/02/2022", "30/02/2024", "2024-01-01", "ngày 15 tháng 6 năm 2022", "15-06-2022"])
@pytest.mark.django_db
def test_the_admin_refuses_a_date_it_would_have_to_guess(client, editor, regulation_index, typed):
    client.force_login(editor)
    data = regulation_form_data(date_issued=typed)
    data["action-submit"] = "action-submit"
    with translation.override("vi"):
        response = client.post(add_url(regulation_index), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["date_issued"]
    assert re.search(r"dd/mm/yyyy|không có ngày", errors[0], re.IGNORECASE), errors
    assert not RegulationPage.objects.exists()
    # What was typed is still in the field, unchanged.
    assert f'value="{typed}"' in response.content.decode()


@pytest.mark.django_db
def test_an_impossible_day_is_named_in_vietnamese(client, editor, regulation_index):
    client.force_login(editor)
    data = regulation_form_data(date_issued="31/02/2022")
    data["action-submit"] = "action-submit"
    response = client.post(add_url(regulation_index), data)
    assert response.context["form"].errors["date_issued"] == [
        "Không có ngày 31/02/2022 trên lịch: hãy kiểm tra lại ngày và tháng."
    ]


@pytest.mark.django_db
def test_a_day_first_date_is_kept(client, editor, regulation_index):
    client.force_login(editor)
    data = regulation_form_data(date_issued="08/06/2015", date_in_force="29/02/2024")
    data["action-submit"] = "action-submit"
    assert client.post(add_url(regulation_index), data).status_code == 302
    page = RegulationPage.objects.get()
    assert (page.date_issued, page.date_in_force) == (datetime.date(2015, 6, 8), datetime.date(2024, 2, 29))


@pytest.mark.django_db
def test_every_admin_date_field_is_strict_and_its_picker_leaves_the_text_alone(client, editor, regulation_index):
    assert isinstance(formfield_for_dbfield(models.DateField(), required=False), DayFirstDateField)
    assert isinstance(formfield_for_dbfield(models.DateTimeField(), required=False), DayFirstDateTimeField)
    form_class = RegulationPage.get_edit_handler().get_form_class()
    for name in ("go_live_at", "expire_at"):
        assert isinstance(form_class.base_fields[name], DayFirstDateTimeField), name

    client.force_login(editor)
    html = client.get(add_url(regulation_index)).content.decode()
    pickers = re.findall(r"init(Date|DateTime)Chooser\(\"(id_\w+)\", Object\.assign\((\{.*?\}), (\{.*?\})\)\);", html)
    assert {field for _kind, field, _config, _override in pickers} == {
        "id_date_issued",
        "id_date_in_force",
        "id_expiry_date",
        "id_go_live_at",
        "id_expire_at",
    }
    for _kind, _field, config, override in pickers:
        assert json.loads(config)["format"].startswith("d/m/Y")
        assert json.loads(override) == {"validateOnBlur": False}


@pytest.mark.parametrize("typed", ["2024-01-01 10:00", "2024-01-01T10:00:00", "31/02/2024 10:00", "mai 10 giờ"])
def test_the_go_live_time_is_day_first_too(typed):
    field = DayFirstDateTimeField(required=False)
    with pytest.raises(Exception, match="dd/mm/yyyy hh:mm"):
        field.clean(typed)


@pytest.mark.django_db
def test_the_go_live_time_reads_day_first():
    value = DayFirstDateTimeField(required=False).clean("05/06/2024 21:57")
    assert (value.day, value.month, value.hour, value.minute) == (5, 6, 21, 57)


# --- Document numbers ------------------------------------------------------------------


def test_leading_zeros_do_not_make_another_number():
    assert document_number_key("6/2022/QH15") == document_number_key("06/2022/QH15") == "6/2022/qh15"
    assert document_number_key("0039-CT/TW") == document_number_key("39-CT/TW")
    assert document_number_key("13/2015/TT-BTTTT") != document_number_key("3/2015/TT-BTTTT")
    assert document_number_key("") is None


@pytest.mark.django_db
def test_6_2022_qh15_is_refused_beside_06_2022_qh15(client, editor, regulation_index):
    RegulationPageFactory(parent=regulation_index, document_number="06/2022/QH15", date_issued=None)
    client.force_login(editor)
    data = regulation_form_data(document_number="6/2022/QH15", slug="luat-6", date_issued="15/06/2022")
    data["action-submit"] = "action-submit"
    response = client.post(add_url(regulation_index), data)
    assert response.status_code == 200
    assert response.context["form"].errors["document_number"] == ["Đã có văn bản khác mang số hiệu này."]
    # The number is kept as typed, not "corrected".
    assert 'value="6/2022/QH15"' in response.content.decode()


# --- Slugs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Thông tư số 05/2024/TT-BTTTT", "thong-tu-05-2024-tt-btttt"),
        ("Luật Thi đua, khen thưởng số 06/2022/QH15", "luat-thi-dua-khen-thuong-06-2022-qh15"),
        ("Chỉ thị số 39-CT/TW", "chi-thi-39-ct-tw"),
        ("ĐẠI HỘI THI ĐUA YÊU NƯỚC", "dai-hoi-thi-dua-yeu-nuoc"),
        ("Số liệu thi đua", "so-lieu-thi-dua"),  # "số" stays when it is not "no."
        ("Thi đua", "thi-dua"),
    ],
)
def test_vietnamese_titles_give_ascii_slugs_with_readable_numbers(title, slug):
    assert slug_for(title) == slug
    # Decomposed text (as some systems send it) gives the same slug.
    import unicodedata

    assert slug_for(unicodedata.normalize("NFD", title)) == slug


def test_the_admin_slug_field_runs_the_same_formatters(settings):
    assert settings.WAGTAIL_ALLOW_UNICODE_SLUGS is False
    widget = formfield_for_dbfield(Page._meta.get_field("slug")).widget
    formatters = json.loads(widget.attrs["data-w-slug-formatters-value"])
    assert len(formatters) == len(SLUG_FORMATTERS)
    # The script's urlify, after the formatters, keeps [-\w\s] and joins words with "-":
    # in Python, the formatters then Django's slugify do the same.
    title = "Thông tư số 05/2024/TT-BTTTT"
    text = title
    for (pattern, _flags), replacement in formatters:
        text = re.sub(pattern, replacement, text)
    assert slugify(text) == slug_for(title) == "thong-tu-05-2024-tt-btttt"


@pytest.mark.django_db
def test_a_page_saved_without_a_slug_gets_the_ascii_one(regulation_index, campaign_index):
    page = regulation_index.add_child(
        instance=RegulationPage(
            title="Thông tư số 05/2024/TT-BTTTT",
            document_number="05/2024/TT-BTTTT",
            document_type="circular",
            issuing_body="Bộ Thông tin và Truyền thông",
            summary="Tóm tắt.",
        )
    )
    assert page.slug == "thong-tu-05-2024-tt-btttt"
    campaign = campaign_index.add_child(instance=CampaignPage(title="Đổi mới sáng tạo", summary="Tóm tắt."))
    assert campaign.slug == "doi-moi-sang-tao"


# --- Copying -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_copying_a_regulation_gives_a_draft_that_asks_for_its_number(client, moderator, regulation_index):
    original = RegulationPageFactory(
        parent=regulation_index, title="Thông tư số 13/2015/TT-BTTTT", document_number="13/2015/TT-BTTTT"
    )
    client.force_login(moderator)
    response = client.post(
        reverse("wagtailadmin_pages:copy", args=[original.pk]),
        {
            "new_title": "Thông tư số 05/2024/TT-BTTTT",
            "new_slug": "thong-tu-05-2024-tt-btttt",
            "new_parent_page": str(regulation_index.pk),
            "publish_copies": "on",
        },
    )
    copy = RegulationPage.objects.get(slug="thong-tu-05-2024-tt-btttt")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[copy.pk])
    assert copy.document_number is None and copy.document_number_key is None
    assert not copy.live  # no live page without a number, even when "publish copies" was ticked
    original.refresh_from_db()
    assert original.document_number == "13/2015/TT-BTTTT"
    # A second copy is fine too (no clash of empty numbers).
    client.post(
        reverse("wagtailadmin_pages:copy", args=[original.pk]),
        {"new_title": "Bản sao 2", "new_slug": "ban-sao-2", "new_parent_page": str(regulation_index.pk)},
    )
    assert RegulationPage.objects.filter(document_number__isnull=True).count() == 2

    edit_screen = client.get(response["Location"]).content.decode()
    assert "chưa có số hiệu văn bản" in edit_screen
    data = regulation_form_data(title=copy.title, slug=copy.slug, document_number="")
    data["action-submit"] = "action-submit"
    refused = client.post(response["Location"], data)
    assert refused.status_code == 200
    assert "document_number" in refused.context["form"].errors
    assert copy.current_workflow_state is None
