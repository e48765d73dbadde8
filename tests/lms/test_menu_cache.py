"""The header's menu, rendered once per path, language, content generation and signed-in state.

It is shared by every reader of a path: it must never carry one reader's
CSRF token to another, its sign-out form must work for each, and a change
to the index pages it links to shows at once, signed in or not.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import HomePage
from tests.factories import CampaignIndexPageFactory, UserFactory

MASKED = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
PROFILE = reverse("accounts:profile")


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def menu(html: str) -> str:
    start = html.index('<details class="site-menu"')
    return html[start : html.index("</nav>", start)]


@pytest.mark.django_db
def test_each_reader_gets_the_shared_menu_with_their_own_token():
    hoa, minh = UserFactory(full_name="Trần Thị Hoa"), UserFactory(full_name="Lê Văn Minh")
    hoa_client, minh_client = signed_in(hoa), signed_in(minh, enforce_csrf_checks=True)
    hoa_html = hoa_client.get(PROFILE).content.decode()  # stores the signed-in menu of this path
    minh_html = minh_client.get(PROFILE).content.decode()
    assert "Lê Văn Minh" not in menu(hoa_html) and "Trần Thị Hoa" not in menu(minh_html)
    hoa_token, minh_token = MASKED.search(menu(hoa_html)).group(1), MASKED.search(menu(minh_html)).group(1)
    assert hoa_token != minh_token
    # Minh signs out with the token of his copy of the shared menu.
    response = minh_client.post(reverse("account_logout"), {"csrfmiddlewaretoken": minh_token})
    assert response.status_code == 302
    assert "_auth_user_id" not in minh_client.session
    # Signed out, the menu offers to sign in, not Minh's account links.
    html = Client().get(PROFILE, follow=True).content.decode()
    assert "Sign out" not in html and "Đăng xuất" not in html


@pytest.mark.django_db
def test_the_current_link_follows_the_path_and_a_new_index_shows_at_once():
    user = UserFactory()
    client = signed_in(user)
    mine = reverse("courses:mine")
    assert f'<a href="{PROFILE}" aria-current="page">' in client.get(PROFILE).content.decode()
    html = client.get(mine).content.decode()
    assert f'<a href="{PROFILE}" aria-current="page">' not in html
    assert f'<a href="{mine}" aria-current="page">' in html
    campaigns = CampaignIndexPageFactory(parent=HomePage.objects.get())
    assert f'href="{campaigns.url}"' in client.get(mine).content.decode()
    campaigns.delete()
    assert f'href="{campaigns.url}"' not in client.get(mine).content.decode()
