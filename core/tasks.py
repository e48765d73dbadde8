"""Celery's side of the outbox: thin wrappers over core.outbox."""

from celery import shared_task

from core import outbox


@shared_task(name="core.tasks.outbox_run", acks_late=True)
def outbox_run(*, item_id: int) -> str:
    return outbox.outbox_run(item_id=item_id)


@shared_task(name="core.tasks.outbox_sweep")
def outbox_sweep() -> int:
    return outbox.outbox_sweep()
