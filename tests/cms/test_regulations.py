"""Regulation pages: document numbers, supersession, derived status, listing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail_factories import DocumentFactory

from cms.models import (
    RegulationAttachment,
    RegulationPage,
    RegulationStatus,
    normalize_document_number,
    regulation_status,
    validate_document_number,
)
from tests.factories import RegulationPageFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)

VALID_NUMBERS = [
    "13/2015/TT-BTTTT",
    "39-CT/TW",
    "105/CT-BTTTT",
    "890/KH-BTTTT",
    "664/BTTTT-TĐKT",
    "1249/BTTTT-TĐKT",
    "06/2022/QH15",
    "15/2003/QH11",
    "91/2017/NĐ-CP",
    "45-NQ/TW",
    "1/2020/QĐ-TTg",
]
INVALID_NUMBERS = [
    "",
    "abc",
    "13",
    "13/2015",
    "2015/TT-BTTTT/13",
    "13//TT-BTTTT",
    "/TT-BTTTT",
    "13/2015/TT-",
    "13/2015/-BTTTT",
    "13/15/TT-BTTTT",
    "13/2015/tt-btttt",
    "13/2015/TT BTTTT",
    "123456/CT-BTTTT",
    "39-CT",
    "Số 13/2015/TT-BTTTT",
    "13/2015/TT-BTTTT; DROP TABLE cms_regulationpage",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_real_document_number_shapes_are_accepted(number):
    validate_document_number(number)


@pytest.mark.parametrize("number", INVALID_NUMBERS)
def test_malformed_document_numbers_are_refused(number):
    with pytest.raises(ValidationError):
        validate_document_number(normalize_document_number(number))


def test_document_numbers_are_normalised_as_typed_or_pasted():
    assert normalize_document_number(" 13 / 2015 / TT – BTTTT ") == "13/2015/TT-BTTTT"
    # "Đ" typed as D + combining stroke does not exist, but decomposed accents
    # elsewhere come back composed.
    assert normalize_document_number("664/BTTTT-T\u0110KT") == "664/BTTTT-TĐKT"


@pytest.mark.django_db
def test_a_malformed_number_is_refused_on_save(regulation_index):
    with pytest.raises(ValidationError) as error:
        RegulationPageFactory(parent=regulation_index, document_number="13/2015")
    assert "document_number" in error.value.message_dict


@pytest.mark.django_db
def test_a_duplicate_number_is_refused_by_validation_and_by_the_database(regulation_index):
    first = RegulationPageFactory(parent=regulation_index, document_number="13/2015/TT-BTTTT")
    with pytest.raises(ValidationError) as error:
        RegulationPageFactory(parent=regulation_index, document_number=" 13/2015/TT - BTTTT")
    unique_message = RegulationPage._meta.get_field("document_number").error_messages["unique"]
    assert error.value.message_dict["document_number"] == [str(unique_message)]
    other = RegulationPageFactory(parent=regulation_index, document_number="105/CT-BTTTT")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegulationPage.objects.filter(pk=other.pk).update(document_number=first.document_number)


@pytest.mark.django_db
def test_the_date_issued_may_be_left_out_only_when_the_number_has_the_year(regulation_index):
    law = RegulationPageFactory(parent=regulation_index, document_number="06/2022/QH15", date_issued=None)
    assert law.year_issued == 2022
    with pytest.raises(ValidationError) as error:
        RegulationPageFactory(parent=regulation_index, document_number="105/CT-BTTTT", date_issued=None)
    assert "date_issued" in error.value.message_dict


@pytest.mark.django_db
def test_dates_must_be_in_order(regulation_index):
    with pytest.raises(ValidationError) as error:
        RegulationPageFactory(
            parent=regulation_index,
            date_issued=datetime.date(2022, 6, 15),
            date_in_force=datetime.date(2022, 1, 1),
            expiry_date=datetime.date(2021, 1, 1),
        )
    assert {"date_in_force", "expiry_date"} <= set(error.value.message_dict)


@pytest.mark.django_db
def test_a_regulation_cannot_supersede_itself(regulation_index):
    page = RegulationPageFactory(parent=regulation_index)
    page.supersedes = page
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert error.value.message_dict["supersedes"] == [_("A regulation cannot supersede itself.")]
    # The database refuses it too, whatever path the write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        RegulationPage.objects.filter(pk=page.pk).update(supersedes=page.pk)


@pytest.mark.django_db
def test_supersede_loops_are_refused_with_a_clear_error(regulation_index):
    law_2003 = RegulationPageFactory(parent=regulation_index, document_number="15/2003/QH11", date_issued=None)
    law_2022 = RegulationPageFactory(
        parent=regulation_index, document_number="06/2022/QH15", date_issued=None, supersedes=law_2003
    )
    decree = RegulationPageFactory(parent=regulation_index, document_number="91/2017/NĐ-CP", supersedes=law_2022)

    law_2003.supersedes = law_2022
    with pytest.raises(ValidationError) as error:
        law_2003.full_clean()
    assert "06/2022/QH15" in error.value.message_dict["supersedes"][0]

    law_2003.supersedes = decree  # a three-step loop
    with pytest.raises(ValidationError) as error:
        law_2003.full_clean()
    assert "91/2017/NĐ-CP" in error.value.message_dict["supersedes"][0]


def _status(**dates):
    values = {"date_issued": TODAY - 30 * DAY, "date_in_force": None, "expiry_date": None, **dates}
    return regulation_status(today=TODAY, superseded=False, **values)


def test_status_rule():
    assert _status() == RegulationStatus.IN_FORCE
    assert _status(date_in_force=TODAY + DAY) == RegulationStatus.NOT_YET_IN_FORCE
    assert _status(date_in_force=TODAY) == RegulationStatus.IN_FORCE
    assert _status(date_issued=TODAY + DAY) == RegulationStatus.NOT_YET_IN_FORCE
    assert _status(date_issued=None) == RegulationStatus.IN_FORCE
    assert _status(expiry_date=TODAY) == RegulationStatus.IN_FORCE
    assert _status(expiry_date=TODAY - DAY) == RegulationStatus.EXPIRED
    assert (
        regulation_status(today=TODAY, superseded=True, date_issued=TODAY, date_in_force=None, expiry_date=TODAY - DAY)
        == RegulationStatus.SUPERSEDED
    )


@pytest.mark.django_db
def test_status_is_derived_the_same_way_in_python_and_sql(regulation_index):
    pages = {
        "pending": RegulationPageFactory(parent=regulation_index, date_in_force=TODAY + 10 * DAY),
        "in_force": RegulationPageFactory(parent=regulation_index, date_in_force=TODAY - DAY),
        "expired": RegulationPageFactory(parent=regulation_index, expiry_date=TODAY - DAY),
        "old": RegulationPageFactory(parent=regulation_index),
    }
    newer_draft = RegulationPageFactory(parent=regulation_index, supersedes=pages["old"], live=False)
    # A draft that would supersede it changes nothing until it is published.
    assert RegulationPage.objects.get(pk=pages["old"].pk).status == RegulationStatus.IN_FORCE
    newer_draft.save_revision().publish()

    annotated = {page.pk: page.status for page in RegulationPage.objects.with_status()}
    for expected, page in [*pages.items()]:
        expected = "superseded" if expected == "old" else expected
        fresh = RegulationPage.objects.get(pk=page.pk)
        assert fresh.status == expected
        assert annotated[page.pk] == expected


@pytest.mark.django_db
def test_superseded_regulation_page_links_to_its_replacement(client, regulation_index):
    old = RegulationPageFactory(
        parent=regulation_index,
        title="Luật Thi đua, khen thưởng số 15/2003/QH11",
        document_number="15/2003/QH11",
        date_issued=None,
    )
    new = RegulationPageFactory(
        parent=regulation_index,
        title="Luật Thi đua, khen thưởng số 06/2022/QH15",
        document_number="06/2022/QH15",
        date_issued=None,
        date_in_force=datetime.date(2024, 1, 1),
        supersedes=old,
    )
    old_html = client.get(old.url).content.decode()
    assert 'class="status-badge status-superseded"' in old_html
    assert f'href="{new.url}"' in old_html
    new_html = client.get(new.url).content.decode()
    assert 'class="status-badge status-in_force"' in new_html
    assert "01/01/2024" in new_html
    assert f'href="{old.url}"' in new_html


@pytest.mark.django_db
def test_attachments_are_pdf_or_docx(regulation_index):
    page = RegulationPageFactory(parent=regulation_index)
    for name in ("thong-tu.pdf", "thong-tu.docx"):
        RegulationAttachment(page=page, document=DocumentFactory(file__filename=name)).full_clean()
    with pytest.raises(ValidationError) as error:
        RegulationAttachment(page=page, document=DocumentFactory(file__filename="bang-tong-hop.xlsx")).full_clean()
    assert "document" in error.value.message_dict


@pytest.mark.django_db
def test_regulation_page_shows_the_provisions_and_attachments(client, regulation_index):
    page = RegulationPageFactory(
        parent=regulation_index,
        what_is_new=[
            ("provision", {"article": "Điều 5", "old_wording": "Câu chữ cũ.", "new_wording": "Câu chữ mới."}),
        ],
    )
    RegulationAttachment.objects.create(
        page=page, document=DocumentFactory(title="Toàn văn", file__filename="toan-van.pdf"), sort_order=0
    )
    html = client.get(page.url).content.decode()
    assert '<div class="provision-old">' in html and "Câu chữ cũ." in html
    assert '<div class="provision-new">' in html and "Câu chữ mới." in html
    assert "Toàn văn" in html and "(PDF" in html
    assert "08/06/2015" in html  # dd/mm/yyyy


@pytest.fixture
def listing(regulation_index):
    make = RegulationPageFactory
    make(
        parent=regulation_index,
        document_number="39-CT/TW",
        document_type="directive",
        issuing_body="Bộ Chính trị",
        date_issued=datetime.date(2004, 5, 21),
    )
    make(
        parent=regulation_index,
        document_number="105/CT-BTTTT",
        document_type="directive",
        date_issued=datetime.date(2016, 12, 19),
    )
    make(
        parent=regulation_index,
        document_number="890/KH-BTTTT",
        document_type="plan",
        date_issued=datetime.date(2017, 3, 17),
        expiry_date=datetime.date(2017, 12, 31),
    )
    make(
        parent=regulation_index,
        document_number="06/2022/QH15",
        document_type="law",
        issuing_body="Quốc hội",
        date_issued=None,
        date_in_force=TODAY + DAY,
    )
    return regulation_index


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["06/2022/QH15", "890/KH-BTTTT", "105/CT-BTTTT", "39-CT/TW"]),
        ({"type": "directive"}, ["105/CT-BTTTT", "39-CT/TW"]),
        ({"year": "2017"}, ["890/KH-BTTTT"]),
        ({"issuer": "Bộ Chính trị"}, ["39-CT/TW"]),
        ({"status": "expired"}, ["890/KH-BTTTT"]),
        ({"status": "pending"}, ["06/2022/QH15"]),
        ({"status": "in_force", "type": "directive", "year": "2016"}, ["105/CT-BTTTT"]),
        ({"year": "1999", "type": "nonsense"}, ["06/2022/QH15", "890/KH-BTTTT", "105/CT-BTTTT", "39-CT/TW"]),
    ],
)
def test_regulation_listing_filters(client, listing, query, expected):
    response = client.get(listing.url, query)
    assert response.status_code == 200
    assert [page.document_number for page in response.context["regulations"]] == expected


@pytest.mark.django_db
def test_regulation_listing_paginates_and_keeps_the_filters(client, regulation_index):
    for n in range(25):
        RegulationPageFactory(parent=regulation_index, document_number=f"{n + 1}/2015/TT-BTTTT")
    first = client.get(regulation_index.url, {"type": "circular"})
    assert len(first.context["regulations"]) == 20
    assert "?type=circular&amp;page=2" in first.content.decode()
    second = client.get(regulation_index.url, {"type": "circular", "page": "2"})
    assert len(second.context["regulations"]) == 5
    assert client.get(regulation_index.url, {"page": "999"}).status_code == 200


def _queries(client, url) -> int:
    client.get(url)  # warm the site-root and menu caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_listing_and_detail_query_counts_do_not_grow_with_the_number_of_regulations(client, regulation_index):
    def add(count, start):
        for n in range(start, start + count):
            page = RegulationPage(
                title=f"Thông tư số {n}/2015/TT-BTTTT",
                slug=f"thong-tu-{n}",
                document_number=f"{n}/2015/TT-BTTTT",
                document_type="circular",
                issuing_body=f"Cơ quan {n % 7}",
                date_issued=datetime.date(2015, 1, 1) + n * DAY,
                summary="Hướng dẫn công tác thi đua, khen thưởng.",
            )
            regulation_index.add_child(instance=page)

    add(10, 1)
    detail = RegulationPage.objects.get(document_number="5/2015/TT-BTTTT")
    detail.supersedes = RegulationPage.objects.get(document_number="4/2015/TT-BTTTT")
    detail.save()
    small = (_queries(client, regulation_index.url), _queries(client, detail.url))
    add(190, 11)
    large = (_queries(client, regulation_index.url), _queries(client, detail.url))
    assert RegulationPage.objects.count() == 200
    assert small == large, f"queries (listing, detail): {small} with 10 regulations, {large} with 200"
