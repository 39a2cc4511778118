"""OCPP event handlers, one module per OCPP functional block.

Each module exports ``HANDLERS = {action: handler}``; a handler is ``handler(batch, event)`` (see
..ev_batch: the ``IngestBatch`` and the ``Event`` being applied) and returns the ev.session it touched,
or None. It raises ValueError/KeyError/TypeError for a payload that contradicts the schema and
EventRejected for an event that cannot be applied: the event is then rejected, alone.

``ev.ocpp.event._ocpp_handlers()`` returns the table; an addon adding actions extends that method.
"""

from . import (
    authorization,
    availability,
    connection,
    data_transfer,
    firmware_diagnostics,
    meter_values,
    provisioning,
    readings,
    reservations,
    security,
    smart_charging,
    transactions,
)

HANDLERS = {
    **connection.HANDLERS,  # the bridge's pseudo-action
    **provisioning.HANDLERS,  # B: BootNotification
    **availability.HANDLERS,  # G: Heartbeat, StatusNotification; N: NotifyEvent (availability)
    **authorization.HANDLERS,  # C: Authorize
    **transactions.HANDLERS,  # E: TransactionEvent; 1.6 StartTransaction / StopTransaction
    **meter_values.HANDLERS,  # J: MeterValues
    **firmware_diagnostics.HANDLERS,  # L, N: firmware and log upload status
    **security.HANDLERS,  # A: SecurityEventNotification
    **data_transfer.HANDLERS,  # P: DataTransfer
    **smart_charging.HANDLERS,  # K: NotifyChargingLimit, ClearedChargingLimit
    # H: ReservationStatusUpdate; E's StartTransaction / TransactionEvent wrapped so that a reservationId
    # marks its reservation used (last: it replaces those two entries of transactions.HANDLERS)
    **reservations.HANDLERS,
}


def flush_chunk(batch):
    """The end of a chunk of events (in its savepoint): sessions made for it that no event took are
    deleted, then the queued readings are written. (The sessions' sequence numbers wait for their
    pipeline's write: IngestBatch.pending_session_vals.)"""
    transactions.drop_unused_sessions(batch)
    readings.flush_samples(batch)
