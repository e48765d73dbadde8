"""The door's hot path in hand-written SQL: what a check-in scan reads and writes, and nothing more.

A busy door sends a scan every second or two per camera, and building
queries through the ORM cost more CPU than PostgreSQL spent answering them
(issue 18). Here every statement is plain SQL with every value a parameter
(table and column names are the models' own, never a request's),
written for PostgreSQL and SQLite alike, and the rows come back as the same
model instances the ORM would have made (through ``Model.from_db``, with the
backend's converters), only with fewer fields loaded. What the scan decides
stays in :mod:`events.services`; the policy still decides who may scan
(:func:`events.policies.can_check_in`), fed from what is read here.

- :func:`scan_session`: the session, the event's late-after minutes and the
  event's saved organisers, one query.
- :func:`ticket_registration`: the registration a ticket names, its unit's
  name and its attendance in the session, one query.
- :func:`keep_nonce`: a repeated scan's nonce, one statement.
- :func:`insert_check_in`: a first scan's attendance, the report's tally, the
  history entry and the nonce; on PostgreSQL one statement (data-modifying
  ``WITH``), so no BEGIN or COMMIT round trip; elsewhere one short transaction.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import OrgUnit, User
from core import sql
from events import tallies
from events.models import Attendance, EventPage, EventSession, Registration, ScanNonce

# --- reading rows into instances ------------------------------------------------------------


@functools.cache
def _columns(model: type[Model], names: tuple[str, ...]) -> tuple[Field, ...]:
    """The named fields in the model's own order, which ``Model.from_db`` takes its values in."""
    fields = tuple(f for f in model._meta.concrete_fields if f.name in names or f.attname in names)
    if len(fields) != len(names):
        raise LookupError(f"{model.__name__} lacks one of {names}")
    return fields


def _instance(model: type[Model], names: tuple[str, ...], values: Sequence[object]) -> Model:
    """An instance of ``model`` from a row's values of the fields ``names`` (in the model's order, as
    :func:`_columns` gives them), converted as the ORM would; the other fields deferred."""
    fields = _columns(model, names)
    decode = sql.once(f"door:{model._meta.label}:{','.join(names)}", lambda: sql.decoder(fields))
    return model.from_db(connection.alias, [f.attname for f in fields], decode(values))


def _in_order(model: type[Model], names: tuple[str, ...], by_attname: dict[str, object]) -> list[object]:
    return [by_attname[f.attname] for f in _columns(model, names)]


# --- the session ------------------------------------------------------------------------------

SESSION_FIELDS = ("id", "event", "title", "starts_at", "ends_at")
EVENT_FIELDS = ("id", "page_ptr", "late_after_minutes")


@functools.cache
def _session_sql() -> str:
    organisers = EventPage.organisers.through._meta.db_table
    return (
        "SELECT s.id, s.event_id, s.title, s.starts_at, s.ends_at, e.late_after_minutes, o.user_id "  # noqa: S608
        f"FROM {sql.table(EventSession)} s "
        f"INNER JOIN {sql.table(EventPage)} e ON e.page_ptr_id = s.event_id "
        f"LEFT JOIN {connection.ops.quote_name(organisers)} o ON o.eventpage_id = s.event_id "
        "WHERE s.id = %s AND s.event_id = %s"
    )


