"""One audit trail for every state change: who did what to which object, when, from what to what.

Entries are Wagtail's own log entries (``wagtail.log_actions.log``), so they
appear in the admin's reports ("Site history") and in each object's
history beside the editors' page actions. Services call :func:`audit` inside
their transaction: the entry is written with the change or not at all.

Each app names its actions (``<app>.<noun>.<verb>``) and registers their
labels from its ``wagtail_hooks.py`` through :func:`register_actions`, so the
reports can filter by them; core knows no app.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import models
from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

Snapshot = dict[str, object]


def _plain(value: object) -> object:
    """A JSON value that reads the same tomorrow: ids for rows, ISO text for times."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> Snapshot:
    """The named fields of ``instance`` as plain values (a foreign key as its id)."""
    values: Snapshot = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def audit(
    instance: models.Model,
    action: str,
    *,
    actor=None,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
    **details: object,
) -> ModelLogEntry:
    """Log ``action`` on ``instance`` by ``actor`` (None: the platform itself, a task or a command).

    ``before`` and ``after`` hold what changed; fields equal on both sides
    are left out so the history shows the change, not the whole row.
    """
    before = {key: _plain(value) for key, value in (before or {}).items()}
    after = {key: _plain(value) for key, value in (after or {}).items()}
    for key in set(before) & set(after):
        if before[key] == after[key]:
            del before[key], after[key]
    data: dict[str, object] = {key: _plain(value) for key, value in details.items()}
    if before:
        data["before"] = before
    if after:
        data["after"] = after
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    entry = log(instance, action, user=user, data=data)
    if entry is None:  # pragma: no cover - every model has Wagtail's ModelLogEntry registered
        raise LookupError(f"No log entry model for {type(instance).__name__}")
    return entry


def history(instance: models.Model):
    """The object's entries, oldest first, with who made them."""
    return log_registry.get_logs_for_instance(instance).select_related("user").order_by("timestamp", "pk")


def register_actions(actions, labels: Mapping[str, tuple[str, str]]) -> None:
    """Register ``{action: (label, message)}`` with Wagtail's log registry (from a ``register_log_actions`` hook)."""
    for action, (label, message) in labels.items():
        actions.register_action(action, label, message)
