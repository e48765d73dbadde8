from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.models import Login
from allauth.core import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMessage
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from accounts.scopes import is_staff_member
from core.outbox import outbox_enqueue


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def render_mail(self, template_prefix: str, email: str, context: dict, headers=None) -> "QueuedEmail":
        # Rendered here, sent by a worker: a slow SMTP server must not hold up
        # sign-in for a room of trainees, and a failed send is retried.
        return QueuedEmail(super().render_mail(template_prefix, email, context, headers=headers))

    # A room of trainees shares one address, so failures from an address
    # never refuse a right password (that would lock the room out behind one
    # bad client). They are counted after the check instead, and while an
    # address is over its limit a right password from it signs in only with
    # a code sent to the account's mailbox: a client trying other people's
    # passwords gets no one in from there, the room's trainees still do.

    def authentication_failed(self, request, **credentials) -> None:
        ratelimit.consume(request, action=ADDRESS_FAILURES)
        super().authentication_failed(request, **credentials)

    def is_login_by_code_required(self, login: Login) -> bool:
        if super().is_login_by_code_required(login):
            return True
        records = get_authentication_records(self.request, login.user)
        if not records or records[-1]["method"] != "password" or not address_over_failure_limit(self.request):
            return False
        messages.info(
            self.request,
            _(
                "Many failed sign-ins came from your network just now, so we have sent a code to your email "
                "to confirm that it is you."
            ),
        )
        return True


ADDRESS_FAILURES = "login_failed_address"


def address_over_failure_limit(request) -> bool:
    """True while the request's address has used up its failed sign-ins."""
    return not ratelimit.consume(request, action=ADDRESS_FAILURES, dry_run=True)


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
        outbox_enqueue("accounts.tasks.send_email", **payload)
        return 1


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff must keep a second factor: they may replace their TOTP app
        # (add the new one first) but never end up with none.
        if authenticator.type == Authenticator.Type.TOTP and is_staff_member(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