def scan_session(event_id: int, session_id: int) -> EventSession | None:
    """The session a scan is for, with what a scan reads of it and its event; None if the URL names none.

    Its event carries the ids of its organisers as saved (``saved_organiser_ids``,
    one row per organiser by a LEFT JOIN), read in the same query, which
    :func:`events.policies.can_manage_event` answers from: the database's
    word, not a page's unsaved edit, without a second round trip.
    """
    with connection.cursor() as cursor:
        cursor.execute(_session_sql(), [session_id, event_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    read = dict(zip(("id", "event_id", "title", "starts_at", "ends_at"), first[:5], strict=True))
    session = _instance(EventSession, SESSION_FIELDS, _in_order(EventSession, SESSION_FIELDS, read))
    # A page's own id and its parent link are the same number.
    read = {"id": first[1], "page_ptr_id": first[1], "late_after_minutes": first[5]}
    event = _instance(EventPage, EVENT_FIELDS, _in_order(EventPage, EVENT_FIELDS, read))
    event.saved_organiser_ids = frozenset(row[6] for row in rows if row[6] is not None)
    EventSession.event.field.set_cached_value(session, event)
    return session


# --- the ticket -------------------------------------------------------------------------------

REGISTRATION_FIELDS = ("id", "uuid", "event", "user", "full_name", "org_unit", "status")
UNIT_FIELDS = ("id", "name")
# The whole attendance row: a second scan is answered from it.
ATTENDANCE_FIELDS = tuple(f.name for f in Attendance._meta.concrete_fields)


@functools.cache
def _ticket_sql() -> str:
    registration = _columns(Registration, REGISTRATION_FIELDS)
    attendance = _columns(Attendance, ATTENDANCE_FIELDS)
    columns = [f"r.{f.column}" for f in registration] + ["u.name"] + [f"a.{f.column}" for f in attendance]
    return (
        f"SELECT {', '.join(columns)} "  # noqa: S608
        f"FROM {sql.table(Registration)} r "
        f"LEFT JOIN {sql.table(OrgUnit)} u ON u.id = r.org_unit_id "
        f"LEFT JOIN {sql.table(Attendance)} a ON a.registration_id = r.id AND a.session_id = %s "
        "WHERE r.uuid = %s"
    )


def ticket_registration(registration_uuid: uuid.UUID, session: EventSession) -> Registration | None:
    """The registration with this UUID (any event's), with its unit and its attendance in ``session``.

    One query: the attendance comes by a LEFT JOIN on its unique
    (registration, session), as ``door_attendance`` (None when there is
    none), so a second scan of the same ticket needs no other read. Fields a
    scan does not read are deferred (read on first use, as the ORM's ``only``).
    """
    uuid_field = Registration._meta.get_field("uuid")
    with connection.cursor() as cursor:
        cursor.execute(_ticket_sql(), [session.pk, uuid_field.get_db_prep_value(registration_uuid, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(REGISTRATION_FIELDS)
    registration = _instance(Registration, REGISTRATION_FIELDS, row[:width])
    unit = None
    if registration.org_unit_id is not None:
        read = {"id": registration.org_unit_id, "name": row[width]}
        unit = _instance(OrgUnit, UNIT_FIELDS, _in_order(OrgUnit, UNIT_FIELDS, read))
    Registration.org_unit.field.set_cached_value(registration, unit)
    attendance = None
    if row[width + 1] is not None:
        attendance = _instance(Attendance, ATTENDANCE_FIELDS, row[width + 1 :])
        Attendance.registration.field.set_cached_value(attendance, registration)
        Attendance.session.field.set_cached_value(attendance, session)
    registration.door_attendance = attendance
    return registration


# --- writing ----------------------------------------------------------------------------------

NONCE_COLUMNS = "(nonce, session_id, attendance_id, outcome, created_at)"


def keep_nonce(nonce: str, session: EventSession, attendance: Attendance | None, outcome: str) -> bool:
    """Keep a scan's nonce and answer in one statement; False when the nonce was already kept (a replay)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sql.table(ScanNonce)} {NONCE_COLUMNS} "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (nonce) DO NOTHING RETURNING id",
            [nonce, session.pk, attendance.pk if attendance else None, outcome, _now()],
        )
        return cursor.fetchone() is not None


def _now() -> object:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _insert(model: type[Model], instance: Model) -> tuple[str, list[object]]:
    """``INSERT INTO table (columns)`` for a new row of ``instance``, and its values as the ORM would send them."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    return f"INSERT INTO {sql.table(model)} ({columns})", values


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def log_entry(registration: Registration, session: EventSession, actor: User | None, after: dict) -> ModelLogEntry:
    """A check-in's history entry, as ``core.audit.audit`` writes it; its attendance id is filled on insert.

    Written without Wagtail's ``full_clean`` (a validation query per foreign
    key): the content type, the action (registered by events) and the usher
    are known here.
    """
    return ModelLogEntry(
        content_type=ContentType.objects.get_for_model(Registration, for_concrete_model=False),
        object_id=str(registration.pk),
        label=str(registration)[:255],
        action="events.attendance.check_in",
        timestamp=timezone.now(),
        user=actor,
        data={"session": session.pk, "attendance": None, "change": "create", "after": after},
    )


def insert_check_in(
    attendance: Attendance, entry: ModelLogEntry, nonce: str, tally: Counter[tallies.Key]
) -> tuple[Attendance, ModelLogEntry]:
    """Insert a first check-in: the attendance, its tallies, its history entry (``entry``, whose
    ``data["attendance"]`` gets the new id) and the scan's nonce ("" for none); all of it or nothing.

    A collision on a unique constraint (the same person or the same nonce,
    raced in by another request) raises ``IntegrityError`` and leaves nothing
    written. The models' signals are not sent: what they would do is moving
    the tallies, which is ``tally`` here (:func:`events.tallies.attendance_added`);
    ``tests/events/test_check_in_sql.py`` fails when anything else listens.
    """
    if connection.vendor == "postgresql":
        if connection.in_atomic_block:
            # A savepoint, so that a collision leaves the caller's transaction usable.
            with transaction.atomic():
                attendance_id, entry_id = _insert_at_once(attendance, entry, nonce, tally)
        else:
            # One statement is its own transaction: no BEGIN and COMMIT round trips.
            attendance_id, entry_id = _insert_at_once(attendance, entry, nonce, tally)
    else:
        with transaction.atomic():
            attendance_id, entry_id = _insert_one_by_one(attendance, entry, nonce, tally)
    for instance, pk in ((attendance, attendance_id), (entry, entry_id)):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, connection.alias
    attendance._tally_state = attendance.tally_state()
    entry.data["attendance"] = attendance_id
    return attendance, entry


def _insert_at_once(attendance: Attendance, entry: ModelLogEntry, nonce: str, tally: Counter) -> tuple[int, int]:
    """PostgreSQL: the four inserts as one statement (data-modifying ``WITH``), each row fed the attendance's id."""
    insert, params = _insert(Attendance, attendance)
    statement = [f"WITH a AS ({insert} VALUES ({_placeholders(params)}) RETURNING id)"]
    upsert = tallies.upsert(tally)
    if upsert is not None:
        statement.append(f", t AS ({upsert[0]})")
        params += upsert[1]
    if nonce:
        nonces = sql.table(ScanNonce)
        statement.append(f", n AS (INSERT INTO {nonces} {NONCE_COLUMNS} SELECT %s, %s, a.id, %s, %s FROM a)")  # noqa: S608
        params += [nonce, attendance.session_id, "ok", _now()]
    insert, values = _insert(ModelLogEntry, entry)
    data = _columns(ModelLogEntry, ("data",))[0]
    fields = [f for f in ModelLogEntry._meta.concrete_fields if not f.primary_key]
    selected = ", ".join("(%s::jsonb || jsonb_build_object('attendance', a.id))" if f is data else "%s" for f in fields)
    statement.append(f", l AS ({insert} SELECT {selected} FROM a RETURNING id) SELECT a.id, l.id FROM a, l")  # noqa: S608
    params += values
    with connection.cursor() as cursor:
        cursor.execute("".join(statement), params)
        return cursor.fetchone()


def _insert_one_by_one(attendance: Attendance, entry: ModelLogEntry, nonce: str, tally: Counter) -> tuple[int, int]:
    """Other databases (SQLite, in process: no round trips to save): the same rows, a statement each."""
    with connection.cursor() as cursor:
        insert, values = _insert(Attendance, attendance)
        cursor.execute(f"{insert} VALUES ({_placeholders(values)})", values)
        attendance_id = connection.ops.last_insert_id(cursor, Attendance._meta.db_table, "id")
        upsert = tallies.upsert(tally)
        if upsert is not None:
            cursor.execute(*upsert)
        entry.data["attendance"] = attendance_id
        insert, values = _insert(ModelLogEntry, entry)
        cursor.execute(f"{insert} VALUES ({_placeholders(values)})", values)
        entry_id = connection.ops.last_insert_id(cursor, ModelLogEntry._meta.db_table, "id")
        if nonce:
            cursor.execute(
                f"INSERT INTO {sql.table(ScanNonce)} {NONCE_COLUMNS} VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                [nonce, attendance.session_id, attendance_id, "ok", _now()],
            )
    return attendance_id, entry_id
