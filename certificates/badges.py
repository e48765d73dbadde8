"""Open Badges 3.0 credentials, signed so that anyone can verify them without us.

- The credential is an ``OpenBadgeCredential`` (W3C Verifiable Credentials
  2.0 data model) with an embedded ``DataIntegrityProof`` using the
  ``eddsa-jcs-2022`` cryptosuite (W3C "Data Integrity EdDSA Cryptosuites
  v1.0"): the document and the proof options are each canonicalised with
  JCS (RFC 8785), hashed with SHA-256, and the two hashes (proof options
  first) are signed with Ed25519.
- The issuer's profile, with the public key as a ``Multikey``
  (``publicKeyMultibase`` "z6Mk…"), is published at
  ``/certificates/issuer/``; the proof's ``verificationMethod`` is that URL
  with the key as fragment.
- Revocation is published as a ``BitstringStatusListCredential`` at
  ``/certificates/status/<n>/``; a certificate's place in it is its primary
  key (list n holds keys from (n-1)·131072 to n·131072-1).

The signing key comes from ``CERTIFICATE_SIGNING_KEY`` (a Django setting or
the environment): a PKCS#8 PEM of an Ed25519 private key, or the base64 of its
32-byte seed. Generate one with::

    python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"

Without it, production refuses to sign (and ``manage.py check`` reports it).
Under DEBUG or in tests, the key is derived from SECRET_KEY with HKDF: stable
across restarts, nothing written to disk (a file under MEDIA_ROOT would be
served to anyone in DEBUG), and no private key in the repository. Such a key
is only as secret as SECRET_KEY, which on a demo machine is not secret at
all, hence never in production.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
CRYPTOSUITE = "eddsa-jcs-2022"
# The smallest list the Bitstring Status List spec allows (16 KiB), so that
# a list's size says nothing about how many certificates exist.
STATUS_LIST_BITS = 131072
_ED25519_MULTICODEC = b"\xed\x01"
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# --- JCS (RFC 8785) ------------------------------------------------------------


def canonicalize(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value``, as UTF-8: the bytes that are hashed and signed."""
    return rfc8785.dumps(value)


# --- multibase -------------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = _B58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58_ALPHABET.index(char)
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(_ED25519_MULTICODEC + raw)


# --- the issuer's key ------------------------------------------------------------


def _key_material() -> str:
    return settings.CERTIFICATE_SIGNING_KEY


def signing_key_configured() -> bool:
    return bool(_key_material()) or settings.DEBUG or getattr(settings, "TESTING", False)


def signing_key() -> Ed25519PrivateKey:
    material = _key_material().strip()
    if material:
        return _load_key(material)
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return _derived_key(settings.SECRET_KEY)
    raise ImproperlyConfigured(
        "CERTIFICATE_SIGNING_KEY is not set: certificates cannot be signed. Set it to the base64 of 32 random "
        "bytes (see certificates/badges.py), and keep it: changing it invalidates the proofs already issued."
    )


def _load_key(material: str) -> Ed25519PrivateKey:
    if material.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(material.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 key.")
        return key
    try:
        seed = base64.b64decode(material, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY is neither a PEM nor base64.") from exc
    if len(seed) != 32:
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must decode to 32 bytes (an Ed25519 seed).")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _derived_key(secret: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tdkt certificates ed25519 dev key").derive(
        secret.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


# --- stable URLs -----------------------------------------------------------------


def site_url(path: str) -> str:
    """An absolute URL on the public site (SITE_URL, as Wagtail's admin base URL)."""
    base = getattr(settings, "CERTIFICATES_BASE_URL", None) or settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + path


def issuer_url() -> str:
    return site_url(reverse("certificates:issuer"))


def verification_method_id(public_key: Ed25519PublicKey) -> str:
    return f"{issuer_url()}#{public_key_multibase(public_key)}"


def issuer_name() -> str:
    return getattr(settings, "CERTIFICATE_ISSUER_NAME", None) or settings.WAGTAIL_SITE_NAME


def status_list_position(certificate_pk: int) -> tuple[int, int]:
    """(list number from 1, index in that list)."""
    return certificate_pk // STATUS_LIST_BITS + 1, certificate_pk % STATUS_LIST_BITS


def status_list_url(number: int) -> str:
    return site_url(reverse("certificates:status_list", args=[number]))


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- documents -------------------------------------------------------------------


def issuer_profile() -> dict[str, Any]:
    public_key = signing_key().public_key()
    method_id = verification_method_id(public_key)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, MULTIKEY_CONTEXT],
        "id": issuer_url(),
        "type": ["Profile"],
        "name": issuer_name(),
        "url": site_url("/"),
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": issuer_url(),
                "publicKeyMultibase": public_key_multibase(public_key),
            }
        ],
        "assertionMethod": [method_id],
    }


