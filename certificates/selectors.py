"""Reads: the public verification page, the holder's list, the status list."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role
from accounts.scopes import has_role
from certificates import badges
from certificates.models import Certificate, CertificateBatch, CertificateLogEntry
from certificates.policies import certificates_managed_by
from core.text import fold

# generate_code() makes 22 URL-safe characters; anything else is not ours
# and is answered "not found" without a query.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# A serial as printed: PREFIX-YEAR-NUMBER (e.g. TĐKT-2026-000005), read after folding.
SERIAL_RE = re.compile(r"^([a-z0-9]{1,20})-(\d{4})-(\d{1,9})$")


def _with_relations(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    return queryset.select_related("template", "supersedes", "superseded_by")


def certificate_by_code(code: str) -> Certificate | None:
    if not CODE_RE.match(code or ""):
        return None
    return _with_relations(Certificate.objects.filter(code=code)).first()


def certificate_lookup(text: str) -> Certificate | None:
    """A certificate by whatever its paper shows.

    The verification code, the code with stray slashes or spaces, the full
    verification URL, or the serial in any case, with or without its Đ.
    Anything else is None ("not found"), never an error.
    """
    text = (text or "")[:500]
    if "/verify/" in text:
        text = text.split("/verify/", 1)[1]
    squeezed = "".join(text.split()).strip("/")
    code = squeezed.split("/", 1)[0]
    found = certificate_by_code(code)
    if found is not None:
        return found
    match = SERIAL_RE.match(fold(squeezed))
    if match is None:
        return None
    prefix, year, number = match.groups()
    suffix = f"-{year}-{int(number):06d}"
    candidates = _with_relations(Certificate.objects.filter(serial__endswith=suffix))
    return next((c for c in candidates if fold(c.serial) == f"{prefix}{suffix}"), None)


def certificate_by_sha256(digest: str) -> Certificate | None:
    if not SHA256_RE.match(digest):
        return None
    return _with_relations(Certificate.objects.filter(pdf_sha256=digest)).first()


def certificates_of(user: User) -> QuerySet[Certificate]:
    return _with_relations(Certificate.objects.filter(holder=user)).order_by("-issued_at", "-pk")


def certificate_log(certificate: Certificate) -> QuerySet[CertificateLogEntry]:
    return certificate.log_entries.select_related("actor").order_by("at", "pk")


def revoked_indexes(list_number: int) -> list[int]:
    """Indexes set in status list ``list_number``: revoked and superseded certificates."""
    first = (list_number - 1) * badges.STATUS_LIST_BITS
    pks = (
        Certificate.objects.exclude(status=Certificate.Status.VALID)
        .filter(pk__gte=first, pk__lt=first + badges.STATUS_LIST_BITS)
        .values_list("pk", flat=True)
    )
    return [pk - first for pk in pks]


def certificates_for_staff(user: User, query: str = "") -> QuerySet[Certificate]:
    """The staff list: only the certificates ``user`` manages (``certificates.policies``), optionally searched."""
    queryset = certificates_managed_by(user).select_related("holder")
    query = (query or "").strip()
    if query:
        from django.db.models import Q

        queryset = queryset.filter(
            Q(serial__icontains=query) | Q(holder_name__icontains=query) | Q(holder__email__iexact=query)
        )
    return queryset.order_by("-issued_at", "-pk")


def batches_visible_to(user: User) -> QuerySet[CertificateBatch]:
    """Administrators see every bulk issue; an organiser only the ones they started.

    A batch's ZIP holds every holder's certificate for one page, so it is
    not for the organisers of other pages.
    """
    if has_role(user, Role.ADMIN):
        return CertificateBatch.objects.all()
    return CertificateBatch.objects.filter(started_by=user)


def recent_batches(user: User, limit: int = 20) -> QuerySet[CertificateBatch]:
    return batches_visible_to(user).select_related("started_by").order_by("-created_at", "-pk")[:limit]
