from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.admin_door import DOOR_URL_NAMES
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
    """Only staff with MFA reach the Wagtail admin; others get one clear answer.

    Our own staff views use ``accounts.decorators.policy_required``, which
    applies the same rule; this covers the admin, whose views we do not own.
    A signed-in person without admin access is refused here with the 403
    page: Wagtail would send them to the sign-in page, which sends a signed-in
    person back to ``next``, the admin, in a loop.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.STAFF_PATH_PREFIXES)

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(self.prefixes) or request.resolver_match.url_name in DOOR_URL_NAMES:
            return None
        user = request.user
        if not user.is_authenticated:
            return None  # the admin sends them to the sign-in page, with ?next=
        if not user.has_perm("wagtailadmin.access_admin"):
            raise PermissionDenied
        if mfa_setup_required(user):
            return redirect_to_mfa_setup(request)
        return None
