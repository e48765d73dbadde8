"""A unit coordinator follows their units' people through the event's own pages, filtered, never refused.

The overview, the attendance report, its workbook and the certificates page
answer the event's organisers with everyone, a coordinator with their unit
subtree's delegates only, another unit's coordinator with none of theirs,
and a trainee with 403. Issuing certificates stays with the organisers.
"""

import io

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from events.models import Attendance, EventPage, UnitQuota
from events.services import attendance_check_in
from tests.factories import OrgUnitFactory, RegistrationFactory, UserFactory


@pytest.fixture
def units(danang):
    return {
        "danang": danang,
        # Under Đà Nẵng: its coordinator follows this unit's people too.
        "haichau": OrgUnitFactory(parent=danang, code="HAICHAU", name="Phòng Văn hóa quận Hải Châu"),
        "hue": OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Huế"),
    }


@pytest.fixture
def people(event, session, units):
    EventPage.objects.filter(pk=event.pk).update(
        capacity=10, certificate_rule=EventPage.CertificateRule.ATTENDANCE, min_attendance_percent=50
    )
    event.refresh_from_db()
    names = {"danang": "Trần Thị Ánh", "haichau": "Lê Văn Bảo", "hue": "Phạm Quốc Chí"}
    registrations = {}
    for key, name in names.items():
        user = UserFactory(full_name=name, org_unit=units[key])
        registrations[key] = RegistrationFactory(event=event, user=user, full_name=name, org_unit=units[key])
    attendance_check_in(session=session, recorded_by=None, registration=registrations["danang"], status="present")
    attendance_check_in(session=session, recorded_by=None, registration=registrations["hue"], status="present")
    return registrations


@pytest.fixture
def viewers(organiser, make_staff, enable_totp, units):
    def coordinator(unit):
        user = make_staff(Role.COORDINATOR, unit=unit, org_unit=unit)
        enable_totp(user)
        return user

    return {
        "organiser": organiser,
        "danang": coordinator(units["danang"]),
        "hue": coordinator(units["hue"]),
        "trainee": UserFactory(),
    }


PAGES = ("/", "/report/", "/certificates/")
# Who appears where: the report speaks of units, the overview counts, the certificates page names people.
SEEN = {
    "organiser": {"danang", "haichau", "hue"},
    "danang": {"danang", "haichau"},
    "hue": {"hue"},
}


def _get(client, user, event, path):
    client.force_login(user)
    return client.get(f"/events/manage/{event.pk}{path}")


@pytest.mark.parametrize("path", PAGES)
def test_a_trainee_is_refused_every_page(client, event, people, viewers, path):
    assert _get(client, viewers["trainee"], event, path).status_code == 403
    assert _get(client, viewers["trainee"], event, "/report.xlsx").status_code == 403


@pytest.mark.parametrize("viewer", ["organiser", "danang", "hue"])
def test_the_report_shows_the_viewers_units_only(client, event, people, viewers, units, viewer):
    response = _get(client, viewers[viewer], event, "/report/")
    assert response.status_code == 200
    html = response.content.decode()
    for key, unit in units.items():
        assert (unit.name in html) == (key in SEEN[viewer]), (viewer, key)
    session_row = response.context["session_rows"][0]
    # Registered and present count the viewer's people only.
    assert session_row.registered == len(SEEN[viewer])
    assert session_row.present == len(SEEN[viewer] & {"danang", "hue"})
    total, _cells = response.context["total"]
    assert total.registered == len(SEEN[viewer])
    # The sign-in sheets (the whole room's paper) are the organisers'.
    assert ("sign-in.pdf" in html) == (viewer == "organiser")


@pytest.mark.parametrize("viewer", ["organiser", "danang", "hue"])
def test_the_certificates_page_lists_the_viewers_people_only(client, event, people, viewers, viewer):
    response = _get(client, viewers[viewer], event, "/certificates/")
    assert response.status_code == 200
    html = response.content.decode()
    for key, registration in people.items():
        assert (registration.full_name in html) == (key in SEEN[viewer]), (viewer, key)
    # Only the organisers get the issue buttons.
    assert ('name="action" value="issue"' in html) == (viewer == "organiser")
    assert ('value="bulk"' in html) == (viewer == "organiser")


def test_a_coordinator_cannot_issue_certificates(client, event, people, viewers):
    client.force_login(viewers["danang"])
    url = f"/events/manage/{event.pk}/certificates/"
    assert client.post(url, {"action": "bulk"}).status_code == 403
    data = {"action": "issue", "registration": str(people["danang"].uuid)}
    assert client.post(url, data).status_code == 403
    assert not people["danang"].user.certificates.exists()


