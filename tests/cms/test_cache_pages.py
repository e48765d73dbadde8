"""cms.caching: whole pages for anonymous visitors, menus and home panels.

Each cache is checked both ways: a publish, unpublish, move or delete shows
at once, and nothing that belongs to one reader (a name, a language, a CSRF
token, a CSP nonce) reaches another.
"""

import re

import pytest
from django.test import Client

from cms import caching
from cms.models import RegulationPage
from tests.factories import RegulationPageFactory, StandardPageFactory, UserFactory

NONCE_ATTRIBUTE = re.compile(r'nonce="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _header_nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


@pytest.fixture
def regulation(regulation_index):
    return RegulationPageFactory(parent=regulation_index, title="Nghị định 98/2023/NĐ-CP")


@pytest.mark.django_db
def test_an_anonymous_page_is_served_from_the_cache_with_its_own_nonce_and_token(home, regulation):
    first = Client(enforce_csrf_checks=True).get("/")
    assert first.status_code == 200 and "X-Page-Cache" not in first
    second_client = Client(enforce_csrf_checks=True)
    second = second_client.get("/")
    assert second["X-Page-Cache"] == "hit"
    assert "Nghị định 98/2023/NĐ-CP" in second.content.decode()
    # The CSP nonce in the page is the one in this answer's header, never the first visitor's.
    for response in (first, second):
        nonces = set(NONCE_ATTRIBUTE.findall(response.content.decode()))
        assert nonces <= {_header_nonce(response)}
    assert _header_nonce(first) != _header_nonce(second)
    # The form's CSRF token matches the second visitor's own cookie: their language switch works.
    token = TOKEN.search(second.content.decode()).group(1)
    assert second_client.cookies["csrftoken"].value
    switched = second_client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302


@pytest.mark.django_db
def test_a_cached_page_costs_one_query(client, home, regulation, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(1):  # the content generation
        assert client.get("/")["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_publish_unpublish_move_and_delete_show_at_once(client, home, regulation_index, regulation):
    path = regulation.url
    assert "Nghị định 98/2023/NĐ-CP" in client.get(path).content.decode()
    assert client.get(path)["X-Page-Cache"] == "hit"
    assert "Nghị định 98/2023/NĐ-CP" in client.get("/").content.decode()

    page = RegulationPage.objects.get(pk=regulation.pk)
    page.title = "Nghị định 98/2023/NĐ-CP (sửa đổi)"
    page.save_revision().publish()
    assert "(sửa đổi)" in client.get(path).content.decode()
    assert "(sửa đổi)" in client.get("/").content.decode()  # the home page's latest updates

    page.unpublish()
    assert client.get(path).status_code == 404
    assert "(sửa đổi)" not in client.get("/").content.decode()

    page.save_revision().publish()
    other = StandardPageFactory(parent=home, title="Văn bản khác", slug="van-ban-khac")
    assert client.get(path).status_code == 200  # cached again, route included
    page.move(other, pos="last-child")
    moved = RegulationPage.objects.get(pk=page.pk)
    old = client.get(path)  # Wagtail's automatic redirect to the new place, not the cached page
    assert old.status_code == 301 and old["Location"].endswith(moved.url)
    assert client.get(moved.url).status_code == 200

    moved.delete()
    assert client.get(moved.url).status_code == 404


@pytest.mark.django_db
def test_a_signed_in_reader_is_never_served_nor_stores_a_shared_page(client, home, regulation):
    anonymous = Client()
    anonymous.get("/")
    hoa = UserFactory(full_name="Trần Thị Hoa")
    client.force_login(hoa)
    mine = client.get("/")
    assert "X-Page-Cache" not in mine and "Trần Thị Hoa" in mine.content.decode()
    # Neither the next anonymous visitor nor another trainee sees her name.
    assert "Trần Thị Hoa" not in anonymous.get("/").content.decode()
    other = Client()
    other.force_login(UserFactory(full_name="Lê Văn Minh"))
    html = other.get("/").content.decode()
    assert "Trần Thị Hoa" not in html and "Lê Văn Minh" in html


@pytest.mark.django_db
def test_each_language_has_its_own_copy(home, regulation, settings):
    vi, en = Client(), Client()
    en.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _round in range(2):  # rendered, then from the cache
        assert '<html lang="en">' in en.get("/").content.decode()
        assert '<html lang="vi">' in vi.get("/").content.decode()
    assert vi.get("/")["X-Page-Cache"] == en.get("/")["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, home, regulation):
    client.get("/")
    client.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in client.get("/")


@pytest.mark.django_db
def test_the_generation_moves_with_every_publish(home, regulation):
    before = caching.generation()
    page = RegulationPage.objects.get(pk=regulation.pk)
    page.save_revision()  # a draft changes nothing readers see
    assert caching.generation() == before
    page.save_revision().publish()
    assert caching.generation() > before


@pytest.mark.django_db
def test_health_check_and_other_views_never_touch_the_page_cache(client, home, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz/live").status_code == 200
