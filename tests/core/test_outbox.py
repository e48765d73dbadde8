"""The outbox keeps work that Celery could not take, and runs it exactly once later."""

import datetime

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox
from core.models import OutboxItem

RUNS: list[dict] = []


@shared_task(name="tests.core.record")
def record(**kwargs):
    if kwargs.get("fail"):
        raise RuntimeError("boom")
    RUNS.append(kwargs)


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.fixture
def broker_down(monkeypatch):
    runner = outbox._task(outbox.RUNNER_TASK)

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(runner, "apply_async", refuse)
    return lambda: monkeypatch.undo()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_work_runs_after_commit_and_is_marked_done():
    with transaction.atomic():
        item = outbox.outbox_enqueue("tests.core.record", n=1)
        assert RUNS == []  # nothing before commit
    assert RUNS == [{"n": 1}]
    item.refresh_from_db()
    assert item.done_at is not None and item.attempts == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rolled_back_work_is_neither_recorded_nor_sent():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox.outbox_enqueue("tests.core.record", n=1)
        1 / 0  # noqa: B018
    assert RUNS == []
    assert not OutboxItem.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_keeps_the_work_and_the_sweep_delivers_it_once(broker_down, caplog):
    with transaction.atomic():
        item = outbox.outbox_enqueue("tests.core.record", n=2)
    # The caller saw no error; the work waits in the database.
    assert RUNS == []
    assert "could not send item" in caplog.text
    item.refresh_from_db()
    assert item.done_at is None and item.dispatched_at is not None
    assert outbox.outbox_oldest_pending_age() is not None

    broker_down()  # the broker is back
    # Too early: the message may still be in flight.
    assert outbox.outbox_sweep() == 0
    later = timezone.now() + outbox.resend_after() + datetime.timedelta(seconds=1)
    assert outbox.outbox_sweep(now=later) == 1
    assert RUNS == [{"n": 2}]
    assert outbox.outbox_sweep(now=later) == 0  # done: never sent again
    assert RUNS == [{"n": 2}]
    assert outbox.outbox_oldest_pending_age() is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_task_is_retried_after_its_backoff():
    with transaction.atomic():
        item = outbox.outbox_enqueue("tests.core.record", fail=True)
    item.refresh_from_db()
    assert item.done_at is None and item.attempts == 1
    assert "RuntimeError: boom" in item.last_error
    assert item.available_at > timezone.now()
    assert outbox.outbox_sweep() == 0  # still backing off
    OutboxItem.objects.filter(pk=item.pk).update(kwargs={"n": 3})  # say the cause was fixed
    assert outbox.outbox_sweep(now=item.available_at + datetime.timedelta(seconds=1)) == 1
    item.refresh_from_db()
    assert item.done_at is not None and item.attempts == 2 and item.last_error == ""
    assert RUNS == [{"n": 3}]


@pytest.mark.django_db
def test_a_pending_key_is_queued_once():
    with transaction.atomic():
        first = outbox.outbox_enqueue("tests.core.record", key="mail:7", n=7)
        second = outbox.outbox_enqueue("tests.core.record", key="mail:7", n=7)
    assert first.pk == second.pk
    assert OutboxItem.objects.count() == 1


@pytest.mark.django_db
def test_an_item_held_by_a_runner_is_not_run_twice():
    item = OutboxItem.objects.create(task="tests.core.record", kwargs={"n": 4})
    OutboxItem.objects.filter(pk=item.pk).update(locked_until=timezone.now() + outbox.lease())
    assert outbox.outbox_run(item_id=item.pk) == "skipped"
    assert RUNS == []
    # A killed worker's lease runs out; then the item runs.
    OutboxItem.objects.filter(pk=item.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox.outbox_run(item_id=item.pk) == "done"
    assert outbox.outbox_run(item_id=item.pk) == "skipped"
    assert RUNS == [{"n": 4}]


@pytest.mark.django_db
def test_sweep_command_reports_what_waits(capsys):
    from django.core.management import call_command

    item = OutboxItem.objects.create(
        task="tests.core.record", kwargs={"n": 5}, created_at=timezone.now() - datetime.timedelta(minutes=9)
    )
    call_command("outbox_sweep")
    assert "Sent 1 pending item(s); oldest still pending: none." in capsys.readouterr().out
    item.refresh_from_db()
    assert item.done_at is not None


@shared_task(name="tests.core.busy")
def busy(**kwargs):
    raise outbox.OutboxRetry("held by another runner")


@pytest.mark.django_db
def test_a_task_that_asks_to_wait_is_retried_later_without_an_error(caplog):
    item = OutboxItem.objects.create(task="tests.core.busy", kwargs={})
    assert outbox.outbox_run(item_id=item.pk) == "waiting"
    item.refresh_from_db()
    assert item.done_at is None and item.locked_until is None and item.available_at > timezone.now()
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
