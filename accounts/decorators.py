from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.mfa import mfa_setup_required
from accounts.middleware import redirect_to_mfa_setup
from accounts.roles import Role
from accounts.scopes import has_role


def staff_required(*roles: Role):
    """Allow signed-in users holding one of ``roles`` who have set up MFA."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            if mfa_setup_required(request.user):
                return redirect_to_mfa_setup(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
