from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.html import strip_tags

from accounts.scopes import is_staff_member
from accounts.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def render_mail(self, template_prefix: str, email: str, context: dict, headers=None) -> "QueuedEmail":
        # Rendered here, sent by a worker: a slow SMTP server must not hold up
        # sign-in for a room of trainees, and a failed send is retried.
        return QueuedEmail(super().render_mail(template_prefix, email, context, headers=headers))


class QueuedEmail:
    """A rendered message whose ``send()`` queues it for a Celery worker."""

    def __init__(self, message: EmailMessage):
        self.message = message

    def send(self, fail_silently: bool = False) -> int:
        message = self.message
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, mimetype in alternatives if mimetype == "text/html"), None)
        body = message.body
        if message.content_subtype == "html":
            html, body = body, strip_tags(body)
        payload = {
            "subject": str(message.subject),
            "body": body,
            "to": list(message.to),
            "from_email": message.from_email,
            "html": html,
        }
        transaction.on_commit(lambda: send_email.delay(**payload))
        return 1


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff must keep a second factor: they may replace their TOTP app
        # (add the new one first) but never end up with none.
        if authenticator.type == Authenticator.Type.TOTP and is_staff_member(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
