import pytest

from accounts.roles import Role
from certificates.models import Certificate, CertificateLogEntry
from certificates.services import certificate_reissue, certificate_revoke
from core.errors import ServiceError
from tests.factories import UserFactory


@pytest.fixture
def organiser(make_staff, enable_totp, unit):
    user = make_staff(Role.ORGANISER)
    enable_totp(user)
    return user


@pytest.mark.django_db
def test_only_organisers_and_administrators_revoke_or_reissue(issue, make_staff, unit):
    certificate = issue()
    for role in (Role.TRAINEE, Role.EDITOR, Role.MODERATOR):
        with pytest.raises(ServiceError) as error:
            certificate_revoke(certificate=certificate, reason="x", revoked_by=make_staff(role))
        assert error.value.code == "forbidden"
    with pytest.raises(ServiceError):
        certificate_reissue(certificate=certificate, reason="x", reissued_by=make_staff(Role.COORDINATOR, unit=unit))
    with pytest.raises(ServiceError) as error:
        certificate_revoke(certificate=certificate, reason="  ", revoked_by=make_staff(Role.ADMIN))
    assert error.value.code == "reason_required"
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/certificates/manage/", "/certificates/manage/{code}/"])
def test_staff_pages_are_for_organisers_and_administrators_with_mfa(client, issue, make_staff, enable_totp, path, unit):
    url = path.format(code=issue().code)
    assert client.get(url).status_code == 302  # to sign-in
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    coordinator = make_staff(Role.COORDINATOR, unit=unit)
    enable_totp(coordinator)
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    organiser = make_staff(Role.ORGANISER)
    client.force_login(organiser)
    response = client.get(url)
    assert response.status_code == 302 and "/2fa/totp/activate/" in response.url  # set up two-factor first
    enable_totp(organiser)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_revoke_through_the_staff_page_is_logged(client, issue, organiser):
    certificate = issue()
    client.force_login(organiser)
    response = client.post(
        f"/certificates/manage/{certificate.code}/", {"action": "revoke", "revoke-reason": "Hồ sơ không hợp lệ"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    event = certificate.log_entries.get(action=CertificateLogEntry.Action.REVOKED)
    assert (event.actor, event.reason) == (organiser, "Hồ sơ không hợp lệ")
    # Revoking twice is refused, not a second log entry.
    client.post(f"/certificates/manage/{certificate.code}/", {"action": "revoke", "revoke-reason": "Lần nữa"})
    assert certificate.log_entries.filter(action=CertificateLogEntry.Action.REVOKED).count() == 1


@pytest.mark.django_db
def test_reissue_after_a_name_correction_links_to_the_old_serial(
    client, issue, organiser, django_capture_on_commit_callbacks
):
    holder = UserFactory(full_name="Nguyen Thi Lan")
    old = issue(holder=holder)
    holder.full_name = "Nguyễn Thị Lan"
    holder.save()
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/certificates/manage/{old.code}/", {"action": "reissue", "reissue-reason": "Sửa họ tên có dấu"}
        )
    new = Certificate.objects.get(supersedes=old)
    assert response.url == f"/certificates/manage/{new.code}/"
    old.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED
    assert new.holder_name == "Nguyễn Thị Lan" and new.serial != old.serial
    assert new.status == Certificate.Status.VALID and new.pdf_sha256
    assert new.log_entries.get().reason == "Sửa họ tên có dấu"
    assert old.log_entries.filter(action=CertificateLogEntry.Action.SUPERSEDED, actor=organiser).exists()
    html = client.get(f"/certificates/manage/{new.code}/").content.decode()
    assert old.serial in html


@pytest.mark.django_db
def test_my_certificates_lists_only_mine_with_download_and_share_link(client, issue, django_assert_max_num_queries):
    me, someone = UserFactory(), UserFactory()
    mine = issue(holder=me)
    theirs = issue(holder=someone)
    assert client.get("/certificates/mine/").status_code == 302
    client.force_login(me)
    response = client.get("/certificates/mine/")
    html = response.content.decode()
    assert mine.serial in html and theirs.serial not in html
    assert f"/certificates/verify/{mine.code}/pdf/?download=1" in html
    assert f'value="https://daotao.example.vn/certificates/verify/{mine.code}/"' in html
    with django_assert_max_num_queries(20) as few:
        client.get("/certificates/mine/")
    few = len(few)  # now: the captured list is a view of the log, which the next request empties
    for _ in range(4):
        issue(holder=me)
    client.get("/certificates/mine/")  # the pages issue() creates emptied the menu's cache (cms.caching)
    with django_assert_max_num_queries(few):
        client.get("/certificates/mine/")
