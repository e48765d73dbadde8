"""Signed tokens: the ticket QR, the rotating session code on the projector, the personal check-in link.

A ticket carries the registration's random UUID signed with the project key,
so it is neither a database id nor guessable, and a foreign or tampered token
fails the signature check. The session code is signed with a timestamp and
is only valid for ``SESSION_CODE_MAX_AGE`` seconds, so a photo of the
projector shared on chat stops working almost at once. The personal
check-in link names a registration and the person it belongs to; whether it
still admits anyone is decided against the database on every use
(``events.passes``), so cancelling or substituting revokes it.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core import signing

TICKET_SALT = "events.ticket"
SESSION_CODE_SALT = "events.session-code"
# The code on the screen and the two before it are accepted: a phone that
# took a while to open the scanned link (camera app, then browser, over venue
# Wi-Fi) still gets there, and a photo passed around is useless in a minute.
SESSION_CODE_MAX_AGE = 60
SESSION_CODE_REFRESH = 20
# Scanning the projector's code opens a page that asks the participant to
# confirm (a GET changes nothing); the confirmation carries the scan and may
# arrive this long after it, over slow venue Wi-Fi.
SELF_CHECK_IN_SALT = "events.self-check-in"
SELF_CHECK_IN_MAX_AGE = 300


def ticket_token(registration_uuid: uuid.UUID) -> str:
    return signing.dumps(registration_uuid.hex, salt=TICKET_SALT, compress=False)


def ticket_uuid(token: str) -> uuid.UUID | None:
    """The registration UUID in a ticket token, or None when it is not ours."""
    try:
        value = signing.loads(token.strip(), salt=TICKET_SALT)
        return uuid.UUID(hex=value)
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None


def session_code(session_id: int) -> str:
    return signing.TimestampSigner(salt=SESSION_CODE_SALT).sign(str(session_id))


class SessionCodeExpired(Exception):
    """A genuine code (or confirmation) that is too old; ``session_id`` says which session it was for."""

    def __init__(self, session_id: int | None = None) -> None:
        super().__init__(session_id)
        self.session_id = session_id


def session_code_session_id(code: str, *, max_age: int = SESSION_CODE_MAX_AGE) -> int | None:
    """The session id in a rotating code; raises SessionCodeExpired when too old, None when forged."""
    signer = signing.TimestampSigner(salt=SESSION_CODE_SALT)
    try:
        return int(signer.unsign(code.strip(), max_age=max_age))
    except signing.SignatureExpired as error:
        # The signature is good, only old: say which session, so the phone can
        # show where to scan again instead of a bare error.
        raise SessionCodeExpired(int(signer.unsign(code.strip()))) from error
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None


def self_check_in_token(*, session_id: int, user_id: int, scanned_at: float) -> str:
    """What the confirmation form posts: this user scanned this session's code at ``scanned_at``."""
    payload = {"s": session_id, "u": user_id, "t": scanned_at}
    return signing.TimestampSigner(salt=SELF_CHECK_IN_SALT).sign_object(payload)


def self_check_in_claim(token: str, *, user_id: int) -> tuple[int, float] | None:
    """(session id, scan time) from a confirmation; raises SessionCodeExpired when too old.

    None when it is forged or was issued to someone else: a confirmation
    cannot be passed to another phone.
    """
    try:
        payload = signing.TimestampSigner(salt=SELF_CHECK_IN_SALT).unsign_object(
            token.strip(), max_age=SELF_CHECK_IN_MAX_AGE
        )
    except signing.SignatureExpired as error:
        raise SessionCodeExpired from error
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        return None
    return int(payload["s"]), float(payload["t"])


# The personal link in the ticket mail: it lets its holder's phone check in
# to this registration's sessions and see its ticket, nothing else.
PERSONAL_LINK_SALT = "events.personal-check-in-link"


def check_in_pass_token(*, registration_uuid: uuid.UUID, user_id: int, version: int = 0) -> str:
    """The personal link's secret: unguessable (signed with the project key), bound to registration and person.

    ``version`` is the registration's ``pass_version``: revoking a link raises
    it, so the links signed before no longer match. (Version 0 is left out,
    so the links mailed before revocation existed stay the same.)
    """
    # No timestamp: the link is the same in every mail and on the ticket page;
    # its end is the event's, checked against the database.
    payload = {"r": registration_uuid.hex, "u": user_id}
    if version:
        payload["v"] = version
    return signing.Signer(salt=PERSONAL_LINK_SALT).sign_object(payload)


def check_in_pass_claim(token: str) -> tuple[uuid.UUID, int, int] | None:
    """(registration UUID, user id, link version) named by a personal link, or None when it is not ours."""
    try:
        payload = signing.Signer(salt=PERSONAL_LINK_SALT).unsign_object(token.strip())
        return uuid.UUID(hex=payload["r"]), int(payload["u"]), int(payload.get("v", 0))
    except (signing.BadSignature, ValueError, TypeError, AttributeError, KeyError):
        return None


def ticket_fingerprint(token: str) -> str:
    """What the door keeps offline to recognise a ticket: a hash of its signed value, not a key that makes one.

    A token is "value:timestamp:signature" and only the value (the
    registration's random UUID, encoded) is the same in every copy of a
    ticket, so that is what is hashed. The door page downloads these
    fingerprints and hashes each scanned code the same way (SHA-256, Web
    Crypto): offline it knows whether a code names a registration of this
    event, without the signing key ever leaving the server; the signature
    is checked when the queued scan reaches the server.
    """
    value = token.strip().split(":", 1)[0]
    return hashlib.sha256(value.encode()).hexdigest()[:32]
