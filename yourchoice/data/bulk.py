"""Writing many rows of a model at once with PostgreSQL's COPY, for an import's hundred thousand
records (casework/imports/services.py).

`bulk_create` builds a model instance for every row and prepares each value through its field,
which for the programme's history is most of the save's time; COPY takes the rows as text in one
stream. The ids are taken from the table's own sequence first (`reserve_ids`), so the rows that
refer to a record (a session's ratings, every record's audit event) can be written with it.

Each value is written as its field stores it: the row is given by attribute name (`coach_id`),
and a field left out gets its model default, as a new instance would, or the database's own
default. It runs in the caller's transaction, and the database's constraints check every row as
they check an INSERT; an error is Django's (IntegrityError), as from `bulk_create`.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connections, models
from django.db.models.fields import NOT_PROVIDED

#: Rows sent per COPY: enough to make each statement's cost nothing, few enough that the text
#: of one batch stays a few megabytes.
ROWS_PER_COPY = 10_000

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def reserve_ids(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """`count` new ids of the model's table, from its sequence, in the order given."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _text(value: str) -> str:
    return value.translate(_ESCAPES)


def _array(value: Sequence[Any]) -> str:
    inner = ",".join(
        "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
        for v in value
    )
    return "{" + inner + "}"


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], str]:
    """How one field's value is written in COPY's text format."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        encoder = getattr(field, "encoder", None)
        return lambda v: _text(json.dumps(v, cls=encoder))
    if kind == "ArrayField":
        return lambda v: _text(_array(v))
    if kind == "BooleanField":
        return lambda v: "t" if v else "f"
    if kind in ("DateTimeField", "DateField"):
        return lambda v: v.isoformat() if isinstance(v, date | datetime) else _text(str(v))
    if kind == "UUIDField":
        return lambda v: str(v) if isinstance(v, uuid.UUID) else str(uuid.UUID(str(v)))
    if kind in ("ForeignKey", "OneToOneField") or kind.endswith(("IntegerField", "AutoField")):
        return lambda v: str(int(v))
    if kind in ("CharField", "TextField", "GenericIPAddressField", "EmailField", "SlugField"):
        return lambda v: _text(str(v))
    raise TypeError(f"COPY does not know how to write a {kind} ({field.name}).")


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    using: str = "default",
) -> int:
    """Write `rows` (values in the order of `columns`, attribute names) to the model's table.
    Every other field gets what a new instance would have (its default, evaluated for each row
    when it is a callable, or "" or None), or the database's own default."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    given = [by_attname[c] for c in columns]
    missing = [f for f in model._meta.concrete_fields if f.attname not in columns]
    defaults: list[models.Field[Any, Any]] = []
    for field in missing:
        if field.primary_key or (not field.has_default() and field.db_default is not NOT_PROVIDED):
            continue  # the sequence, or the database's own default, gives it
        defaults.append(field)  # as a new instance has it: its default, "" or None
    fields = given + defaults
    converters = [_converter(f) for f in fields]
    names = ", ".join(connections[using].ops.quote_name(str(f.column)) for f in fields)
    statement = (
        f"COPY {connections[using].ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    )
    written = 0
    buffer = io.StringIO()
    count = 0

    def send() -> None:
        nonlocal buffer, count
        if not count:
            return
        buffer.seek(0)
        connection = connections[using]
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.copy_expert(statement, buffer)  # the driver's own cursor
        buffer = io.StringIO()
        count = 0

    for row in rows:
        values = [*row, *(f.get_default() for f in defaults)] if defaults else row
        buffer.write(
            "\t".join(
                NULL if v is None else convert(v)
                for v, convert in zip(values, converters, strict=True)
            )
        )
        buffer.write("\n")
        count += 1
        written += 1
        if count >= ROWS_PER_COPY:
            send()
    send()
    return written
