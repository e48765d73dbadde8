"""A real Celery worker on Redis, sharing the test database.

The rest of the suite runs Celery eagerly. These tests start
``celery -A lms worker`` as a subprocess on a Redis broker and point the
Celery app of the test process at the same broker, so a message really
crosses the broker, is consumed by another process and is retried there.

The worker reads the pytest-django test database through DATABASE_URL, which
works for PostgreSQL (CI) but not for SQLite's in-memory test database.
This module is also imported by the worker (``--include``), for the e-mail
backend below; keep its top level free of database access.
"""

import contextlib
import email
import email.header
import email.policy
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import shared_task
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from tests.conftest import require_service

pytestmark = pytest.mark.celery_worker

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The cache uses Redis database 1 (REDIS_URL in CI); the broker gets its own.
BROKER_DB = 14
WORKER_START_TIMEOUT = 60
DELIVERY_TIMEOUT = 30
FLAKY_MARK = "[flaky-once]"


class FlakyFileBackend(FileEmailBackend):
    """The file backend, except that the first attempt at a message whose
    subject holds FLAKY_MARK fails as an unreachable SMTP server does.

    Attempts are counted in ``attempts.txt`` beside the messages, so the test
    sees how often the worker tried.
    """

    def send_messages(self, email_messages):
        for message in email_messages:
            if FLAKY_MARK in str(message.subject):
                attempts = Path(self.file_path) / "attempts.txt"
                with attempts.open("a", encoding="utf-8") as log:
                    log.write(f"{message.subject}\n")
                if attempts.read_text(encoding="utf-8").splitlines().count(str(message.subject)) == 1:
                    raise ConnectionRefusedError("first attempt fails on purpose")
        return super().send_messages(email_messages)


@shared_task
def write_full_name(*, user_id: int, path: str) -> None:
    """Test-only task: proves the worker reads the test database."""
    from accounts.models import User

    Path(path).write_text(User.objects.get(pk=user_id).full_name, encoding="utf-8")


def _redis_base_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def _messages(directory: Path) -> list[email.message.EmailMessage]:
    """The messages the file backend wrote, one or more per ``.log`` file."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def _text(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _wait_for(predicate, *, timeout: float, worker=None, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if worker is not None and worker.process.poll() is not None:
            break
        time.sleep(0.2)
    log = worker.log_tail() if worker is not None else ""
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n--- worker log ---\n{log}")


class Worker:
    def __init__(self, *, process, broker_url, queue, nodename, mail_dir, log_path):
        self.process = process
        self.broker_url = broker_url
        self.queue = queue
        self.nodename = nodename
        self.mail_dir = mail_dir
        self.log_path = log_path

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def worker(django_db_setup, tmp_path_factory):
    """One ``celery worker`` process, always terminated.

    Session-scoped: pytest-django runs this module's tests in three groups
    (database, transactional, none), and one start costs a few seconds. It
    is stopped before the test database is dropped, which it depends on.
    """
    import redis
    from django.db import connection

    if connection.vendor != "postgresql":
        require_service(
            f"the Celery worker tests share the test database with a worker process, which needs PostgreSQL "
            f"(DATABASE_URL); this run uses {connection.vendor}"
        )
    broker_url = f"{_redis_base_url()}/{BROKER_DB}"
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service(f"Redis is not reachable at {broker_url}: {exc}")

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    running = start_worker(broker_url=broker_url, mail_dir=mail_dir, log_path=log_path)
    try:
        yield running
    finally:
        running.stop()
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(broker_url, socket_connect_timeout=2).delete(running.queue)


def start_worker(
    *, broker_url: str, mail_dir: Path, log_path: Path, env: dict | None = None, queue: str = ""
) -> Worker:
    """Start ``celery -A lms worker`` on the test database and ``broker_url``; wait until it answers."""
    from celery import Celery
    from django.db import connection

    # A queue and node name of its own, so that messages left on the broker by
    # an interrupted run (or another run on the same machine) never reach it.
    queue = queue or f"lms-test-{uuid.uuid4().hex[:12]}"
    nodename = f"{queue}-{uuid.uuid4().hex[:6]}@pytest"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "LMS_TESTING": "1",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": f"{__name__}.FlakyFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "lms", "worker",
        "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel=INFO", "-Q", queue, "-n", nodename, "--include", __name__,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    running = Worker(
        process=process, broker_url=broker_url, queue=queue, nodename=nodename, mail_dir=mail_dir, log_path=log_path
    )
    probe = Celery("lms-test-probe", broker=broker_url, set_as_current=False)
    try:
        _wait_for(
            lambda: probe.control.ping(destination=[nodename], timeout=0.5),
            timeout=WORKER_START_TIMEOUT,
            worker=running,
            what=f"the worker {nodename} to answer a ping",
        )
    except BaseException:
        running.stop()
        raise
    finally:
        probe.close()
    return running


@pytest.fixture
def on_broker(worker, settings):
    """Point this process's Celery app at the worker's broker and queue."""
    with celery_on(settings, broker_url=worker.broker_url, queue=worker.queue) as app:
        yield app


@contextlib.contextmanager
def celery_on(settings, *, broker_url: str, queue: str):
    """Point this process's Celery app at ``broker_url`` and ``queue``, then put it back."""
    from lms.celery import app

    # app.conf reads Django's settings through a layer of its own changes;
    # put that layer back exactly as it was, so later tests (and their
    # `settings` overrides) see eager Celery again.
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    previous = {key: app.conf.changes[key] for key in keys if key in app.conf.changes}
    # The producer pool and the AMQP helper (queues, routes) are cached from
    # the configuration they first saw; start both afresh and put them back.
    # (Kombu keeps the broker's connection pool in its own registry for the
    # next test on the same broker, so it is not closed here.)
    saved_amqp, saved_pool = app.__dict__.pop("amqp", None), app._pool
    app._pool = None
    # The health check reads Django's settings, the app its own configuration.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker_url
    app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    try:
        yield app
    finally:
        for key in keys:
            app.conf.pop(key, None)
        app.conf.update(previous)
        app.__dict__.pop("amqp", None)
        if saved_amqp is not None:
            app.__dict__["amqp"] = saved_amqp
        app._pool = saved_pool


