"""The search page's results, rendered once per content generation and shared by every searcher.

Checked both ways: a publish, an edit, an unpublish or a view restriction
shows at once; nothing that belongs to one searcher (a name, a language) is
shared, and a restricted page never reaches anyone through the cache.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms.models import RegulationPage
from tests.factories import RegulationPageFactory, UserFactory

URL = reverse("cms:search")
TITLE = "Nghị định quy định chi tiết thi đua, khen thưởng"


@pytest.fixture
def regulation(regulation_index):
    return RegulationPageFactory(parent=regulation_index, title=TITLE, document_number="98/2023/NĐ-CP")


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages asserted in English
    return client


def english(settings) -> Client:
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return english


def found(client, q="thi dua khen thuong", **params) -> str:
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_repeated_search_costs_one_query_and_gives_the_same_page(client, regulation, django_assert_num_queries):
    first = found(client)
    assert TITLE in first
    with django_assert_num_queries(1):  # the content generation
        again = found(client)
    assert TITLE in again and again.count('class="card"') == first.count('class="card"') == 1
    # Another type filter, page or query is another entry.
    assert "Nothing found" in found(client, "khong co gi nhu vay")
    assert TITLE in found(client, type="cms.regulationpage")


@pytest.mark.django_db
def test_publish_edit_unpublish_and_restriction_show_at_once(client, regulation_index, regulation, settings):
    assert TITLE in found(client)
    newer = RegulationPageFactory(parent=regulation_index, title="Thông tư thi đua, khen thưởng mới ban hành")
    html = found(client)
    assert "Thông tư thi đua, khen thưởng mới ban hành" in html and TITLE in html

    page = RegulationPage.objects.get(pk=regulation.pk)
    page.title = f"{TITLE} (sửa đổi)"
    page.save_revision().publish()
    assert "(sửa đổi)" in found(client)

    page.unpublish()
    html = found(client)
    assert TITLE not in html and "Thông tư thi đua, khen thưởng mới ban hành" in html

    PageViewRestriction.objects.create(page=newer, restriction_type=PageViewRestriction.LOGIN)
    assert "Nothing found" in found(client)
    # A signed-in reader allowed to open the page still does not find it: search shows public pages only.
    signed_in = english(settings)
    signed_in.force_login(UserFactory())
    assert "Nothing found" in found(signed_in)


@pytest.mark.django_db
def test_no_searcher_gets_anothers_page_parts_and_each_language_has_its_own_copy(regulation, settings):
    hoa = Client()
    hoa.force_login(UserFactory(full_name="Trần Thị Hoa"))
    mine = found(hoa)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', mine).group(1)
    assert TITLE in mine and 'action="/accounts/logout/"' in mine
    # The next searcher, anonymous, gets the same results from the cache and nothing of hers.
    anonymous = found(Client())
    assert TITLE in anonymous and 'action="/accounts/logout/"' not in anonymous and token not in anonymous
    assert TITLE in found(hoa)

    translated = english(settings)
    for _round in range(2):  # rendered, then from the cache
        assert "1 result" in found(translated)
        assert "1 result" not in found(Client())  # Vietnamese