@dataclass(frozen=True)
class CredentialFacts:
    code: str
    pk: int
    serial: str
    holder_name: str
    achievement_title: str
    achievement_url: str
    achievement_type: str
    criteria: str
    issued_at: datetime.datetime
    started_on: datetime.date | None
    completed_on: datetime.date
    page_id: int | None


def build_credential(facts: CredentialFacts) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for one certificate."""
    verify_path = reverse("certificates:verify", args=[facts.code])
    achievement_id = facts.achievement_url or (
        f"urn:tdkt:achievement:page:{facts.page_id}" if facts.page_id else f"urn:tdkt:achievement:{facts.serial}"
    )
    list_number, index = status_list_position(facts.pk)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        # The name is printed on the certificate and shown on the public
        # verification page, so stating it in clear leaks nothing more.
        "identifier": [
            {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": facts.holder_name}
        ],
        "achievement": {
            "id": achievement_id,
            "type": ["Achievement"],
            "achievementType": facts.achievement_type,
            "name": facts.achievement_title,
            "description": facts.achievement_title,
            "criteria": {"narrative": facts.criteria or facts.achievement_title},
        },
        "activityEndDate": _iso(datetime.datetime.combine(facts.completed_on, datetime.time(), datetime.UTC)),
    }
    if facts.started_on:
        subject["activityStartDate"] = _iso(datetime.datetime.combine(facts.started_on, datetime.time(), datetime.UTC))
    list_url = status_list_url(list_number)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": site_url(reverse("certificates:credential", args=[facts.code])),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url(), "type": ["Profile"], "name": issuer_name()},
        "name": f"{facts.achievement_title} – {facts.serial}",
        "validFrom": _iso(facts.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
        "evidence": [{"id": site_url(verify_path), "type": ["Evidence"], "name": facts.serial}],
    }


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonicalize(proof_options)).digest() + hashlib.sha256(canonicalize(document)).digest()


def sign(document: dict[str, Any], *, created: datetime.datetime | None = None) -> dict[str, Any]:
    """``document`` with an eddsa-jcs-2022 DataIntegrityProof added."""
    key = signing_key()
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created or datetime.datetime.now(datetime.UTC)),
        "verificationMethod": verification_method_id(key.public_key()),
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        proof["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + base58btc_encode(signature)
    return {**unsecured, "proof": proof}


def verify(secured: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """True when the eddsa-jcs-2022 proof of ``secured`` checks with ``public_key``."""
    proof = secured.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    unsecured = {name: value for name, value in secured.items() if name != "proof"}
    if "@context" in options:
        context = options["@context"]
        document_context = unsecured.get("@context", [])
        if document_context[: len(context)] != context:
            return False
        unsecured["@context"] = context
    value = proof.get("proofValue", "")
    if not value.startswith("z"):
        return False
    try:
        public_key.verify(base58btc_decode(value[1:]), _hash_data(unsecured, options))
    except (InvalidSignature, ValueError):
        return False
    return True


def encode_status_list(revoked_indexes: list[int]) -> str:
    """GZIP-compressed bitstring, base64url without padding, multibase 'u'.

    Index 0 is the most significant bit of the first byte.
    """
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def status_list_credential(number: int, revoked_indexes: list[int], *, now: datetime.datetime) -> dict[str, Any]:
    url = status_list_url(number)
    return sign(
        {
            "@context": [VC_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_url(),
            "validFrom": _iso(now),
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_status_list(revoked_indexes),
            },
        },
        created=now,
    )
