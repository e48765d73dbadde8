"""Bulk issue through a real Celery worker on Redis, sharing the PostgreSQL test database.

The worker is a subprocess with its own MEDIA_ROOT and a file e-mail backend
in temporary folders that this test reads, so what is checked here is what
the worker wrote: the batch's progress, the PDFs, the ZIP and the mails.
"""

import email
import email.policy
import io
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import require_service

pytestmark = pytest.mark.celery_worker

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BROKER_DB = 13  # the accounts worker test uses 14; each gets its own


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "127.0.0.1", safe="")
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def _wait_for(predicate, *, timeout: float, process, log: Path, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if process.poll() is not None:
            break
        time.sleep(0.3)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:]) if log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n--- worker log ---\n{tail}")


@pytest.fixture
def worker(transactional_db, django_db_serialized_rollback, tmp_path, settings):
    import redis
    from celery import Celery
    from django.db import connection

    from lms.celery import app

    if connection.vendor != "postgresql":
        require_service(
            f"the worker shares the test database, which needs PostgreSQL; this run uses {connection.vendor}"
        )
    base = (os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1").rsplit("/", 1)[0]
    broker_url = f"{base}/{BROKER_DB}"
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service(f"Redis is not reachable at {broker_url}: {exc}")
    # The test sends to a queue of its own; tasks that the worker itself
    # queues (the mail after each certificate) go to Celery's default queue
    # on this broker database, which the worker also consumes, emptied first
    # of anything an interrupted run left there.
    queue = f"lms-cert-test-{uuid.uuid4().hex[:12]}"
    redis.Redis.from_url(broker_url).delete("celery")
    media, mail, log = tmp_path / "media", tmp_path / "mail", tmp_path / "worker.log"
    mail.mkdir()
    settings.MEDIA_ROOT = str(media)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "LMS_TESTING": "1",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(media),
        "SITE_URL": settings.WAGTAILADMIN_BASE_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo", "--without-gossip",
        "--without-mingle", "--without-heartbeat", "--loglevel=INFO", "-Q", f"{queue},celery", "-n", f"{queue}@pytest",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    probe = Celery("lms-cert-probe", broker=broker_url, set_as_current=False)
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    saved_amqp, saved_pool = app.__dict__.pop("amqp", None), app._pool
    try:
        _wait_for(
            lambda: probe.control.ping(destination=[f"{queue}@pytest"], timeout=0.5),
            timeout=60,
            process=process,
            log=log,
            what="the worker to start",
        )
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app._pool = None
        app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
        yield {"process": process, "log": log, "mail": mail, "media": media}
    finally:
        app.conf.update(saved)
        app.__dict__.pop("amqp", None)
        if saved_amqp is not None:
            app.__dict__["amqp"] = saved_amqp
        app._pool = saved_pool
        probe.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_bulk_issue_through_a_real_worker(worker, make_staff, django_capture_on_commit_callbacks):
    from accounts.roles import Role
    from certificates.models import CertificateBatch
    from certificates.services import BatchItem, certificate_batch_start
    from tests.certificates.conftest import achievement_for
    from tests.factories import StandardPageFactory, UserFactory

    organiser = make_staff(Role.ORGANISER)
    page = StandardPageFactory()
    people = [UserFactory(full_name=f"Đại biểu Nguyễn Thị {n}") for n in range(3)]
    items = [BatchItem(holder=person, achievement=achievement_for(page)) for person in people]
    with django_capture_on_commit_callbacks(execute=True):
        batch = certificate_batch_start(page=page, items=items, started_by=organiser)

    def finished():
        batch.refresh_from_db()
        return batch.status == CertificateBatch.Status.DONE

    _wait_for(finished, timeout=90, process=worker["process"], log=worker["log"], what="the batch to finish")
    assert (batch.processed, batch.issued_count, batch.skipped) == (3, 3, [])
    with batch.archive.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert len(archive.namelist()) == 3

    def mails():
        found = []
        for path in worker["mail"].glob("*.log"):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk, policy=email.policy.default))
        return found if len(found) >= 3 else None

    sent = _wait_for(mails, timeout=60, process=worker["process"], log=worker["log"], what="three mails")
    assert sorted(str(message["To"]) for message in sent) == sorted(person.email for person in people)
    for message in sent:
        attachments = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
        assert len(attachments) == 1 and attachments[0].get_content().startswith(b"%PDF")
