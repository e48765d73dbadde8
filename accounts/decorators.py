import inspect
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.mfa import mfa_setup_required
from accounts.middleware import redirect_to_mfa_setup


def policy_required(
    check: Callable[..., bool],
    *,
    load: Callable[..., object] | None = None,
    gate: Callable[..., bool] | None = None,
    refuse: type[Exception] = PermissionDenied,
):
    """One door for every view: resolve the object from the URL, ask the app's policy, then MFA.

    ``load`` takes the URL's keyword arguments it names and returns the
    object the policy is about (raising ``Http404`` for an unknown one); the
    view is then called with that object in place of those arguments (and
    the URL's other arguments as they were), so a view cannot forget the
    check or act on an object it did not check. Without ``load`` the policy
    is asked about the user alone.

    Signed-out people go to the sign-in page. A refusal is a 403, or
    ``refuse`` (``Http404`` where even the object's existence is not the
    asker's to learn); ``gate``, asked about the user first, answers 403 to
    whoever may not open this kind of page at all. Staff who may act but have
    no authenticator app are sent to set one up first.
    """

    consumed = frozenset(inspect.signature(load).parameters) if load is not None else frozenset()

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if gate is not None and not gate(user):
                raise PermissionDenied
            if load is None:
                allowed = check(user)
            else:
                target = load(**{name: kwargs.pop(name) for name in consumed})
                allowed = check(user, target)
            if not allowed:
                raise refuse
            if mfa_setup_required(user):
                return redirect_to_mfa_setup(request)
            if load is None:
                return view(request, *args, **kwargs)
            return view(request, target, **kwargs)

        return wrapped

    return decorator