def test_signup_verification_email_is_sent_by_the_worker(transactional_db, client, worker, on_broker):
    from accounts.models import User

    address = f"nguoi.dung.{uuid.uuid4().hex[:8]}@example.vn"
    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "Trần Thị Thu",
            "email": address,
            "password1": "Khen-thuong-2025!",
            "password2": "Khen-thuong-2025!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email=address).exists()

    def verification_mail():
        return [message for message in _messages(worker.mail_dir) if address in str(message["To"])]

    sent = _wait_for(verification_mail, timeout=DELIVERY_TIMEOUT, worker=worker, what=f"the mail to {address}")
    assert len(sent) == 1
    assert str(sent[0]["Subject"]).strip().startswith("[TĐKT] ")
    assert "/accounts/confirm-email/" in _text(sent[0])


def test_a_send_that_fails_once_is_retried_and_delivered_once(worker, on_broker):
    from accounts.tasks import send_email

    subject = f"{FLAKY_MARK} {uuid.uuid4().hex[:8]}"
    send_email.delay(subject=subject, body="Nội dung thử.", to=["hocvien@example.vn"])

    def delivered():
        return [message for message in _messages(worker.mail_dir) if message["Subject"] == subject]

    _wait_for(delivered, timeout=DELIVERY_TIMEOUT, worker=worker, what="the retried message")
    # Give a duplicate delivery (a retry of an attempt that had succeeded) the
    # chance to show up before counting.
    time.sleep(2)
    assert len(delivered()) == 1
    assert _text(delivered()[0]).strip() == "Nội dung thử."
    attempts = (worker.mail_dir / "attempts.txt").read_text(encoding="utf-8").splitlines()
    assert attempts.count(subject) == 2, worker.log_tail()


def test_worker_reads_the_test_database(transactional_db, worker, on_broker, tmp_path):
    from tests.factories import UserFactory

    user = UserFactory(full_name="Lê Thị Hồng Nhung")
    out = tmp_path / "full-name.txt"
    write_full_name.delay(user_id=user.pk, path=str(out))
    _wait_for(out.exists, timeout=DELIVERY_TIMEOUT, worker=worker, what="the task to write its file")
    assert out.read_text(encoding="utf-8") == "Lê Thị Hồng Nhung"


@pytest.mark.django_db
def test_ready_reports_a_real_broker(client, worker, on_broker):
    response = client.get("/healthz/ready")
    assert response.status_code == 200, response.content
    broker = response.json()["components"]["broker"]
    assert broker["ok"] is True
    assert broker["mode"] == "broker"


def test_eager_celery_is_back_after_the_worker_tests():
    # Runs after the other tests of this module (pytest-django puts tests
    # without database access last, in file order): the rest of the suite
    # relies on eager Celery.
    from lms.celery import app

    assert app.conf.task_always_eager is True
    assert app.amqp.default_queue.name == app.conf.task_default_queue
