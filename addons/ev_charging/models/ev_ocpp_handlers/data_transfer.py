"""Functional block P (data transfer): vendor messages are kept as events, nothing is applied."""

from ..ev_batch import EventRejected


def data_transfer(batch, event):
    if not event.payload.get("vendorId"):
        raise EventRejected(batch.env._("DataTransfer without vendorId"))
    return None


HANDLERS = {"DataTransfer": data_transfer}
