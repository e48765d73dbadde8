"""The personal check-in link: a capability for one registration, kept in the phone's session.

A delegate imported without a password opens the link from their ticket
mail once on their phone; from then on that browser session may do self
check-in for that registration and see its ticket. It is not a sign-in:
``request.user`` stays anonymous, so every page that needs an account still
asks for one. The session keeps the signed token itself, and each use checks
it again against the database (``policies.check_in_pass_admits``), so a
cancellation, a substitution or the end of the event revokes a link already
opened. Refused links are logged, audited on the registration when they name
one, and limited per address (``settings.RATE_LIMITS["check_in_pass"]``).
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core.audit import audit
from events.models import Registration
from events.policies import check_in_pass_admits
from events.tokens import check_in_pass_claim, check_in_pass_token

logger = logging.getLogger(__name__)

SESSION_KEY = "events.check_in_passes"
# A phone may hold the links of a few registrations (two conferences, or a
# colleague's opened by mistake); the oldest beyond this is forgotten.
MAX_HELD = 5


def pass_path(registration: Registration) -> str:
    """The personal link's path (the mail makes it absolute)."""
    token = check_in_pass_token(
        registration_uuid=registration.uuid, user_id=registration.user_id, version=registration.pass_version
    )
    return reverse("events:check_in_pass", kwargs={"token": token})


def _admitted(token: str, *, now: datetime.datetime) -> tuple[Registration | None, str]:
    """The registration a token admits now, or None and why not ("forged", "unknown", "withdrawn" or "revoked").

    "withdrawn": an organiser revoked this link (a newer one may have been
    sent); "revoked": the seat is cancelled or passed on, or the event is over.
    """
    claim = check_in_pass_claim(token)
    if claim is None:
        return None, "forged"
    registration_uuid, user_id, version = claim
    registration = (
        Registration.objects.select_related("event", "org_unit", "user").filter(uuid=registration_uuid).first()
    )
    if registration is None:
        return None, "unknown"
    if not check_in_pass_admits(registration, user_id=user_id, version=version, now=now):
        withdrawn = registration.pass_version != version and check_in_pass_admits(
            registration, user_id=user_id, version=registration.pass_version, now=now
        )
        return registration, "withdrawn" if withdrawn else "revoked"
    return registration, ""


def pass_open(
    request: HttpRequest, token: str, *, now: datetime.datetime | None = None
) -> tuple[Registration | None, str]:
    """Check a personal link and keep it in this browser's session; (None, why) when refused (logged).

    A revoked link names its registration, so the refusal is written in that
    registration's history for the organisers to see.
    """
    registration, refusal = _admitted(token, now=now or timezone.now())
    if refusal:
        logger.warning("Refused personal check-in link (%s) from %s", refusal, request.META.get("REMOTE_ADDR", "?"))
        if registration is not None:
            audit(registration, "events.check_in_pass.refused", reason=refusal)
        return None, refusal
    held = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    if not request.user.is_authenticated:
        # A new capability in an anonymous session: a new key, so a key planted
        # beforehand (session fixation) does not end up holding it. A signed-in
        # session's key was already renewed at sign-in.
        request.session.cycle_key()
    request.session[SESSION_KEY] = [token, *held][:MAX_HELD]
    if not request.user.is_authenticated and registration.event.ends_at > request.session.get_expiry_date():
        # The link is usually opened when the mail arrives, weeks before the
        # conference: the phone keeps it until the event's end, not only for
        # the default fortnight. A sign-in sets its own expiry.
        request.session.set_expiry(registration.event.ends_at)
    return registration, ""


def _held(request: HttpRequest, now: datetime.datetime) -> list[Registration]:
    admitted = []
    for token in request.session.get(SESSION_KEY, []):
        registration, refusal = _admitted(token, now=now)
        if registration is not None and not refusal:
            admitted.append(registration)
    return admitted


def held_registration(
    request: HttpRequest,
    *,
    event_id: int | None = None,
    registration_uuid: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
) -> Registration | None:
    """The registration of that event (or with that UUID) that a link held by this browser still admits."""
    if not request.session.get(SESSION_KEY):
        return None
    for registration in _held(request, now or timezone.now()):
        if event_id is not None and registration.event_id == event_id:
            return registration
        if registration_uuid is not None and registration.uuid == registration_uuid:
            return registration
    return None
