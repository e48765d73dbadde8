"""A bulk issue runs on one worker at a time, shows when its worker is gone, and resumes."""

import datetime

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch
from certificates.services import certificate_batch_process, certificate_batch_start
from core.outbox import OutboxRetry
from tests.certificates.test_batch import items_for, organiser  # noqa: F401 - the fixture
from tests.factories import UserFactory


@pytest.fixture
def batch(page, organiser):  # noqa: F811
    people = [UserFactory() for _ in range(3)]
    batch = certificate_batch_start(page=page, items=items_for(page, people), started_by=organiser)
    # As if a worker had issued the first person's certificate and was still at work.
    CertificateBatch.objects.filter(pk=batch.pk).update(
        processed=1, status=CertificateBatch.Status.RUNNING, heartbeat_at=timezone.now()
    )
    return batch


@pytest.mark.django_db
def test_a_second_runner_waits_while_the_first_reports(batch, settings):
    with pytest.raises(OutboxRetry):
        certificate_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.processed == 1 and not batch.is_stalled
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_batch_whose_worker_stopped_reporting_is_stalled_then_resumed(batch, settings, client, organiser):  # noqa: F811
    old = timezone.now() - datetime.timedelta(seconds=settings.CERTIFICATE_BATCH_STALL_SECONDS + 1)
    CertificateBatch.objects.filter(pk=batch.pk).update(heartbeat_at=old)
    batch.refresh_from_db()
    assert batch.is_stalled
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/certificates/batches/{batch.pk}/").content.decode()
    assert "it will resume by itself where it stopped" in page

    done = certificate_batch_process(batch_id=batch.pk)
    assert done.status == CertificateBatch.Status.DONE and not done.is_stalled
    assert done.processed == 3 and done.issued_count == 2
    assert Certificate.objects.count() == 2
