"""Hand-written SQL for the hottest requests, reading and writing values exactly as the ORM does.

Compiling a query costs the ORM more than the database spends answering it
when a request runs every few seconds per person (an answer's autosave, the
question page). Such requests may write their statement by hand; these
helpers keep what goes in and comes out identical to the ORM's: the model
fields' own preparation for parameters (a JSON answer is encoded as
``JSONField`` encodes it), and the backend's and fields' converters for
results (SQLite's datetimes made aware, its decimals and UUIDs, JSON decoded).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model

# Per database connection (each thread has its own): statements and decoders built once, not per request.
_built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def once(name: str, build: Callable[[], object]):
    """``build()``'s value for this connection, built on first use: a statement's text or a ``decoder``."""
    built = _built.setdefault(connections[DEFAULT_DB_ALIAS], {})
    if name not in built:
        built[name] = build()
    return built[name]


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str, alias: str = "") -> str:
    """``alias.column`` of a field, quoted for this database."""
    quoted = connection.ops.quote_name(model._meta.get_field(name).column)
    return f"{alias}.{quoted}" if alias else quoted


def param(model: type[Model], name: str, value):
    """``value`` as the ORM sends it to the database for this field (a save's preparation)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def decoder(fields: Sequence[Field | None]):
    """A function turning a result row into values as the ORM reads them; ``None`` for a column left as is."""
    plan = []
    for index, field in enumerate(fields):
        if field is None:
            continue
        col = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            plan.append((index, converters, col))

    def decode(row: Iterable) -> list:
        values = list(row)
        for index, converters, col in plan:
            value = values[index]
            for converter in converters:
                value = converter(value, col, connection)
            values[index] = value
        return values

    return decode


def fields(model: type[Model], *names: str) -> list[Field]:
    return [model._meta.get_field(name) for name in names]