@pytest.mark.parametrize("viewer", ["organiser", "danang", "hue"])
def test_the_overview_counts_the_viewers_people_and_links_only_what_they_may_open(
    client, event, people, viewers, viewer
):
    response = _get(client, viewers[viewer], event, "/")
    assert response.status_code == 200
    assert response.context["counts"].get("confirmed") == len(SEEN[viewer])
    html = response.content.decode()
    manager = viewer == "organiser"
    assert ("/settings/" in html) == manager
    assert ("/check-in/" in html) == manager
    # Every link on the page opens for the viewer: none leads to a 403.
    import re

    for href in set(re.findall(rf'href="(/events/manage/{event.pk}/[^"#]*)', html)):
        assert client.get(href).status_code == 200, (viewer, href)


@pytest.mark.parametrize("viewer", ["organiser", "danang", "hue"])
def test_the_workbook_holds_the_viewers_people_only(client, event, people, viewers, viewer):
    response = _get(client, viewers[viewer], event, "/report.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = {people[key].full_name for key in SEEN[viewer]}
    assert {row[1] for row in rows} == expected
    by_name = {row[1]: row for row in rows}
    present = str(Attendance.Status.PRESENT.label)
    for key in SEEN[viewer] & {"danang", "hue"}:
        assert by_name[people[key].full_name][7] == present


def test_the_manage_list_leads_a_coordinator_to_their_overview(client, event, people, viewers):
    client.force_login(viewers["danang"])
    html = client.get("/events/manage/").content.decode()
    assert f'href="/events/manage/{event.pk}/"' in html
    assert client.get(f"/events/manage/{event.pk}/").status_code == 200


def test_a_coordinator_sees_their_quota_before_importing(client, event, people, viewers, units):
    EventPage.objects.filter(pk=event.pk).update(registration_mode=EventPage.Mode.QUOTA)
    UnitQuota.objects.create(event=event, unit=units["danang"], seats=5)
    UnitQuota.objects.create(event=event, unit=units["hue"], seats=4)
    for path in ("/import/", "/"):
        html = _get(client, viewers["danang"], event, path).content.decode()
        # Đà Nẵng holds two seats (its own and Hải Châu's) of five: three left. Huế's quota is not theirs.
        assert "2 of 5 used, 3 left" in html, path
        assert units["hue"].name not in html, path


def test_a_long_list_of_units_is_added_up_one_level_down_and_opens_level_by_level(
    client, event, people, viewers, units
):
    from events.selectors import event_report

    # Limit 1: Đà Nẵng and Hải Châu add up under Đà Nẵng; Huế stands alone.
    _sessions, rows = event_report(event, limit=1)
    by_name = {row.unit: row for row in rows}
    assert set(by_name) == {units["danang"].name, units["hue"].name}
    assert by_name[units["danang"].name].registered == 2 and by_name[units["danang"].name].rolled_up
    assert not by_name[units["hue"].name].rolled_up
    # Opening Đà Nẵng: its own people and Hải Châu's, nobody from Huế.
    response = _get(client, viewers["organiser"], event, f"/report/?unit={units['danang'].pk}")
    html = response.content.decode()
    assert units["haichau"].name in html and units["hue"].name not in html
    assert response.context["total"][0].registered == 2
    assert f"report.xlsx?unit={units['danang'].pk}" in html
    # A coordinator opens the units under theirs, never another unit's.
    assert _get(client, viewers["danang"], event, f"/report/?unit={units['haichau'].pk}").status_code == 200
    assert _get(client, viewers["danang"], event, f"/report/?unit={units['hue'].pk}").status_code == 404
    assert _get(client, viewers["danang"], event, f"/report.xlsx?unit={units['hue'].pk}").status_code == 404
    assert _get(client, viewers["danang"], event, "/report/?unit=x").status_code == 404


def test_an_organiser_of_other_events_who_coordinates_a_unit_reaches_only_that_unit(
    client, event, people, make_staff, enable_totp, units
):
    from accounts.roles import Role
    from tests.factories import EventPageFactory

    both = make_staff(Role.COORDINATOR, unit=units["hue"], org_unit=units["hue"])
    from accounts.services import user_assign_role

    user_assign_role(user=both, role=Role.ORGANISER)
    enable_totp(both)
    both.organised_events.add(EventPageFactory())  # organises another event, not this one
    client.force_login(both)
    desk = f"/events/manage/{event.pk}/registrations/"
    assert client.get(f"{desk}{people['hue'].uuid}/").status_code == 200
    assert client.get(f"{desk}{people['danang'].uuid}/").status_code == 404
    html = client.get(f"/events/manage/{event.pk}/report/").content.decode()
    assert units["hue"].name in html and units["danang"].name not in html
