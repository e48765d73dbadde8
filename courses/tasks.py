"""Celery tasks: thin, take ids, idempotent, queued with transaction.on_commit."""

import logging

from celery import shared_task

from core.errors import ServiceError
from courses import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def course_certificate_issue(enrolment_id: int) -> int | None:
    """Issue the certificate of a completed course (certificate_issue is idempotent)."""
    try:
        certificate = services.course_certificate_issue(enrolment_id=enrolment_id)
    except ServiceError as error:
        # E.g. no certificate template yet: the completion stands; an
        # organiser can issue later (re-running this task is safe).
        logger.warning("Enrolment %s: certificate not issued: %s", enrolment_id, error.message)
        return None
    return certificate.pk if certificate else None


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=6, acks_late=True)
def refresher_run(regulation_id: int) -> int:
    """Flag modules citing a superseded regulation and notify trainees (SMTP errors retry)."""
    return services.refresher_run(regulation_id=regulation_id).flags
