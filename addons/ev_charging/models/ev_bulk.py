"""Bulk SQL for ingestion.

* ``insert_rows``: one multi-row INSERT for the append-only tables ingestion writes at volume
  (ev.ocpp.event, ev.ocpp.message, ev.meter.value): no per-row ORM work. The rows carry every stored
  column themselves (related/computed stored columns included): a field added to these models with a
  stored computed value must be filled by the caller too.
* ``write_each``: each record its own values (a session's sequence number, energy, estimate), with the
  ORM's work done once per field for all of them instead of once per record.
* ``lock_free_rows``: the rows a transaction may change without waiting for, or conflicting with, a
  concurrent one (a node's outbox lanes and its wake-up pulls run in parallel).
"""

import json
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo.tools import SQL

AUDIT_COLUMNS = ("create_uid", "write_uid", "create_date", "write_date")
LOG_ACCESS = ("write_uid", "write_date")


def insert_rows(env, model_name, rows, conflict=None):
    """INSERT ``rows`` (dicts with the same keys: field name -> value as for create()) into the table of
    ``model_name`` in one statement; ``conflict``: a column whose duplicates are skipped (ON CONFLICT DO
    NOTHING). Returns the new ids in the order of ``rows`` (skipped rows have none)."""
    if not rows:
        return []
    Model = env[model_name]
    Model.flush_model()
    names = list(rows[0])
    fields = [Model._fields[name] for name in names]
    # one "(%s, %s::jsonb, ..., uid, uid, now, now)" per row, the values as one flat list: psycopg2
    # binds them in C (an SQL object per row cost as much as the INSERT itself)
    uid = int(env.uid)
    row_sql = "({}, {}, {}, now() at time zone 'UTC', now() at time zone 'UTC')".format(
        ", ".join("%s::jsonb" if field.type == "json" else "%s" for field in fields), uid, uid
    )
    converters = [_converter(field) for field in fields]
    params = [convert(row[name]) for row in rows for name, convert in zip(names, converters, strict=True)]
    query = "INSERT INTO {} ({}) VALUES {} {} RETURNING id".format(
        _quoted(Model._table),
        ", ".join(_quoted(name) for name in [*names, *AUDIT_COLUMNS]),
        ", ".join([row_sql] * len(rows)),
        f"ON CONFLICT ({_quoted(conflict)}) DO NOTHING" if conflict else "",
    )
    env.cr.execute(query, params)
    ids = [row[0] for row in env.cr.fetchall()]
    Model.invalidate_model()
    return ids


def write_each(records_vals):
    """Write ``[(record, vals)]`` (records of one model, each once) as ``record.write(vals)`` for each would,
    with the ORM's work done once per field rather than once per record: the access checks, the cache
    (values marked to be written: the next flush writes them with one UPDATE per 100 rows), write_uid and
    write_date, the dependents, the constraints, the company check of the many2one values written. For the
    values ingestion changes at every batch. Plain stored fields and many2one fields only: a record whose
    values touch any other field (x2many, computed, inverse, translated, tracked, company-dependent) goes
    through ``write()``."""
    bulk = []
    for record, vals in records_vals:
        if vals and all(_writable_in_bulk(record._fields[name]) for name in vals):
            bulk.append((record, vals))
        elif vals:
            record.write(vals)
    if not bulk:
        return
    Model = bulk[0][0].browse()
    records = Model.browse([record.id for record, _vals in bulk])
    assert len(records) == len(bulk), "write_each: a record given twice"
    if Model._log_access:  # write_uid and write_date, as write() sets them
        magic = {"write_uid": Model.env.uid, "write_date": Model.env.cr.now()}
        bulk = [(record, {**magic, **vals}) for record, vals in bulk]
    fnames = set().union(*(vals for _record, vals in bulk))
    relational = [name for name in fnames if Model._fields[name].type == "many2one"]
    records.check_access("write")
    records.check_field_access_rights("write", [name for name in fnames if name not in LOG_ACCESS])
    records.modified(relational, before=True)
    # many2one values first (the ORM's own field write, per value: it keeps the inverse one2many caches),
    # then the others: a monetary value is rounded with its record's currency, which may be among them
    by_value = defaultdict(list)
    for record, vals in bulk:
        for name in relational:
            if name in vals:
                by_value[name, Model._fields[name].convert_to_cache(vals[name], record)].append(record.id)
    for (name, value), ids in by_value.items():
        Model._fields[name].write(Model.browse(ids), value)
    by_field = defaultdict(lambda: ([], []))
    for record, vals in bulk:
        for name, value in vals.items():
            if name not in relational:
                ids, values = by_field[name]
                ids.append(record.id)
                values.append(record._fields[name].convert_to_cache(value, record))
    for name, (ids, values) in by_field.items():
        Model.env.cache.update(Model.browse(ids), Model._fields[name], values, dirty=True)
    records.modified(fnames)
    records._validate_fields(fnames)
    checked = [name for name in relational if Model._fields[name].check_company]
    if checked and Model._check_company_auto:
        records._check_company(checked)


def _writable_in_bulk(field):
    return (
        field.store
        and field.column_type
        and (not field.relational or (field.type == "many2one" and not field.delegate))
        and not field.compute
        and not field.inverse
        and not field.translate
        and not field.company_dependent
        and not getattr(field, "tracking", None)
    )


def _quoted(identifier):
    assert identifier.replace("_", "").isalnum(), identifier  # table and field names only
    return f'"{identifier}"'


def _converter(field):
    if field.type == "json":
        return _json_text
    if field.type == "boolean":
        return bool
    return _none_for_false


def _json_text(value):
    return None if value is None or value is False else json.dumps(value, ensure_ascii=False, default=str)


def _none_for_false(value):
    return None if value is False else value


def set_fillfactor(cr, table, percent):
    """Leave ``100 - percent`` % of each new page of ``table`` free, so that updating a row can keep the
    new version in the same page without touching its indexes (a HOT update): for the rows ingestion
    updates at every batch (sessions, chargers). Only when it is not set yet (ALTER TABLE locks)."""
    cr.execute("SELECT reloptions FROM pg_class WHERE relname = %s AND relkind = 'r'", [table])
    row = cr.fetchone()
    if row and f"fillfactor={percent}" not in (row[0] or []):
        cr.execute(SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(table), percent))


def drop_indexes(cr, names):
    """Drop the indexes ``names`` if they exist (indexes an older version created: Odoo keeps them)."""
    for name in names:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


def lock_free_rows(cr, table, ids):
    """The ids among ``ids`` of ``table`` this transaction has locked for update (``FOR NO KEY UPDATE SKIP
    LOCKED``): a row another transaction holds is left to it, without waiting. A row a transaction
    committed since this one's snapshot changed makes PostgreSQL refuse the lot (REPEATABLE READ): then
    none is returned, the caller leaves them all for later, and the transaction goes on. Logs no error."""
    if not ids:
        return []
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED", SQL.identifier(table), tuple(ids)
                ),
                log_exceptions=False,
            )
            return [row[0] for row in cr.fetchall()]
    except pg_errors.SerializationFailure:
        return []
