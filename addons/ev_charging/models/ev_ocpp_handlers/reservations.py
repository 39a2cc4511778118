"""Functional block H (reservation): 2.0.1 ReservationStatusUpdate (Expired / Removed), and the
reservation a transaction uses: a 1.6 StartTransaction or a 2.0.1 TransactionEvent carrying a
``reservationId`` marks that reservation used and links it to the session.

The transaction handlers of block E are wrapped here (``with_reservation``), so transactions.py
stays about sessions; the table in __init__ registers the wrapped ones.
"""

from ...lib import ev_ocpp
from ...lib.ev_ocpp_messages import integer, text
from . import transactions


def _reservation(batch, charger, reservation_id):
    return batch.env["ev.reservation"].search([("id", "=", reservation_id), ("charger_id", "=", charger.id)])


def reservation_status_update(batch, event):
    payload = event.payload
    reservation_id = integer(payload["reservationId"], "reservationId")
    status = text(payload["reservationUpdateStatus"], "reservationUpdateStatus")
    # a reservation Odoo does not know (made by another system) is only kept as the event
    _reservation(batch, event.charger, reservation_id)._station_update(status, ev_ocpp.to_naive_utc(event.received))
    return None


def with_reservation(handler):
    """``handler`` (a transaction handler), then the reservation its message names is used."""

    def apply(batch, event):
        session = handler(batch, event)
        reservation_id = event.payload.get("reservationId")
        if reservation_id is not None and session:
            reservation = _reservation(batch, event.charger, integer(reservation_id, "reservationId"))
            reservation._consume(session, session.start_time or ev_ocpp.to_naive_utc(event.received))
        return session

    apply.__name__ = handler.__name__
    apply.__doc__ = handler.__doc__
    return apply


HANDLERS = {
    "ReservationStatusUpdate": reservation_status_update,
    "StartTransaction": with_reservation(transactions.start_transaction),
    "TransactionEvent": with_reservation(transactions.transaction_event),
}
