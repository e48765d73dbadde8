"""The attendance report's counts, kept as they change instead of counted on every request.

A national conference has 20,000 registrations and 60,000 check-ins; the
report (and a coordinator's view of it) reads a few hundred
:class:`~events.models.EventTally` rows instead: per event and unit, the
confirmed registrations, and per session how many of those delegates hold
each attendance status.

Every write of a registration or an attendance moves the counts in the same
transaction, whichever path made it (the services, the door and its offline
sync, self check-in, admit, undo, the import, cancel, substitute, the
waiting list): the models remember the state they were loaded with
(``tally_state``), and the ``post_save`` and ``post_delete`` receivers below
add the difference with one upsert (``INSERT … ON CONFLICT DO UPDATE SET
n = n + …``, on PostgreSQL and SQLite alike). The door's first scan inserts
without the models and adds its own difference (:func:`attendance_added`,
:func:`upsert`, in the same statement: ``events.door``). Other writes that go
around the models (``QuerySet.update``, bulk inserts, COPY in
bench/national.py) must call :func:`recount` after; ``manage.py
events_recount_tallies`` does it for every event (``--check`` compares only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import OrgUnit
from events.models import Attendance, EventPage, EventTally, Registration

CONFIRMED = Registration.Status.CONFIRMED
NO_UNIT = 0  # the unit of a registration that names none
REGISTRATIONS = 0  # the "session" of the confirmed registrations' line

Key = tuple[int, int, int, str]  # (event, unit, session, status)


# --- reading ------------------------------------------------------------------------------


def counts(event: EventPage, *, units: QuerySet[OrgUnit] | None = None) -> dict[Key, int]:
    """The event's tallies (of ``units`` only, when given), in one query."""
    event_id = event.pk
    rows = EventTally.objects.filter(event_id=event_id).exclude(n=0)
    if units is not None:
        rows = rows.filter(unit_id__in=units.values("pk"))
    return {
        (event_id, unit_id, session_id, status): n
        for unit_id, session_id, status, n in rows.values_list("unit_id", "session_id", "status", "n")
    }


# --- moving -------------------------------------------------------------------------------


def _registration_keys(state: tuple | None) -> Counter[Key]:
    if state is None:
        return Counter()
    event_id, unit_id, status = state
    return Counter({(event_id, unit_id or NO_UNIT, REGISTRATIONS, CONFIRMED): 1}) if status == CONFIRMED else Counter()


def _attendance_keys(registration_state: tuple | None, rows: Iterable[tuple[int, str]]) -> Counter[Key]:
    """The keys of a registration's attendances (session, status), counted only while it is confirmed."""
    if registration_state is None or registration_state[2] != CONFIRMED:
        return Counter()
    event_id, unit_id, _status = registration_state
    return Counter((event_id, unit_id or NO_UNIT, session_id, status) for session_id, status in rows)


def _counts_attendance_as(state: tuple | None) -> tuple[int, int] | None:
    """(event, unit) its attendances count under, or None while it is not confirmed."""
    if state is None or state[2] != CONFIRMED:
        return None
    return state[0], state[1] or NO_UNIT


def upsert(delta: Counter[Key]) -> tuple[str, list] | None:
    """The one statement that adds ``delta`` to the tallies (keys in order, so two writers never deadlock)."""
    changes = sorted((key, n) for key, n in delta.items() if n)
    if not changes:
        return None
    table = connection.ops.quote_name(EventTally._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(changes))
    params = [value for key, n in changes for value in (*key, n)]
    return (
        # The table's name is ours, every value a parameter.
        f"INSERT INTO {table} (event_id, unit_id, session_id, status, n) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (event_id, unit_id, session_id, status) DO UPDATE SET n = {table}.n + excluded.n",
        params,
    )


def apply(delta: Counter[Key]) -> None:
    """Add ``delta`` to the tallies, in one statement."""
    statement = upsert(delta)
    if statement is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(*statement)


def attendance_added(registration: Registration, session_id: int, status: str) -> Counter[Key]:
    """What a new attendance of ``registration`` (loaded with its tally fields) adds: for a writer that
    inserts it without the model's signals (the door's first scan, ``events.door``)."""
    state = registration.tally_state()
    if state is None:
        raise ValueError("the registration was read without its tally fields")
    return _attendance_keys(state, [(session_id, status)])


def _registration_state_of(registration_id: int) -> tuple | None:
    row = Registration.objects.filter(pk=registration_id).values_list("event_id", "org_unit_id", "status").first()
    return tuple(row) if row else None


def _attendance_registration_state(attendance: Attendance) -> tuple | None:
    """The state of the attendance's registration: the instance it came with (no query), else the database's."""
    if Attendance.registration.is_cached(attendance) and attendance.registration is not None:
        registration = attendance.registration
        if registration.pk == attendance.registration_id:
            return registration.tally_state() or _registration_state_of(registration.pk)
    return _registration_state_of(attendance.registration_id)


def _on_registration_pre_save(sender, instance: Registration, raw=False, **kwargs) -> None:
    # An instance that was not loaded from the database (built by hand with a
    # pk) has no remembered state: read it, before it is overwritten.
    if raw or instance._state.adding or hasattr(instance, "_tally_state"):
        return
    instance._tally_state = _registration_state_of(instance.pk)


def _on_registration_saved(sender, instance: Registration, created: bool, raw=False, **kwargs) -> None:
    if raw:
        return
    old = None if created else getattr(instance, "_tally_state", None)
    new = instance.tally_state()
    if new is None:  # saved from a partial load: ask the database what it holds now
        new = _registration_state_of(instance.pk)
    instance._tally_state = new
    if old == new:
        return
    delta = _registration_keys(new)
    delta.subtract(_registration_keys(old))
    if not created and _counts_attendance_as(old) != _counts_attendance_as(new):
        # Its attendances count under its unit while it is confirmed: move them.
        rows = list(Attendance.objects.filter(registration_id=instance.pk).values_list("session_id", "status"))
        delta.update(_attendance_keys(new, rows))
        delta.subtract(_attendance_keys(old, rows))
    apply(delta)


