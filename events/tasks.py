from celery import shared_task

from events.models import Registration


@shared_task
def send_ticket_email(registration_id: int) -> None:
    """Mail the ticket with its QR code; sending twice is harmless (the same ticket)."""
    from events.emails import ticket_email_send

    registration = Registration.objects.select_related("event", "user", "org_unit").filter(pk=registration_id).first()
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        return
    ticket_email_send(registration=registration)
