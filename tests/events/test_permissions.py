"""The permission matrix: every events URL × every role → allowed or denied, checked by URL."""

import pytest

from accounts.roles import Role
from events.services import attendance_check_in
from tests.factories import EventPageFactory, RegistrationFactory, UserFactory

ROLES = ("anonymous", "trainee", "owner", "coordinator", "other_organiser", "organiser", "admin")
STAFF_PAGE = {"anonymous": "login", "trainee": 403, "owner": 403, "coordinator": 403, "other_organiser": 403}
MANAGERS_ONLY = {**STAFF_PAGE, "organiser": 200, "admin": 200}
# Coordinators nominate and import their own units' people into any live event.
NOMINATORS = {**STAFF_PAGE, "coordinator": 200, "organiser": 200, "admin": 200}
# The event's overview, report, workbook and certificate standing: a coordinator sees their units' people.
FOLLOWERS = NOMINATORS
OWN_TICKET = {
    "anonymous": "login",
    "trainee": 404,
    "owner": 200,
    "coordinator": 404,
    "other_organiser": 404,
    "organiser": 200,
    "admin": 200,
}
OWNER_ONLY_POST = {**OWN_TICKET, "owner": 302, "organiser": 404, "admin": 404}
ANY_SIGNED_IN = dict.fromkeys(ROLES, 200) | {"anonymous": "login"}
# One registration's desk page: its event's organisers and its unit's coordinator; anyone else a 404.
DESK_PERSON = {**OWN_TICKET, "owner": 404, "coordinator": 200}


def _matrix():
    # (name, method, url template, expected per role, POST data)
    m = "/events/manage/{event}"
    s = m + "/sessions/{session}"
    return [
        ("mine", "get", "/events/mine/", ANY_SIGNED_IN, None),
        ("register", "get", "/events/{event}/register/", ANY_SIGNED_IN | {"owner": 302}, None),
        ("ticket", "get", "/events/tickets/{ticket}/", OWN_TICKET, None),
        ("cancel", "post", "/events/tickets/{ticket}/cancel/", OWNER_ONLY_POST, {"confirm": "cancel"}),
        ("ticket_certificate", "post", "/events/tickets/{ticket}/certificate/", OWNER_ONLY_POST, {}),
        ("manage_list", "get", "/events/manage/", NOMINATORS | {"other_organiser": 200}, None),
        ("manage_detail", "get", m + "/", FOLLOWERS, None),
        ("nominate", "get", m + "/nominate/", NOMINATORS, None),
        ("desk", "get", m + "/registrations/", NOMINATORS, None),
        ("desk_export", "get", m + "/registrations.xlsx", NOMINATORS, None),
        ("desk_people", "get", m + "/registrations/people/?q=ng", NOMINATORS, None),
        ("desk_units", "get", m + "/registrations/units/?q=da", NOMINATORS, None),
        ("desk_person", "get", m + "/registrations/{ticket}/", DESK_PERSON, None),
        ("desk_settings", "get", m + "/settings/", MANAGERS_ONLY, None),
        ("desk_session", "get", m + "/settings/sessions/{session}/", MANAGERS_ONLY, None),
        ("desk_session_delete", "get", m + "/settings/sessions/{session}/delete/", MANAGERS_ONLY, None),
        (
            "desk_session_delete",
            "post",
            m + "/settings/sessions/{session}/delete/",
            MANAGERS_ONLY | {"organiser": 302, "admin": 302},
            {"confirm": "delete"},
        ),
        ("import", "get", m + "/import/", NOMINATORS, None),
        (
            "import_confirm",
            "post",
            m + "/import/confirm/",
            NOMINATORS | {"coordinator": 302, "organiser": 302, "admin": 302},
            {},
        ),
        ("import_template", "get", m + "/import/template.xlsx", NOMINATORS, None),
        ("report", "get", m + "/report/", FOLLOWERS, None),
        ("report_xlsx", "get", m + "/report.xlsx", FOLLOWERS, None),
        ("sign_in_sheet", "get", m + "/sign-in.pdf", MANAGERS_ONLY, None),
        ("certificates", "get", m + "/certificates/", FOLLOWERS, None),
        # Issuing stays with the event's organisers.
        (
            "certificates",
            "post",
            m + "/certificates/",
            MANAGERS_ONLY | {"organiser": 302, "admin": 302},
            {"action": "bulk"},
        ),
        ("check_in", "get", s + "/check-in/", MANAGERS_ONLY, None),
        ("check_in_search", "get", s + "/check-in/search/?q=nguyen", MANAGERS_ONLY, None),
        ("check_in_scan", "post", s + "/check-in/scan/", MANAGERS_ONLY, {"registration": "{ticket}"}),
        (
            "check_in_mark",
            "post",
            s + "/check-in/mark/",
            MANAGERS_ONLY,
            {"registration": "{ticket}", "status": "excused"},
        ),
        ("check_in_undo", "post", s + "/check-in/undo/{change}/", MANAGERS_ONLY, {}),
        ("check_in_roster", "get", s + "/check-in/roster/", MANAGERS_ONLY, None),
        ("check_in_admit", "post", s + "/check-in/admit/", MANAGERS_ONLY, {"registration": "{ticket}"}),
        ("check_in_worker", "get", s + "/check-in/worker.js", MANAGERS_ONLY, None),
        ("check_in_counts", "get", s + "/counts/", MANAGERS_ONLY, None),
        ("projector", "get", s + "/projector/", MANAGERS_ONLY, None),
    ]


