"""Functional block J (meter values): MeterValues of both versions (storage: readings.py)."""

from ...lib import ev_ocpp_messages
from .readings import store_samples
from .transactions import find_session


def meter_values(batch, event):
    charger = event.charger
    report = ev_ocpp_messages.meter_values(event.payload, event.version)
    connector = batch.connector(charger, report.evse_id, 1) if report.evse_id else None
    session = batch.env["ev.session"]
    if report.transaction_id is not None:
        session, _created = find_session(batch, charger, report.transaction_id, connector, create=False)
    if not session and connector:
        session = batch.env["ev.session"].search(
            [("connector_id", "=", connector.id), ("state", "=", "active")], order="start_time desc", limit=1
        )
    store_samples(batch, charger, connector, session, report.samples, event.received)
    if session:
        batch.touch(session, session.state == "completed")
    return session or None


HANDLERS = {"MeterValues": meter_values}
