"""Previewed imports waiting for their confirmation: one-time, idempotent, race-safe.

The preview stores what the confirm will write under a random token bound
to the uploaded file's hash; the confirm claims the token with one
conditional UPDATE, so of two clicks (or two tabs, or two workers) exactly
one writes, and every later confirm gets the first one's result. The write
and the "done" mark commit together: an import that fails midway leaves the
token pending, to be confirmed again, never half-done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import PendingImport

# Previews nobody confirmed, and results nobody asks for again, are dropped
# after this long.
KEEP_FOR = dt.timedelta(days=2)
# A confirm that has been "running" this long died with its worker: its
# transaction rolled back, so it may be claimed again.
RUNNING_TIMEOUT = dt.timedelta(minutes=10)


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pending_import_create(*, kind: str, actor_id: int, data: bytes, payload: dict) -> str:
    """Store what a confirm of this preview will write; returns the one-time token."""
    now = timezone.now()
    PendingImport.objects.filter(updated_at__lt=now - KEEP_FOR).delete()
    token = secrets.token_urlsafe(32)
    PendingImport.objects.create(
        token=token,
        kind=kind,
        actor_id=actor_id,
        file_sha256=file_sha256(data),
        payload=payload,
        created_at=now,
        updated_at=now,
    )
    return token


def previously_imported(*, kind: str, data: bytes) -> dt.datetime | None:
    """When the same file was last imported into the same target, if it was."""
    row = (
        PendingImport.objects.filter(kind=kind, file_sha256=file_sha256(data), status=PendingImport.Status.DONE)
        .order_by("-updated_at")
        .first()
    )
    return row.updated_at if row is not None else None


@dataclass(frozen=True)
class Confirmation:
    """What a confirm did: ``status`` is "done" (it wrote), "repeated" (an earlier
    confirm wrote; ``result`` is that one's), "running" (another confirm is
    writing now) or "missing" (no such preview for this person)."""

    status: str
    result: dict | None = None


def pending_import_confirm(*, token: str, kind: str, actor_id: int, run: Callable[[dict], dict]) -> Confirmation:
    """Run ``run(payload)`` once for ``token``; its JSON result is kept for repeated confirms.

    Only the person who previewed, and only for the import the token was
    issued for, can confirm: anyone else gets "missing".
    """
    row = PendingImport.objects.filter(token=token, kind=kind, actor_id=actor_id).first()
    if row is None:
        return Confirmation("missing")
    if row.status == PendingImport.Status.DONE:
        return Confirmation("repeated", row.result)
    now = timezone.now()
    claimable = Q(status=PendingImport.Status.PENDING) | Q(
        status=PendingImport.Status.RUNNING, updated_at__lt=now - RUNNING_TIMEOUT
    )
    try:
        with transaction.atomic():
            claimed = (
                PendingImport.objects.filter(pk=row.pk)
                .filter(claimable)
                .update(status=PendingImport.Status.RUNNING, updated_at=now)
            )
    except OperationalError:
        # SQLite: the other confirm holds the write lock for its whole import.
        return Confirmation("running")
    if not claimed:
        row.refresh_from_db()
        if row.status == PendingImport.Status.DONE:
            return Confirmation("repeated", row.result)
        return Confirmation("running")
    try:
        with transaction.atomic():
            result = run(row.payload)
            PendingImport.objects.filter(pk=row.pk).update(
                status=PendingImport.Status.DONE, result=result, payload={}, updated_at=timezone.now()
            )
    except BaseException:
        PendingImport.objects.filter(pk=row.pk).update(status=PendingImport.Status.PENDING, updated_at=timezone.now())
        raise
    return Confirmation("done", result)


def chosen_rows(values: list[str]) -> set[int]:
    """Row numbers ticked in a preview form; anything else sent is ignored."""
    return {int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 10}
