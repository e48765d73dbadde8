from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from accounts.scopes import AnyUser, is_staff_member


def has_totp(user: AnyUser) -> bool:
    """Whether the person has an authenticator app; the signed-in copy carries the answer (accounts.identity)."""
    kept = getattr(user, "_lms_totp", None)  # getattr: request.user is a lazy object around the user
    if kept is not None:
        return kept
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def mfa_setup_required(user: AnyUser) -> bool:
    """True for staff who have not yet set up an authenticator app."""
    return is_staff_member(user) and not has_totp(user)
