"""One multi-row INSERT for the append-only tables ingestion writes at volume (ev.ocpp.event,
ev.ocpp.message, ev.meter.value): no per-row ORM work. The rows carry every stored column themselves
(related/computed stored columns included): a field added to these models with a stored computed
value must be filled by the caller too.
"""

import json

from odoo.tools import SQL

AUDIT_COLUMNS = ("create_uid", "write_uid", "create_date", "write_date")


def _column_value(field, value):
    if field.type == "json":
        return None if value is None or value is False else json.dumps(value, ensure_ascii=False, default=str)
    if field.type == "boolean":
        return bool(value)
    return None if value is False else value


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
    # one "(%s, %s::jsonb, ...)" per row: the placeholders depend only on the fields' types
    template = "({}, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')".format(
        ", ".join("%s::jsonb" if field.type == "json" else "%s" for field in fields)
    )
    values = SQL(", ").join(
        SQL(template, *[_column_value(f, row[f.name]) for f in fields], env.uid, env.uid) for row in rows
    )
    query = SQL(
        "INSERT INTO %s (%s) VALUES %s %s RETURNING id",
        SQL.identifier(Model._table),
        SQL(", ").join(SQL.identifier(name) for name in [*names, *AUDIT_COLUMNS]),
        values,
        SQL("ON CONFLICT (%s) DO NOTHING", SQL.identifier(conflict)) if conflict else SQL(""),
    )
    env.cr.execute(query)
    ids = [row[0] for row in env.cr.fetchall()]
    Model.invalidate_model()
    return ids
