import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from certificates.models import Certificate, CertificateBatch
from certificates.services import BatchItem, certificate_batch_process, certificate_batch_start
from core.errors import ServiceError
from tests.certificates.conftest import achievement_for
from tests.factories import UserFactory


@pytest.fixture
def organiser(make_staff, enable_totp):
    user = make_staff(Role.ORGANISER)
    enable_totp(user)
    return user


def items_for(page, people, *, not_earned=()):
    return [
        BatchItem(
            holder=person,
            achievement=achievement_for(page, earned=person not in not_earned, reason="Chưa dự đủ số chuyên đề (2/4)."),
        )
        for person in people
    ]


@pytest.mark.django_db
def test_bulk_issue_runs_in_the_background_and_offers_a_zip(
    client, page, organiser, issue, mailoutbox, django_capture_on_commit_callbacks
):
    people = [UserFactory(full_name=f"Đại biểu {n}") for n in range(4)]
    already = issue(holder=people[0], page=page)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = certificate_batch_start(
            page=page, items=items_for(page, people, not_earned=[people[3]]), started_by=organiser
        )
    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE
    assert (batch.total, batch.processed, batch.issued_count, batch.existing_count) == (4, 4, 2, 1)
    assert batch.skipped == [
        {"holder_id": people[3].pk, "name": "Đại biểu 3", "reason": "Chưa dự đủ số chuyên đề (2/4)."}
    ]
    assert already.pk in batch.certificate_ids
    assert Certificate.objects.filter(page=page).count() == 3
    assert len(mailoutbox) == 2  # the new ones; the existing certificate was mailed before

    client.force_login(organiser)
    html = client.get(f"/certificates/batches/{batch.pk}/").content.decode()
    assert "hx-trigger" not in html  # done: no more polling
    assert f"/certificates/batches/{batch.pk}/download/" in html
    assert "Chưa dự đủ số chuyên đề (2/4)." in html
    response = client.get(f"/certificates/batches/{batch.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 3 and all(name.startswith("TDKT-") and name.endswith(".pdf") for name in names)
    assert all(archive.read(name).startswith(b"%PDF") for name in names)


@pytest.mark.django_db
def test_progress_page_polls_while_running(client, page, organiser):
    batch = CertificateBatch.objects.create(page=page, title=page.title, started_by=organiser, total=10, processed=3)
    client.force_login(organiser)
    html = client.get(f"/certificates/batches/{batch.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert '<progress max="10" value="3">' in html
    assert "htmx" in html and "nonce=" in html  # django-htmx's script, with the CSP nonce
    fragment = client.get(f"/certificates/batches/{batch.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="batch-progress"')
    assert client.get(f"/certificates/batches/{batch.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_batch_resumes_where_it_stopped(page, organiser, django_capture_on_commit_callbacks):
    people = [UserFactory() for _ in range(3)]
    batch = certificate_batch_start(page=page, items=items_for(page, people), started_by=organiser)
    # As if a worker had died after the first person.
    CertificateBatch.objects.filter(pk=batch.pk).update(processed=1, status=CertificateBatch.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        done = certificate_batch_process(batch_id=batch.pk)
    assert done.status == CertificateBatch.Status.DONE
    assert done.issued_count == 2
    assert not Certificate.objects.filter(holder=people[0]).exists()
    # Running a finished batch again changes nothing.
    assert certificate_batch_process(batch_id=batch.pk).issued_count == 2


@pytest.mark.django_db
def test_bulk_issue_queries_grow_by_a_constant_per_person(page, organiser):
    def queries_for(count: int) -> int:
        people = [UserFactory() for _ in range(count)]
        batch = certificate_batch_start(page=page, items=items_for(page, people), started_by=organiser)
        with CaptureQueriesContext(connection) as captured:
            certificate_batch_process(batch_id=batch.pk)
        return len(captured)

    queries_for(1)  # the first issue of the year also creates the serial counter
    one, two, four = queries_for(1), queries_for(2), queries_for(4)
    assert four - two == 2 * (two - one)
    # Per person: the certificate, its serial, its PDF and mail, the audit entry and
    # the holder's learning-state version (their cached course pages), 27 in all.
    assert two - one <= 27


@pytest.mark.django_db
def test_only_organisers_and_administrators_start_a_batch_or_see_it(client, page, make_staff, organiser):
    people = [UserFactory()]
    for role in (Role.TRAINEE, Role.EDITOR):
        with pytest.raises(ServiceError) as error:
            certificate_batch_start(page=page, items=items_for(page, people), started_by=make_staff(role))
        assert error.value.code == "forbidden"
    with pytest.raises(ServiceError) as error:
        certificate_batch_start(page=page, items=[], started_by=organiser)
    assert error.value.code == "empty_batch"
    batch = CertificateBatch.objects.create(page=page, title=page.title, started_by=organiser, total=1)
    client.force_login(UserFactory())
    assert client.get(f"/certificates/batches/{batch.pk}/").status_code == 403
    assert client.get(f"/certificates/batches/{batch.pk}/download/").status_code == 403


@pytest.mark.django_db
def test_a_batch_and_its_zip_are_for_the_organiser_who_started_it_and_administrators(
    client, page, make_staff, enable_totp, organiser
):
    batch = CertificateBatch.objects.create(page=page, title=page.title, started_by=organiser, total=1)
    progress = f"/certificates/batches/{batch.pk}/"
    other = make_staff(Role.ORGANISER)
    admin = make_staff(Role.ADMIN)
    for user in (other, admin):  # the organiser fixture has one already
        enable_totp(user)
    client.force_login(other)
    assert client.get(progress).status_code == 404
    assert client.get(progress + "download/").status_code == 404
    assert progress not in client.get("/certificates/manage/").content.decode()
    for user in (organiser, admin):
        client.force_login(user)
        assert client.get(progress).status_code == 200
        assert progress in client.get("/certificates/manage/").content.decode()


@pytest.mark.django_db
def test_a_batch_recorded_while_certificates_had_a_kind_still_runs(page, organiser):
    # Batches queued before the upgrade carry the removed "kind" in each item.
    holder = UserFactory()
    achievement = {**achievement_for(page).to_json(), "kind": "event"}
    batch = CertificateBatch.objects.create(
        page=page,
        title=page.title,
        started_by=organiser,
        items=[{"holder_id": holder.pk, "achievement": achievement}],
        total=1,
    )
    batch = certificate_batch_process(batch_id=batch.pk)
    assert (batch.status, batch.issued_count, batch.skipped) == (CertificateBatch.Status.DONE, 1, [])
    assert Certificate.objects.get(holder=holder).page_id == page.pk
