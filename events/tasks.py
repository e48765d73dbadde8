from celery import shared_task

from events.models import Registration


@shared_task
def send_ticket_email(registration_id: int, promoted: bool = False) -> None:
    """Mail the ticket with its QR code; sending twice is harmless (the same ticket).

    ``promoted``: the person had been waiting, and the mail says a seat came free.
    """
    from events.emails import ticket_email_send

    registration = Registration.objects.select_related("event", "user", "org_unit").filter(pk=registration_id).first()
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        return
    ticket_email_send(registration=registration, promoted=promoted)


@shared_task
def send_waitlist_email(registration_id: int) -> None:
    """Tell a waiting person their place; sent only while they still wait, with the place at sending time."""
    from events.emails import waitlist_email_send
    from events.services import waitlist_places

    registration = Registration.objects.select_related("event", "user").filter(pk=registration_id).first()
    if registration is None or registration.status != Registration.Status.WAITLISTED:
        return
    place = waitlist_places(registration.event).get(registration.pk)
    if place is not None:
        waitlist_email_send(registration=registration, place=place)
