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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
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


@dataclass(frozen=True)
class Change:
    label: str
    before: object
    after: object


@dataclass(frozen=True)
class HistoryRow:
    """One entry as a page shows it: when, who (None: the platform), what, and what changed."""

    timestamp: datetime.datetime
    user: object
    message: str
    changes: list[Change]


def _describe(models_: Sequence[type[models.Model]], name: str, value: object) -> tuple[str, object]:
    """The field's verbose name and the value's display (a choice's label), from the first model that has it."""
    for model in models_:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.is_relation and value is not None:
            # The row as it is named today (a unit, a person); its id if it is gone.
            related = field.related_model._default_manager.filter(pk=value).first()
            display = str(related) if related is not None else value
        elif field.choices:
            display = dict(field.flatchoices).get(value, value)
        else:
            display = value
        return str(getattr(field, "verbose_name", name)), display
    return name, value


def history(instance: models.Model, *, fields_of: Sequence[type[models.Model]] = ()) -> list[HistoryRow]:
    """The object's entries, oldest first, each with its changes labelled by ``fields_of`` (default its own model)."""
    models_ = [*fields_of] or [type(instance)]
    rows = []
    entries = log_registry.get_logs_for_instance(instance).select_related("user").order_by("timestamp", "pk")
    for entry in entries:
        before, after = entry.data.get("before", {}), entry.data.get("after", {})
        changes = []
        for name in [*before, *(key for key in after if key not in before)]:
            label, old = _describe(models_, name, before.get(name))
            _label, new = _describe(models_, name, after.get(name))
            changes.append(Change(label, old, new))
        rows.append(HistoryRow(entry.timestamp, entry.user, str(entry.message), changes))
    return rows


def register_actions(actions, labels: Mapping[str, tuple[str, str]]) -> None:
    """Register ``{action: (label, message)}`` with Wagtail's log registry (from a ``register_log_actions`` hook)."""
    for action, (label, message) in labels.items():
        actions.register_action(action, label, message)
