"""Storage of sampled values, whatever message carried them (MeterValues, TransactionEvent, 1.6
StopTransaction transactionData).

Readings are queued on the batch by the event applying them and written once per chunk
(``flush_samples``). A reading is identified within its session, or within its EVSE (connector) when
it belongs to no session: two EVSEs sampling at the same second both keep their readings, and a
replayed message adds nothing.
"""

from ...lib import ev_ocpp
from ..ev_bulk import insert_rows


def store_samples(batch, charger, connector, session, samples, received):
    """Queue the readings of one event (written by ``flush_samples`` at the end of the chunk)."""
    earliest = ev_ocpp.to_naive_utc(ev_ocpp.EARLIEST_PLAUSIBLE)
    for sample in samples:
        stamp = ev_ocpp.to_naive_utc(sample.timestamp)
        if stamp < earliest:
            stamp = ev_ocpp.to_naive_utc(received)
            if session:
                session.clock_fixed = True
        batch.samples.append(
            {
                "charger_id": charger.id,
                "connector_id": connector.id if connector else False,
                "session_id": session.id if session else False,
                "timestamp": stamp,
                "measurand": sample.measurand,
                "phase": sample.phase or False,
                "context": sample.context or False,
                "location": sample.location or False,
                "value": float(sample.value),
                "unit": sample.unit or False,
            }
        )


def reading_key(row):
    """What makes a reading unique: its session (else its EVSE's connector), time, measurand, phase,
    location and context (a Transaction.Begin reading and a periodic one may share their second)."""
    scope = ("session", row["session_id"]) if row["session_id"] else ("connector", row["connector_id"] or 0)
    return (
        row["charger_id"],
        scope,
        row["timestamp"],
        row["measurand"],
        row["phase"] or "",
        row["location"] or "",
        row["context"] or "",
    )


def flush_samples(batch):
    """Create the queued readings not stored yet (one query finds those already stored) and note each
    charger's highest register (written once, when the batch settles: IngestBatch.settle)."""
    vals_list, batch.samples = batch.samples, []
    if not vals_list:
        return
    MeterValue = batch.env["ev.meter.value"]
    existing = MeterValue.search_read(
        [
            ("charger_id", "in", list({v["charger_id"] for v in vals_list})),
            ("timestamp", "in", list({v["timestamp"] for v in vals_list})),
        ],
        ["charger_id", "session_id", "connector_id", "timestamp", "measurand", "phase", "location", "context"],
        load=None,
    )
    known = {reading_key(row) for row in existing}
    new, registers = [], {}
    for vals in vals_list:
        key = reading_key(vals)
        if key in known:
            continue
        known.add(key)
        new.append(vals)
        if vals["measurand"] == ev_ocpp.ENERGY_REGISTER and not vals["phase"]:
            registers[vals["charger_id"]] = max(registers.get(vals["charger_id"], 0.0), vals["value"])
    if new:
        insert_rows(batch.env, "ev.meter.value", new)
        batch.env["ev.session"].invalidate_model(["meter_value_ids"])
    for charger_id, value in registers.items():
        batch.registers[charger_id] = max(batch.registers.get(charger_id, 0.0), value)
