import pytest

from accounts.roles import Role


def _links(client) -> set[str]:
    html = client.get("/profile/").content.decode()
    return {path for path in ("/courses/mine/", "/events/manage/", "/certificates/manage/", "/admin/") if path in html}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, {"/courses/mine/"}),
        (Role.EDITOR, {"/courses/mine/", "/admin/"}),
        (Role.ORGANISER, {"/courses/mine/", "/events/manage/", "/certificates/manage/", "/admin/"}),
    ],
)
def test_the_profile_links_each_person_to_their_own_work(client, make_staff, trainee, role, expected):
    user = make_staff(role) if role else trainee
    client.force_login(user)
    assert _links(client) == expected
