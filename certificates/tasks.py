"""Background work: thin wrappers that take ids and call a service.

Both tasks are safe to run twice (a retried or redelivered message): the
PDF is rendered once, the mail is sent once it is recorded as sent, and a
batch resumes where it stopped.
"""

from celery import shared_task

from certificates import services
from certificates.models import Certificate


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8, acks_late=True)
def certificate_deliver(*, certificate_id: int) -> None:
    """Render the certificate's PDF and mail it to the holder."""
    certificate = Certificate.objects.select_related("holder").filter(pk=certificate_id).first()
    if certificate is None:
        return
    certificate = services.certificate_render_pdf(certificate=certificate)
    services.certificate_email(certificate=certificate)


@shared_task(acks_late=True)
def certificate_batch_run(*, batch_id: int) -> None:
    services.certificate_batch_process(batch_id=batch_id)
