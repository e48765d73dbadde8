"""Certificates' staff pages are scoped like the batches; every change is in the audit trail."""

import pytest
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from certificates.policies import certificates_managed_by
from certificates.services import certificate_batch_start, certificate_reissue, certificate_revoke
from core.errors import ServiceError
from tests.factories import EventPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(db):
    return EventPageFactory(), EventPageFactory()


@pytest.fixture
def organisers(make_staff, enable_totp, events):
    mine, theirs = make_staff(Role.ORGANISER), make_staff(Role.ORGANISER)
    for user, event in zip((mine, theirs), events, strict=True):
        enable_totp(user)
        user.organised_events.add(event)
    return mine, theirs


def test_an_organiser_lists_and_opens_only_the_certificates_of_their_events(client, issue, events, organisers):
    mine, _theirs = organisers
    own = issue(page=events[0])
    other = issue(page=events[1])
    assert list(certificates_managed_by(mine)) == [own]
    client.force_login(mine)
    listing = client.get("/certificates/manage/").content.decode()
    assert own.serial in listing and other.serial not in listing
    assert client.get(f"/certificates/manage/{other.code}/").status_code == 404
    assert client.get(f"/certificates/manage/{own.code}/").status_code == 200


def test_an_organiser_with_no_event_lists_no_event_certificate(client, issue, events, make_staff, enable_totp):
    idle = make_staff(Role.ORGANISER)
    enable_totp(idle)
    certificate = issue(page=events[0])
    client.force_login(idle)
    assert certificate.serial not in client.get("/certificates/manage/").content.decode()


def test_administrators_list_every_certificate(issue, events, make_staff):
    certificates = {issue(page=events[0]), issue(page=events[1])}
    assert set(certificates_managed_by(make_staff(Role.ADMIN))) == certificates


def test_another_events_organiser_may_not_revoke_reissue_or_batch(issue, events, organisers):
    _mine, theirs = organisers
    certificate = issue(page=events[0])
    for attempt in (
        lambda: certificate_revoke(certificate=certificate, reason="Sai tên", revoked_by=theirs),
        lambda: certificate_reissue(certificate=certificate, reason="Sai tên", reissued_by=theirs),
        lambda: certificate_batch_start(page=events[0], items=[], started_by=theirs),
    ):
        with pytest.raises(ServiceError) as error:
            attempt()
        assert error.value.code == "forbidden"


def test_issue_revoke_and_reissue_are_in_the_audit_trail_with_their_actor(issue, events, organisers):
    mine, _theirs = organisers
    certificate = issue(page=events[0])
    certificate_revoke(certificate=certificate, reason="Cấp nhầm", revoked_by=mine)
    second = issue(page=events[0], holder=UserFactory())
    new = certificate_reissue(certificate=second, reason="Sửa tên", reissued_by=mine, holder_name="Trần Thị Hoa")

    def trail(obj):
        return list(
            ModelLogEntry.objects.filter(content_type__model="certificate", object_id=str(obj.pk))
            .order_by("timestamp", "pk")
            .values_list("action", "user_id", "data")
        )

    actions = [(action, user) for action, user, _data in trail(certificate)]
    assert actions == [("certificates.certificate.issued", None), ("certificates.certificate.revoked", mine.pk)]
    revoked = trail(certificate)[1][2]
    assert revoked["before"] == {"status": "valid"} and revoked["after"] == {"status": "revoked"}
    assert revoked["reason"] == "Cấp nhầm"
    assert [a for a, _u, _d in trail(second)][-1] == "certificates.certificate.superseded"
    assert [a for a, _u, _d in trail(new)] == ["certificates.certificate.reissued"]
