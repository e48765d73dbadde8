"""The Open Badges 3.0 credential, checked the way an outside verifier would.

The verifier here uses only the published documents (issuer profile, status
list), the ``cryptography`` package and the standard library: its JCS is
json.dumps with sorted keys, which matches RFC 8785 for the ASCII keys and
integer-free values the credential has, so it does not lean on our code.
"""

import base64
import gzip
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured

from accounts.roles import Role
from certificates import badges
from certificates.apps import check_signing_key
from certificates.services import certificate_reissue, certificate_revoke

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def jcs(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fetch_json(client, url: str) -> dict:
    response = client.get(url.replace("https://daotao.example.vn", ""))
    assert response.status_code == 200, url
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def outside_verify(client, secured: dict) -> bool:
    """eddsa-jcs-2022 verification from the published issuer profile."""
    proof = secured["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    profile = fetch_json(client, proof["verificationMethod"].split("#")[0])
    method = next(m for m in profile["verificationMethod"] if m["id"] == proof["verificationMethod"])
    assert proof["verificationMethod"] in profile["assertionMethod"]
    multikey = b58decode(method["publicKeyMultibase"][1:])
    assert multikey[:2] == b"\xed\x01"
    public_key = Ed25519PublicKey.from_public_bytes(multikey[2:])
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    document = {k: v for k, v in secured.items() if k != "proof"}
    hash_data = hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(document)).digest()
    try:
        public_key.verify(b58decode(proof["proofValue"][1:]), hash_data)
    except InvalidSignature:
        return False
    return True


def status_bit(client, credential: dict) -> int:
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    status_list = fetch_json(client, entry["statusListCredential"])
    assert outside_verify(client, status_list)
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


@pytest.mark.django_db
def test_credential_is_an_open_badge_that_verifies_with_the_published_key(client, issue):
    certificate = issue()
    response = client.get(f"/certificates/verify/{certificate.code}/credential.json")
    assert response.status_code == 200
    credential = json.loads(response.content)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == "https://daotao.example.vn/certificates/issuer/"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["name"] == certificate.achievement_title
    assert subject["identifier"][0]["identityHash"] == certificate.holder_name
    assert credential["validFrom"].endswith("Z")
    assert outside_verify(client, credential)
    assert status_bit(client, credential) == 0


@pytest.mark.django_db
def test_changing_one_byte_of_the_credential_breaks_the_signature(client, issue):
    certificate = issue(holder=None)
    credential = json.loads(client.get(f"/certificates/verify/{certificate.code}/credential.json").content)
    raw = json.dumps(credential, ensure_ascii=False)
    name = certificate.holder_name
    changed = json.loads(raw.replace(name, name[:-1] + chr(ord(name[-1]) + 1)))
    assert changed != credential
    assert not outside_verify(client, changed)
    assert badges.verify(credential, badges.signing_key().public_key())
    assert not badges.verify(changed, badges.signing_key().public_key())


@pytest.mark.django_db
def test_revoked_and_replaced_certificates_are_set_in_the_status_list(client, issue, make_staff):
    organiser = make_staff(Role.ORGANISER)
    kept, revoked, replaced = issue(), issue(), issue()
    certificate_revoke(certificate=revoked, reason="Cấp nhầm người", revoked_by=organiser)
    certificate_reissue(certificate=replaced, reason="Sửa họ tên", reissued_by=organiser, holder_name="Lê Văn Bình")
    assert status_bit(client, kept.credential) == 0
    assert status_bit(client, revoked.credential) == 1
    assert status_bit(client, replaced.credential) == 1


@pytest.mark.django_db
def test_status_list_takes_one_query_however_many_are_revoked(client, issue, make_staff, django_assert_num_queries):
    organiser = make_staff(Role.ORGANISER)
    for _ in range(3):
        certificate_revoke(certificate=issue(), reason="Thu hồi", revoked_by=organiser)
    with django_assert_num_queries(1):
        client.get("/certificates/status/1/")


def test_issuer_profile_publishes_a_multikey(client):
    profile = fetch_json(client, "/certificates/issuer/")
    method = profile["verificationMethod"][0]
    assert method["type"] == "Multikey"
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert method["controller"] == profile["id"]
    assert method["id"] == f"{profile['id']}#{method['publicKeyMultibase']}"


def test_jcs_follows_rfc_8785():
    # RFC 8785, section 3.2.3: keys sorted by UTF-16 code units.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(badges.canonicalize(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    # Section 3.2.2.2: string escapes.
    assert (
        badges.canonicalize("\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/")
        == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()
    )
    assert badges.canonicalize({"b": [True, None, 10], "a": "Việt"}) == '{"a":"Việt","b":[true,null,10]}'.encode()
    # Section 3.2.2.3: numbers as ECMAScript writes them; beyond ±2^53 an integer has no exact form.
    assert badges.canonicalize([9.5, 1e21, 333333333.33333329, -0.0]) == b"[9.5,1e+21,333333333.3333333,0]"
    with pytest.raises(ValueError):
        badges.canonicalize(2**53 + 1)


# Signed by the project's own JCS code before it gave way to the rfc8785 package,
# with the Ed25519 key whose seed is bytes 0..31: the credentials already issued
# must keep verifying, so the two must give the same bytes for what we sign.
SIGNED_BEFORE_RFC8785 = r"""{
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Hội nghị tập huấn thi đua, khen thưởng – TĐKT-2015-000123",
    "credentialSubject": {
        "identifier": [{"identityHash": "Nguyễn Văn An \"<&>\"\t\u000f"}],
        "\u20ac": "\ud83d\ude00",
        "\ufb33": 1,
        "1": [true, null, 9007199254740991]
    },
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2026-11-21T14:31:00Z",
        "verificationMethod": "http://127.0.0.1:8000/certificates/issuer/#z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd",
        "proofPurpose": "assertionMethod",
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "proofValue": "zdqH1EqQwo1yWHiENu2kREFXc9VprWufXxy71EwVSFB6ejdPiLpZp4YUu9ozJD6NZHcEJiEKTFJsYn8PcvfshxG9"
    }
}"""


def test_credentials_signed_before_the_rfc8785_package_still_verify():
    public_key = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
    credential = json.loads(SIGNED_BEFORE_RFC8785)
    assert badges.verify(credential, public_key)
    credential["credentialSubject"]["\ufb33"] = 2
    assert not badges.verify(credential, public_key)


def test_key_from_a_base64_seed_or_a_pem(settings):
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    expected = badges.public_key_multibase(key.public_key())
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(seed).decode()
    assert badges.public_key_multibase(badges.signing_key().public_key()) == expected
    settings.CERTIFICATE_SIGNING_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert badges.public_key_multibase(badges.signing_key().public_key()) == expected


def test_production_without_a_key_refuses_to_sign(settings, monkeypatch):
    monkeypatch.delenv("CERTIFICATE_SIGNING_KEY", raising=False)
    settings.DEBUG = False
    settings.TESTING = False
    settings.CERTIFICATE_SIGNING_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        badges.signing_key()
    assert [message.id for message in check_signing_key()] == ["certificates.E001"]
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    assert check_signing_key() == []
