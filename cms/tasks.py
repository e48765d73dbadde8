"""Celery tasks: thin, idempotent wrappers around services."""

from celery import shared_task

from cms import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=6)
def regulation_update_notify(revision_id: int) -> int:
    """Email subscribers about a published regulation revision (SMTP errors retry)."""
    return services.regulation_update_notify(revision_id=revision_id)
