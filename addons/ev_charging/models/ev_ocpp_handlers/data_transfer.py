"""Functional block P (data transfer): vendor messages are kept as events, nothing is applied."""

from odoo import _

from ..ev_batch import EventRejected


def data_transfer(batch, event):
    if not event.payload.get("vendorId"):
        raise EventRejected(_("DataTransfer without vendorId"))
    return None


HANDLERS = {"DataTransfer": data_transfer}
