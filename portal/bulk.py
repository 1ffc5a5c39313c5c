"""Fast bulk inserts for the demo generator and the benchmark.

On PostgreSQL, ``bulk_insert`` and ``copy_rows`` take their ids from the
table's sequence in one query and send the rows with ``COPY … FROM STDIN``:
no per-row SQL to compile, no ``RETURNING`` to read back, about five times
the rows per second of ``bulk_create``. Elsewhere (SQLite, the embedded
default) they fall back to ``bulk_create``. Like ``bulk_create`` they send
no signals and call no ``save()``; triggers and constraints still run.

``RowCounter`` counts the rows inserted while it is active (``INSERT`` and
``COPY`` alike), for the generator's rows-per-second figure.
"""

import datetime
import decimal
import io
import json
import uuid
from contextlib import contextmanager

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.dispatch import Signal

#: Sent after each ``COPY`` (``table``): the rows went round Django's cursor,
#: so its execute wrappers (the dashboards' write watch) did not see them.
rows_copied = Signal()

BATCH = 5000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_counters = []
_quiet = [0]  # >0 while a fallback bulk_create counts its rows itself


class RowCounter:
    """Count rows inserted on the default connection while in the block."""

    def __init__(self):
        self.rows = 0

    def __enter__(self):
        _counters.append(self)
        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        _counters.remove(self)

    def _count(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not _quiet[0] and sql.lstrip()[:6].upper() == "INSERT":
            self.rows += max(context["cursor"].rowcount, 0)
        return result


def _counted(n):
    for counter in _counters:
        counter.rows += n


def _text(value):
    """Return ``value`` in COPY's text format (already a db-ready value)."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is float or kind is decimal.Decimal:
        return str(value)
    if kind is datetime.datetime:
        if value.tzinfo is None:
            raise ValueError("naive datetime %r in a bulk insert" % value)
        return value.isoformat()
    if kind is datetime.date or kind is datetime.time:
        return value.isoformat()
    if kind is uuid.UUID:
        return str(value)
    return str(value).translate(_ESCAPES)


def _int_text(value):
    return "\\N" if value is None else str(value)


def _str_text(value):
    return "\\N" if value is None else value.translate(_ESCAPES)


def _datetime_text(value):
    if value is None:
        return "\\N"
    if value.tzinfo is None:
        raise ValueError("naive datetime %r in a bulk insert" % value)
    return value.isoformat()


def _date_text(value):
    return "\\N" if value is None else value.isoformat()


_TEXT_BY_TYPE = {
    "AutoField": _int_text,
    "BigAutoField": _int_text,
    "IntegerField": _int_text,
    "BigIntegerField": _int_text,
    "SmallIntegerField": _int_text,
    "PositiveIntegerField": _int_text,
    "PositiveBigIntegerField": _int_text,
    "PositiveSmallIntegerField": _int_text,
    "CharField": _str_text,
    "TextField": _str_text,
    "SlugField": _str_text,
    "EmailField": _str_text,
    "DateTimeField": _datetime_text,
    "DateField": _date_text,
}


def _converter(field):
    """Return a function turning the field's Python value into COPY text."""
    if field.is_relation:
        field = field.target_field
    internal = field.get_internal_type()
    if internal == "JSONField":
        encoder = field.encoder or DjangoJSONEncoder

        def json_text(value):
            if value is None:
                return "\\N"
            return json.dumps(value, cls=encoder).translate(_ESCAPES)

        return json_text
    if internal in ("DurationField", "BinaryField", "ArrayField"):

        def prepared(value):
            return _text(field.get_db_prep_save(value, connection))

        return prepared
    if internal in _TEXT_BY_TYPE and not field.choices:
        return _TEXT_BY_TYPE[internal]
    return _text


def _sequence_ids(table, column, count):
    """Take ``count`` ids from the column's sequence (named once per table)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [sequence, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table, columns, lines):
    qn = connection.ops.quote_name
    sql = "COPY %s (%s) FROM STDIN" % (qn(table), ", ".join(qn(c) for c in columns))
    buffer = io.StringIO("\n".join(lines) + "\n")
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, buffer)
    rows_copied.send(sender=None, table=table)
    _counted(len(lines))


def _bulk_create(model, objs, batch_size):
    """``bulk_create``, counting its rows (SQLite reports none with RETURNING)."""
    _quiet[0] += 1
    try:
        model.objects.bulk_create(objs, batch_size=batch_size)
    finally:
        _quiet[0] -= 1
    _counted(len(objs))


def bulk_insert(model, objs, *, batch_size=BATCH):
    """Insert unsaved model instances, set their pks and return them.

    Fields are read as ``bulk_create`` reads them (``pre_save``, so
    ``auto_now`` and defaults apply; related objects saved since they were
    assigned give their pk).
    """
    objs = list(objs)
    if not objs:
        return objs
    opts = model._meta
    if connection.vendor != "postgresql" or opts.parents:
        _bulk_create(model, objs, batch_size)
        return objs
    pk = opts.pk
    fields = [f for f in opts.concrete_fields if f is not pk]
    relations = [f for f in fields if f.is_relation]
    stamped = [
        f
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    plain = [(f.attname, _converter(f)) for f in fields]
    missing = [o for o in objs if o.pk is None]
    for obj, new_id in zip(
        missing, _sequence_ids(opts.db_table, pk.column, len(missing)), strict=True
    ):
        setattr(obj, pk.attname, new_id)
    columns = [pk.column] + [f.column for f in fields]
    for start in range(0, len(objs), batch_size):
        lines = []
        for obj in objs[start : start + batch_size]:
            cache = obj._state.fields_cache
            for f in relations:
                related = cache.get(f.name)
                if related is not None and getattr(obj, f.attname) is None:
                    if related.pk is None:
                        raise ValueError(
                            "%s.%s points at an unsaved object"
                            % (model.__name__, f.name)
                        )
                    setattr(obj, f.attname, related.pk)
            for f in stamped:
                f.pre_save(obj, True)
            values = [str(obj.pk)]
            values.extend(convert(getattr(obj, attname)) for attname, convert in plain)
            lines.append("\t".join(values))
            obj._state.adding = False
            obj._state.db = connection.alias
        _copy(opts.db_table, columns, lines)
    return objs


def copy_rows(model, fields, rows, *, batch_size=BATCH):
    """Insert rows of column values (``fields`` order, db-ready values).

    Return the new ids in row order. For the biggest tables, where even model
    instances cost too much.
    """
    if not rows:
        return []
    opts = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        _bulk_create(model, objs, batch_size)
        return [o.pk for o in objs]
    converters = [_converter(opts.get_field(name)) for name in fields]
    columns = [opts.pk.column] + [opts.get_field(name).column for name in fields]
    ids = _sequence_ids(opts.db_table, opts.pk.column, len(rows))
    for start in range(0, len(rows), batch_size):
        lines = [
            "\t".join(
                [str(ids[start + i])]
                + [c(v) for c, v in zip(converters, row, strict=True)]
            )
            for i, row in enumerate(rows[start : start + batch_size])
        ]
        _copy(opts.db_table, columns, lines)
    return ids


@contextmanager
def loading(*, trust_keys=False):
    """Set the session up for a bulk load on PostgreSQL; undo it afterwards.

    Commits do not wait for the disk (demo data can be made again). With
    ``trust_keys`` the session also skips triggers, so foreign keys are not
    checked row by row at each commit (as ``pg_restore --disable-triggers``
    does; it needs a superuser and is skipped without one): call
    ``foreign_key_problems()`` afterwards to check them all set-based. Yield
    whether the triggers are off.
    """
    if connection.vendor != "postgresql":
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        replica = False
        if trust_keys:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET session_replication_role TO replica")
                replica = True
    try:
        yield replica
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")
            if replica:
                cursor.execute("SET session_replication_role TO DEFAULT")


def foreign_key_problems():
    """Return ``[(table, column, rows)]`` of foreign keys pointing nowhere.

    One scan per table, every key of it checked by an anti-join: what the
    per-row triggers would have checked, at a fraction of the cost.
    """
    from django.apps import apps

    qn = connection.ops.quote_name
    problems = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if not opts.managed or opts.proxy:
            continue
        keys = [
            f
            for f in opts.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
            if getattr(f, "db_constraint", False) and f.related_model is not None
        ]
        if not keys:
            continue
        joins, checks = [], []
        for i, f in enumerate(keys):
            target = f.target_field
            alias = f"p{i}"
            joins.append(
                "LEFT JOIN %s %s ON %s.%s = c.%s"
                % (
                    qn(f.related_model._meta.db_table),
                    alias,
                    alias,
                    qn(target.column),
                    qn(f.column),
                )
            )
            checks.append(
                "count(*) FILTER (WHERE c.%s IS NOT NULL AND %s.%s IS NULL)"
                % (qn(f.column), alias, qn(target.column))
            )
        sql = "SELECT %s FROM %s c %s" % (  # noqa: S608 (names from the models)
            ", ".join(checks),
            qn(opts.db_table),
            " ".join(joins),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            counts = cursor.fetchone()
        problems.extend(
            (opts.db_table, f.column, n) for f, n in zip(keys, counts, strict=True) if n
        )
    return problems
