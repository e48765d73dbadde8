"""The transactional outbox: the one way work is handed to Celery.

``outbox_enqueue`` records the work in the caller's transaction and sends it
after commit. Sending never raises into the request: with the broker down the
row simply stays pending. ``outbox_run`` (the worker side) claims the row,
runs the task's body and marks it done; ``outbox_sweep`` (Celery beat, or
``manage.py outbox_sweep`` in the embedded default) sends again whatever is
still pending after a while. Every task is idempotent, so a second delivery
of work that did finish mails nothing twice and renders nothing twice.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from core.models import OutboxItem

logger = logging.getLogger(__name__)

RUNNER_TASK = "core.tasks.outbox_run"
# Failed runs wait longer each time, up to an hour.
BACKOFF_MAX = datetime.timedelta(hours=1)
SWEEP_BATCH = 500
# A broker that is down answers fast: the request must not wait for it.
_SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


class OutboxRetry(Exception):
    """Raised by a task that cannot run yet (its work is held elsewhere): try again later, quietly."""


def lease() -> datetime.timedelta:
    """How long a runner holds an item; a worker killed mid-task frees it then."""
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def resend_after() -> datetime.timedelta:
    """Sent but not done after this long: the message or its worker was lost."""
    return datetime.timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)


def _task(name: str):
    if name not in current_app.tasks:
        # A web process imports the apps' task modules only when first needed.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def outbox_enqueue(task: str, *, key: str = "", **kwargs: Any) -> OutboxItem:
    """Record ``task(**kwargs)`` as pending work and send it once the transaction commits.

    With a ``key``, work already pending under that key is not queued again.
    """
    with transaction.atomic():
        if key:
            pending = OutboxItem.objects.filter(key=key, done_at__isnull=True).first()
            if pending is not None:
                return pending
        try:
            with transaction.atomic():
                item = OutboxItem.objects.create(task=task, kwargs=kwargs, key=key)
        except IntegrityError:
            # A concurrent request recorded the same pending work first.
            return OutboxItem.objects.get(key=key, done_at__isnull=True)
    transaction.on_commit(lambda: outbox_dispatch(item_id=item.pk), robust=True)
    return item


def outbox_dispatch(*, item_id: int) -> bool:
    """Send one item to Celery; a failure is logged and left to the sweep, never raised."""
    OutboxItem.objects.filter(pk=item_id, done_at__isnull=True).update(dispatched_at=timezone.now())
    try:
        # apply_async, not send_task: in the embedded default it runs eagerly, here and now.
        _task(RUNNER_TASK).apply_async(kwargs={"item_id": item_id}, retry=True, retry_policy=_SEND_RETRY_POLICY)
    except Exception:
        logger.warning("outbox: could not send item %s; the sweep will send it again", item_id, exc_info=True)
        return False
    return True


def outbox_run(*, item_id: int) -> str:
    """Run one pending item's task body, once at a time, and mark it done.

    Returns what happened: "done", "failed", "waiting" (the task asked to be
    tried later), or "skipped" (already done, or another runner holds it).
    """
    now = timezone.now()
    claimed = OutboxItem.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now), pk=item_id, done_at__isnull=True
    ).update(locked_until=now + lease(), attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    item = OutboxItem.objects.get(pk=item_id)
    try:
        _task(item.task).run(**item.kwargs)
    except Exception as exc:
        delay = min(BACKOFF_MAX, datetime.timedelta(seconds=30 * 2 ** min(item.attempts, 12)))
        OutboxItem.objects.filter(pk=item_id).update(
            locked_until=None,
            dispatched_at=None,  # to be sent again by the sweep once the backoff is over
            available_at=timezone.now() + delay,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if isinstance(exc, OutboxRetry):
            logger.info("outbox: item %s (%s) waits: %s", item_id, item.task, exc)
            return "waiting"
        logger.exception("outbox: item %s (%s) failed; retried after %s", item_id, item.task, delay)
        return "failed"
    OutboxItem.objects.filter(pk=item_id).update(done_at=timezone.now(), locked_until=None, last_error="")
    return "done"


def outbox_sweep(*, now: datetime.datetime | None = None) -> int:
    """Send again every item still pending that was never sent or whose delivery was lost."""
    now = now or timezone.now()
    due = (
        OutboxItem.objects.filter(done_at__isnull=True, available_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - resend_after()))
        .order_by("available_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for item_id in list(due):
        sent += outbox_dispatch(item_id=item_id)
    return sent


def outbox_oldest_pending_age(*, now: datetime.datetime | None = None) -> float | None:
    """Seconds since the oldest pending item was recorded (None when nothing waits)."""
    oldest = OutboxItem.objects.filter(done_at__isnull=True).aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())
