"""No work lost when the broker or a worker fails: a Redis of the test's own, stopped and started, and a worker killed.

These run in CI on PostgreSQL (the worker process reads the test database)
with Debian's redis-server; elsewhere they skip, and in CI a missing
service fails them (``require_service``).
"""

import datetime
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.roles import Role
from certificates.models import Certificate, CertificateBatch
from core.models import OutboxItem
from core.outbox import outbox_sweep, resend_after
from events.models import Attendance, Registration
from tests.conftest import require_service
from tests.factories import EventPageFactory, EventSessionFactory, RegistrationFactory, UserFactory
from tests.lms.test_celery_worker import _messages, _wait_for, celery_on, start_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DELIVERY_TIMEOUT = 120
PASSWORD = "Khen-thuong-2025!"


class RedisServer:
    """A redis-server of the test's own on a free port, which the test stops and starts."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            require_service("redis-server (Debian's redis-server package) is needed to stop and start a broker")
        self.binary, self.directory = binary, directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as conn:
                if conn.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        pytest.fail(f"redis-server did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def broker(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        require_service(f"a worker shares the test database, which needs PostgreSQL; this run uses {connection.vendor}")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def conference(make_staff, enable_totp):
    starts_at = timezone.now() - datetime.timedelta(hours=3)
    event = EventPageFactory(
        capacity=200, starts_at=starts_at, registration_closes=starts_at + datetime.timedelta(days=1)
    )
    sessions = [
        EventSessionFactory(event=event, title="Chuyên đề 1"),
        EventSessionFactory(event=event, title="Chuyên đề 2", starts_at=starts_at + datetime.timedelta(hours=1)),
    ]
    organiser = make_staff(Role.ORGANISER)
    enable_totp(organiser)
    organiser.organised_events.add(event)
    return event, sessions, organiser


def _delegates(event, sessions, count: int) -> list[Registration]:
    # The account's name is the registration's: a differing one waits for the organiser's choice before issue.
    registrations = [
        RegistrationFactory(event=event, user=UserFactory(full_name=f"Đại biểu {n}"), full_name=f"Đại biểu {n}")
        for n in range(count)
    ]
    Attendance.objects.bulk_create(
        Attendance(registration=r, session=s, status="present", checked_in_at=s.starts_at)
        for r in registrations
        for s in sessions
    )
    return registrations


def _mails_to(mail_dir: Path, address: str) -> list:
    return [message for message in _messages(mail_dir) if address in str(message["To"])]


def _all_done(worker):
    return _wait_for(
        lambda: not OutboxItem.objects.filter(done_at__isnull=True).exists(),
        timeout=DELIVERY_TIMEOUT,
        worker=worker,
        what="every outbox item to be done",
    )


def test_with_the_broker_down_every_action_succeeds_and_the_sweep_delivers_each_once(
    broker, media, conference, client, settings, tmp_path
):
    event, sessions, organiser = conference
    delegates = _delegates(event, sessions, 3)
    trainee = UserFactory()
    queue = f"lms-outage-{uuid.uuid4().hex[:10]}"
    address = f"moi.{uuid.uuid4().hex[:8]}@example.vn"
    certificates_url = f"/events/manage/{event.pk}/certificates/"

    with celery_on(settings, broker_url=broker.url, queue=queue):
        broker.stop()
        signup = client.post(
            "/accounts/signup/",
            {
                "full_name": "Trần Thị Thu",
                "email": address,
                "password1": "Khen-thuong-2025!",
                "password2": "Khen-thuong-2025!",
            },
        )
        assert signup.status_code == 302, signup.content.decode()[:2000]
        client.logout()
        client.force_login(trainee)
        registered = client.post(
            f"/events/{event.pk}/register/", {"full_name": trainee.full_name, "phone": "0912345678"}
        )
        assert registered.status_code == 302
        client.force_login(organiser)
        one = client.post(certificates_url, {"action": "issue", "registration": str(delegates[0].uuid)})
        assert one.status_code == 302
        bulk = client.post(certificates_url, {"action": "bulk"})
        assert bulk.status_code == 302

        # Every action is saved; the work that follows waits in the database.
        pending = set(OutboxItem.objects.filter(done_at__isnull=True).values_list("task", flat=True))
        assert pending == {
            "accounts.tasks.send_email",
            "events.tasks.send_ticket_email",
            "certificates.tasks.certificate_deliver",
            "certificates.tasks.certificate_batch_run",
        }
        batch = CertificateBatch.objects.get()
        assert batch.status == CertificateBatch.Status.PENDING

        broker.start()
        worker = start_worker(
            broker_url=broker.url,
            mail_dir=tmp_path / "mail",
            log_path=tmp_path / "worker.log",
            env={"MEDIA_ROOT": media},
            queue=queue,
        )
        try:
            later = timezone.now() + resend_after() + datetime.timedelta(seconds=1)
            assert outbox_sweep(now=later) == 4
            _all_done(worker)
            time.sleep(2)  # a duplicate delivery would show up by now
            assert outbox_sweep(now=later + resend_after()) == 0
        finally:
            worker.stop()

    mail = worker.mail_dir
    assert len(_mails_to(mail, address)) == 1, "one verification mail"
    assert len(_mails_to(mail, trainee.email)) == 1, "one ticket mail"
    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE
    certificates = list(Certificate.objects.all())
    assert {c.holder_id for c in certificates} == {r.user_id for r in delegates}
    for certificate in certificates:
        assert len(_mails_to(mail, certificate.holder.email)) == 1, certificate.holder.email
        assert certificate.pdf and Path(media, certificate.pdf.name).exists()


def test_a_worker_killed_in_the_middle_of_a_bulk_issue_leaves_no_gap_and_no_duplicate(
    broker, media, conference, client, settings, tmp_path
):
    event, sessions, organiser = conference
    delegates = _delegates(event, sessions, 40)
    queue = f"lms-kill-{uuid.uuid4().hex[:10]}"
    # Short lease and stall times so that the test need not wait ten minutes.
    env = {"MEDIA_ROOT": media, "OUTBOX_LEASE_SECONDS": "3", "CERTIFICATE_BATCH_STALL_SECONDS": "2"}
    settings.CERTIFICATE_BATCH_STALL_SECONDS = 2

    with celery_on(settings, broker_url=broker.url, queue=queue):
        first = start_worker(
            broker_url=broker.url, mail_dir=tmp_path / "mail", log_path=tmp_path / "first.log", env=env, queue=queue
        )
        try:
            client.force_login(organiser)
            assert client.post(f"/events/manage/{event.pk}/certificates/", {"action": "bulk"}).status_code == 302
            batch = CertificateBatch.objects.get()
            _wait_for(
                lambda: CertificateBatch.objects.get(pk=batch.pk).processed >= 5,
                timeout=DELIVERY_TIMEOUT,
                worker=first,
                what="the batch to get going",
            )
        finally:
            first.stop(kill=True)
        batch.refresh_from_db()
        assert batch.status == CertificateBatch.Status.RUNNING and batch.processed < batch.total
        time.sleep(3.5)  # the dead worker's lease and the batch's heartbeat run out
        batch.refresh_from_db()
        assert batch.is_stalled

        second = start_worker(
            broker_url=broker.url, mail_dir=tmp_path / "mail", log_path=tmp_path / "second.log", env=env, queue=queue
        )
        try:
            outbox_sweep(now=timezone.now() + resend_after() + datetime.timedelta(seconds=1))
            _all_done(second)
        finally:
            second.stop()

    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE
    assert batch.issued_count + batch.existing_count == 40
    assert len(batch.certificate_ids) == len(set(batch.certificate_ids)) == 40
    holders = list(Certificate.objects.values_list("holder_id", flat=True))
    assert sorted(holders) == sorted(r.user_id for r in delegates)
    for registration in delegates:
        assert len(_mails_to(second.mail_dir, registration.user.email)) == 1, registration.user.email