def _cascaded(origin) -> bool:
    """Deleted because something else was (an event, a session): nothing to move, the counts go with it."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return not issubclass(model, Registration | Attendance)


def _on_registration_deleted(sender, instance: Registration, origin=None, **kwargs) -> None:
    if origin is not None and _cascaded(origin):
        return
    state = getattr(instance, "_tally_state", None) or instance.tally_state()
    delta = Counter()
    delta.subtract(_registration_keys(state))
    apply(delta)  # its attendances, deleted with it, take their own counts away first


def _on_attendance_pre_save(sender, instance: Attendance, raw=False, **kwargs) -> None:
    if raw or instance._state.adding or hasattr(instance, "_tally_state"):
        return
    row = Attendance.objects.filter(pk=instance.pk).values_list("registration_id", "session_id", "status").first()
    instance._tally_state = tuple(row) if row else None


def _on_attendance_saved(sender, instance: Attendance, created: bool, raw=False, **kwargs) -> None:
    if raw:
        return
    old = None if created else getattr(instance, "_tally_state", None)
    new = instance.tally_state()
    if new is None:
        row = Attendance.objects.filter(pk=instance.pk).values_list("registration_id", "session_id", "status").first()
        new = tuple(row) if row else None
    instance._tally_state = new
    if old == new:
        return
    registration_state = _attendance_registration_state(instance)
    delta = Counter()
    if new is not None:
        delta.update(_attendance_keys(registration_state, [new[1:]]))
    if old is not None:
        before = registration_state if old[0] == instance.registration_id else _registration_state_of(old[0])
        delta.subtract(_attendance_keys(before, [old[1:]]))
    apply(delta)


def _on_attendance_deleted(sender, instance: Attendance, origin=None, **kwargs) -> None:
    if origin is not None and _cascaded(origin):
        return
    state = getattr(instance, "_tally_state", None) or instance.tally_state()
    if state is None:
        return
    delta = Counter()
    delta.subtract(_attendance_keys(_attendance_registration_state(instance), [state[1:]]))
    apply(delta)


def connect() -> None:
    """Called from ``EventsConfig.ready``."""
    pre_save.connect(_on_registration_pre_save, sender=Registration, dispatch_uid="events.tallies.r_pre")
    post_save.connect(_on_registration_saved, sender=Registration, dispatch_uid="events.tallies.r_saved")
    post_delete.connect(_on_registration_deleted, sender=Registration, dispatch_uid="events.tallies.r_deleted")
    pre_save.connect(_on_attendance_pre_save, sender=Attendance, dispatch_uid="events.tallies.a_pre")
    post_save.connect(_on_attendance_saved, sender=Attendance, dispatch_uid="events.tallies.a_saved")
    post_delete.connect(_on_attendance_deleted, sender=Attendance, dispatch_uid="events.tallies.a_deleted")


# --- counting again -------------------------------------------------------------------------


def fresh_counts(event_ids: Iterable[int] | None = None) -> Counter[Key]:
    """The tallies as the rows say now: two grouped queries (the recount, and the tests' reference)."""
    registrations = Registration.objects.filter(status=CONFIRMED)
    attendances = Attendance.objects.filter(registration__status=CONFIRMED)
    if event_ids is not None:
        event_ids = list(event_ids)
        registrations = registrations.filter(event_id__in=event_ids)
        attendances = attendances.filter(registration__event_id__in=event_ids)
    found: Counter[Key] = Counter()
    for event_id, unit_id, n in registrations.values_list("event_id", "org_unit_id").annotate(n=Count("pk")).order_by():
        found[(event_id, unit_id or NO_UNIT, REGISTRATIONS, CONFIRMED)] += n
    for event_id, unit_id, session_id, status, n in (
        attendances.values_list("registration__event_id", "registration__org_unit_id", "session_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        found[(event_id, unit_id or NO_UNIT, session_id, status)] += n
    return found


def stored_counts(event_ids: Iterable[int] | None = None) -> Counter[Key]:
    rows = EventTally.objects.exclude(n=0)
    if event_ids is not None:
        rows = rows.filter(event_id__in=list(event_ids))
    return Counter(
        {
            (event_id, unit_id, session_id, status): n
            for event_id, unit_id, session_id, status, n in rows.values_list(
                "event_id", "unit_id", "session_id", "status", "n"
            )
        }
    )


def recount(event_ids: Iterable[int] | None = None) -> int:
    """Count the tallies of those events (all when None) again from their rows; returns the rows written.

    On PostgreSQL the table is locked against other writers for the moment
    it takes, so a check-in committed meanwhile is neither lost nor counted
    twice: it waits, then adds itself to the fresh count.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {EventTally._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        ids = list(event_ids) if event_ids is not None else None
        stale = EventTally.objects.all() if ids is None else EventTally.objects.filter(event_id__in=ids)
        stale.delete()
        found = fresh_counts(ids)
        EventTally.objects.bulk_create(
            [
                EventTally(event_id=event_id, unit_id=unit_id, session_id=session_id, status=status, n=n)
                for (event_id, unit_id, session_id, status), n in sorted(found.items())
                if n
            ],
            batch_size=2000,
        )
    return sum(1 for n in found.values() if n)


def total(rows: dict[Key, int], *, session_id: int, status: str) -> int:
    return sum(n for (_event, _unit, session, s), n in rows.items() if session == session_id and s == status)
