"""Celery tasks: thin, idempotent wrappers around services.

``CMS_BEAT_SCHEDULE`` is the beat entry for settings' ``CELERY_BEAT_SCHEDULE``.
"""

from celery import shared_task
from django.core.management import call_command

from cms import services

# Wagtail publishes pages whose go-live time has come, and unpublishes those
# whose expiry has passed, only when its publish_scheduled command runs.
CMS_BEAT_SCHEDULE = {
    "cms-publish-scheduled": {"task": "cms.tasks.publish_scheduled", "schedule": 60.0},
}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=6)
def regulation_update_notify(revision_id: int) -> int:
    """Email subscribers about a published regulation revision (SMTP errors retry)."""
    return services.regulation_update_notify(revision_id=revision_id)


@shared_task
def publish_scheduled() -> None:
    """Go live and expire what is due (idempotent: a page due twice is published once)."""
    call_command("publish_scheduled")
