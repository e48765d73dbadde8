from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.mfa import mfa_setup_required


def redirect_to_mfa_setup(request):
    messages.warning(
        request,
        _(
            "Staff accounts must turn on two-factor authentication before opening staff pages. "
            "Install an authenticator app (Google Authenticator, Microsoft Authenticator…) and scan the code below."
        ),
    )
    return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")


class StaffMFARequiredMiddleware:
    """Staff reach the Wagtail admin only after setting up MFA.

    Our own staff views use ``accounts.decorators.staff_required``, which
    applies the same rule; this covers the admin, whose views we do not own.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.STAFF_PATH_PREFIXES)

    def __call__(self, request):
        if request.path.startswith(self.prefixes) and mfa_setup_required(request.user):
            return redirect_to_mfa_setup(request)
        return self.get_response(request)