@pytest.fixture
def world(event, session, organiser, make_staff, enable_totp, danang):
    other_organiser = make_staff(Role.ORGANISER)
    enable_totp(other_organiser)
    other_organiser.organised_events.add(EventPageFactory())
    coordinator = make_staff(Role.COORDINATOR, unit=danang, org_unit=danang)
    enable_totp(coordinator)
    admin = make_staff(Role.ADMIN)
    enable_totp(admin)
    owner = UserFactory(org_unit=danang)
    registration = RegistrationFactory(event=event, user=owner, org_unit=danang)
    # Another delegate checked in a moment ago, for the undo URL.
    check_in = attendance_check_in(session=session, recorded_by=None, registration=RegistrationFactory(event=event))
    users = {
        "anonymous": None,
        "trainee": UserFactory(),
        "owner": owner,
        "coordinator": coordinator,
        "other_organiser": other_organiser,
        "organiser": organiser,
        "admin": admin,
    }
    ids = {"event": event.pk, "session": session.pk, "ticket": registration.uuid, "change": check_in.change}
    return users, ids


CASES = [(name, method, url, expected, data, role) for name, method, url, expected, data in _matrix() for role in ROLES]


@pytest.mark.parametrize(
    ("name", "method", "url", "expected", "data", "role"),
    CASES,
    ids=[f"{case[0]}-{case[5]}" for case in CASES],
)
def test_permission_matrix(client, world, name, method, url, expected, data, role):
    users, ids = world
    if users[role] is not None:
        client.force_login(users[role])
    url = url.format(**ids)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, {key: value.format(**ids) for key, value in data.items()})
    wanted = expected[role]
    if wanted == "login":
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == wanted, (name, role, response.status_code)
        if wanted == 302:
            assert not response.url.startswith("/accounts/login/")


def test_matrix_covers_every_events_url():
    from events.urls import urlpatterns

    # The two doors opened by a signed code, not by a role: tests/events/test_self_check_in*.py.
    by_code = {"self_check_in", "check_in_pass"}
    assert {pattern.name for pattern in urlpatterns} - by_code == {case[0] for case in _matrix()}


def test_an_organiser_lists_only_their_own_events(client, world, event):
    users, _ids = world
    client.force_login(users["other_organiser"])
    assert event.title not in client.get("/events/manage/").content.decode()
    client.force_login(users["organiser"])
    assert event.title in client.get("/events/manage/").content.decode()


def test_a_coordinator_sees_only_their_units_registrations(client, world, event):
    users, _ids = world
    stranger = RegistrationFactory(event=event, full_name="Người Đơn Vị Khác")
    client.force_login(users["coordinator"])
    html = client.get(f"/events/manage/{event.pk}/registrations/").content.decode()
    assert users["owner"].full_name in html
    assert stranger.full_name not in html


def test_a_coordinator_cannot_nominate_into_a_past_or_unpublished_event(client, world, event):
    from events.models import EventPage

    users, _ids = world
    client.force_login(users["coordinator"])
    EventPage.objects.filter(pk=event.pk).update(live=False)
    assert client.get(f"/events/manage/{event.pk}/nominate/").status_code == 403
    client.force_login(users["organiser"])
    assert client.get(f"/events/manage/{event.pk}/nominate/").status_code == 200


def test_a_coordinator_cannot_nominate_someone_outside_their_unit(client, world, event):
    users, _ids = world
    outsider = UserFactory()
    client.force_login(users["coordinator"])
    response = client.post(f"/events/manage/{event.pk}/nominate/", {"user": outsider.pk})
    assert response.status_code == 404  # not a person the coordinator may learn about
    assert not event.registrations.filter(user=outsider).exists()
