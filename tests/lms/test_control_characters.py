"""Control characters in any parameter are refused at one place, with a message naming the field."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a\x00b", "x\x1b[31m", "\x7f"])
def test_a_query_with_control_characters_is_refused_with_a_clear_page(client, value):
    response = client.get("/search/", {"q": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ô “q” chứa ký tự điều khiển" in html
    assert "Chưa có gì được lưu" in html


@pytest.mark.django_db
def test_a_form_post_with_nul_is_refused_and_a_fetch_gets_json(client, trainee):
    client.force_login(trainee)
    response = client.post("/profile/", {"full_name": "Nguyễn\x00 Văn An"}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400
    assert response.json()["error"] == "control_characters"
    trainee.refresh_from_db()
    assert "\x00" not in trainee.full_name


@pytest.mark.django_db
def test_tabs_and_line_breaks_are_ordinary_text(client):
    response = client.get("/search/", {"q": "thi đua\tkhen\r\nthưởng"})
    assert response.status_code == 200
