"""Rate limits for our own views, counted and answered as allauth's are.

The rates live in ``settings.RATE_LIMITS`` in allauth's syntax ("20/m/ip"),
so one cache, one notion of the client's address (``TRUSTED_PROXY_COUNT``)
and one 429 page serve the sign-in and everything else.
"""

from functools import wraps

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as _ratelimit
from django.conf import settings


def rate_limit(action: str):
    """Answer 429 to a POST beyond ``settings.RATE_LIMITS[action]``; GETs are free."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refused = ratelimit.consume_or_429(request, action=action, config=settings.RATE_LIMITS)
            return refused or view(request, *args, **kwargs)

        return wrapped

    return decorator


def refusals_exceeded(request, action: str):
    """A 429 response when this client's refusals for ``action`` already reached its limit, else None.

    For doors where only failures should count (a venue's 250 phones share
    one address), GETs included: ask this first, and ``refusal_count`` after
    each refusal.
    """
    limits = {"app": "allauth.account", "action": action, "config": settings.RATE_LIMITS, "limit_get": True}
    if _ratelimit.consume(request, **limits, dry_run=True) is not None:
        return None
    return ratelimit.respond_429(request)


def refusal_count(request, action: str) -> None:
    _ratelimit.consume(request, app="allauth.account", action=action, config=settings.RATE_LIMITS, limit_get=True)
