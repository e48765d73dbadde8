from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from accounts.scopes import AnyUser, is_staff_member


def mfa_setup_required(user: AnyUser) -> bool:
    """True for staff who have not yet set up an authenticator app."""
    return is_staff_member(user) and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
