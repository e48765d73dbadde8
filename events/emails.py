from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cms.services import absolute_url
from events.models import Registration
from events.passes import pass_path
from events.qr import qr_png
from events.tokens import ticket_token


def ticket_email_send(*, registration: Registration, promoted: bool = False) -> None:
    with translation.override("vi"):
        context = {
            "registration": registration,
            "event": registration.event,
            "ticket_url": absolute_url(reverse("events:ticket", kwargs={"registration_uuid": registration.uuid})),
            "pass_url": absolute_url(pass_path(registration)),
            "promoted": promoted,
        }
        if promoted:
            subject = _("A seat is yours: %(event)s") % {"event": registration.event.title}
        else:
            subject = _("Your ticket: %(event)s") % {"event": registration.event.title}
        body = render_to_string("events/email/ticket.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[registration.user.email])
    message.attach("ve-qr.png", qr_png(ticket_token(registration.uuid)), "image/png")
    message.send()


def waitlist_email_send(*, registration: Registration, place: int) -> None:
    with translation.override("vi"):
        context = {
            "registration": registration,
            "event": registration.event,
            "place": place,
            "ticket_url": absolute_url(reverse("events:ticket", kwargs={"registration_uuid": registration.uuid})),
        }
        subject = _("Waiting list: %(event)s") % {"event": registration.event.title}
        body = render_to_string("events/email/waitlisted.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[registration.user.email]).send()
