from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from events.models import Registration
from events.qr import qr_png
from events.tokens import ticket_token


def ticket_email_send(*, registration: Registration) -> None:
    with translation.override("vi"):
        context = {"registration": registration, "event": registration.event}
        subject = _("Your ticket: %(event)s") % {"event": registration.event.title}
        body = render_to_string("events/email/ticket.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[registration.user.email])
    message.attach("ve-qr.png", qr_png(ticket_token(registration.uuid)), "image/png")
    message.send()
