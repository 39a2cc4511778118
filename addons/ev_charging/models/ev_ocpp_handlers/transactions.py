"""Functional block E (transactions): 2.0.1 TransactionEvent, 1.6 StartTransaction and StopTransaction.

The three messages are read into one ev_ocpp_messages.TransactionUpdate and applied by the same code
(``apply_transaction``): the session, its state and times, its meter start and stop (the one path both
versions take to the energy rules), its id token and its readings.
"""

from ...lib import ev_ocpp, ev_ocpp_messages
from ...lib.ev_ocpp_messages import ENDED, STARTED
from .readings import store_samples

#: how each transaction message is read into a TransactionUpdate
READERS = {
    "TransactionEvent": lambda event: ev_ocpp_messages.transaction_event(event.payload),
    "StartTransaction": lambda event: ev_ocpp_messages.start_transaction(event.payload, event.response),
    "StopTransaction": lambda event: ev_ocpp_messages.stop_transaction(event.payload),
}


def read_update(event):
    """The TransactionUpdate of a transaction event, read once and kept on the event (a chunk replayed
    event by event does not read it again)."""
    if event.update is None:
        event.update = READERS[event.action](event)
    return event.update


def create_sessions(batch, events):
    """Create in one go the sessions the transaction events of a chunk will look for and not find (one
    ORM create for the chunk instead of one per session). ``find_session`` hands each over as created
    to the first event of its transaction. An event that cannot be read is left to its handler, which
    rejects it; the sessions are created in the chunk's savepoint, so a rolled-back chunk takes them
    back (IngestBatch.restore) and its replay creates them one by one. The id tokens the events name
    are read too, in one query (``read_tokens``), since their updates are read here anyway."""
    vals_list, pairs, tokens = [], {}, set()
    for event in events:
        if event.action not in READERS or not event.charger:
            continue
        try:
            update = read_update(event)
            pair = (event.charger.id, ev_ocpp_messages.transaction_id(update.transaction_id))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if update.id_token:
            tokens.add(update.id_token)
        if pair not in batch.looked_up or pair in batch.known or pair in batch.created or pair in pairs:
            continue
        pairs[pair] = True
        # no connector yet: until its event is applied, the session is found by no connector's search
        # (MeterValues without a transaction id, a connector's active session); that event sets it
        vals_list.append({"charger_id": pair[0], "transaction_id": pair[1], **_start_vals(batch, event, update)})
    if vals_list:
        sessions = batch.env["ev.session"].create(vals_list)
        for pair, session in zip(pairs, sessions, strict=True):
            batch.created[pair] = session.id
            batch.fresh.add(pair)
    read_tokens(batch, tokens)


def read_tokens(batch, values):
    """The id tokens of ``values`` (those the batch has not read yet), read in one query for ``link_token``:
    {value: its tokens, any company, any type}. No event of a batch creates a token."""
    values = [value for value in values if value not in batch.tokens]
    if not values:
        return
    found = batch.env["ev.id.token"].search([("value", "in", values)], order="id")
    by_value = {value: [] for value in values}
    for token in found:
        by_value[token.value].append(token.id)
    Token = batch.env["ev.id.token"]
    batch.tokens.update({value: Token.browse(ids).with_prefetch(found.ids) for value, ids in by_value.items()})


def _start_vals(batch, event, update):
    """What a Started event gives its new session that no search by connector depends on, given at its
    creation rather than written by the event (the same values: ``_session_vals`` then finds them set):
    the session's stored fields computed from its start are computed once."""
    if update.kind != STARTED:
        return {}
    when, fixed = batch.ts(update.timestamp, event.received)
    vals = {"start_time": when}
    if fixed:
        vals["clock_fixed"] = True
    if update.offline:
        vals["offline"] = True
    if update.remote_start_id:
        vals["remote_start_id"] = update.remote_start_id
    if update.meter_start is not None:
        vals.update({"has_meter_start": True, "meter_start_reported": float(update.meter_start)})
    return vals


def drop_unused_sessions(batch):
    """Sessions ``create_sessions`` made that no event took (a handler an addon replaced may not look
    its session up): deleted, so that a chunk leaves no empty session behind."""
    if batch.fresh:
        unused = [batch.created.pop(pair) for pair in batch.fresh]
        batch.fresh = set()
        batch.env["ev.session"].browse(unused).unlink()


def find_session(batch, charger, transaction_id, connector=None, create=True):
    """(session, created) of the charger's transaction; created on first sight when ``create`` (or
    made for the chunk by ``create_sessions``: created all the same)."""
    Session = batch.env["ev.session"]
    transaction_id = ev_ocpp_messages.transaction_id(transaction_id)
    pair = (charger.id, transaction_id)
    if pair in batch.fresh:
        if not create:  # made for an event further on in the chunk: it does not exist yet for this one
            return Session.browse(), False
        batch.fresh.discard(pair)
        return Session.browse(batch.created[pair]), True
    # sessions that existed before the batch cannot vanish in a rolled-back chunk: safe to reuse; those
    # the batch created are forgotten with their chunk (IngestBatch.restore)
    session = batch.known.get(pair)
    if session:
        session = session.with_env(batch.env)
    elif pair in batch.looked_up:  # none existed before the batch: no query
        session = Session.browse(batch.created.get(pair, ()))
    else:
        session = Session.search([("charger_id", "=", charger.id), ("transaction_id", "=", transaction_id)], limit=1)
    if session or not create:
        return session, False
    vals = {
        "charger_id": charger.id,
        "transaction_id": transaction_id,
        "connector_id": connector.id if connector else False,
    }
    session = Session.create(vals)
    batch.created[pair] = session.id
    return session, True


def link_token(batch, session, token_value, token_type=None):
    """Link the session to the id token the station named (its value is kept even when unknown)."""
    if not token_value or session.id_token_id:
        if token_value and not session.id_token_value:
            session.id_token_value = token_value
        return
    read_tokens(batch, [token_value])  # read with its chunk's, unless it was not read then (a replay)
    # a token of the station's company, or of no company (another company's drivers are not ours); of the
    # type the station named if there is one
    company = session.company_id
    tokens = (
        batch.tokens[token_value].with_env(batch.env).filtered(lambda t: not t.company_id or t.company_id == company)
    )
    token = tokens.filtered(lambda t: t.token_type == token_type)[:1] if token_type else tokens[:0]
    token = token or tokens[:1]
    session._ev_write_changed({"id_token_value": token_value, "id_token_id": token.id})


def _session_vals(batch, session, created, update, when, fixed, connector):
    """What ``update`` changes on ``session`` (state, times, meter start/stop); its seqNo and chargingState
    go to the batch, written once per chunk (IngestBatch.note_sequence)."""
    vals = {}
    if connector and not session.connector_id:
        vals["connector_id"] = connector.id
    if created and update.kind == ENDED:
        # never saw the start: acknowledge and record what the stop tells
        vals["orphan_stop"] = True
        vals["start_time"] = min([ev_ocpp.to_naive_utc(s.timestamp) for s in update.samples] + [when])
    elif update.kind == STARTED or not session.start_time or when < session.start_time:
        vals["start_time"] = when
    start = vals.get("start_time") or session.start_time or when
    if update.kind == ENDED:
        vals.update({"state": "completed", "stop_time": max(when, start), "stop_reason": update.stop_reason})
    elif created or session.state != "completed":
        vals["state"] = "active"
    if update.seq_no is not None:
        batch.note_sequence(session, update.seq_no, update.charging_state)
    if update.remote_start_id and not session.remote_start_id:
        vals["remote_start_id"] = update.remote_start_id
    if update.offline:
        vals["offline"] = True
    if fixed:
        vals["clock_fixed"] = True
    if update.meter_start is not None and not session.has_meter_start:
        vals.update({"has_meter_start": True, "meter_start_reported": float(update.meter_start)})
    if update.meter_stop is not None:
        vals.update({"has_meter_stop": True, "meter_stop_reported": float(update.meter_stop)})
    return vals


def apply_transaction(batch, event, update):
    """Apply a TransactionUpdate of either version; returns the session."""
    charger = event.charger
    when, fixed = batch.ts(update.timestamp, event.received)
    connector = batch.connector(charger, update.evse_id, update.connector_id) if update.evse_id else None
    session, created = find_session(batch, charger, update.transaction_id, connector)
    was_completed = session.state == "completed"
    session._ev_write_changed(_session_vals(batch, session, created, update, when, fixed, connector))
    if update.meter_start is not None:
        charger._learn_meter_start(float(update.meter_start))
    if session.state == "active" and (created or update.kind == STARTED) and batch.may_supersede(session):
        session._close_superseded(batch)
    if session.state == "active":
        batch.note_active(session)
    link_token(batch, session, update.id_token, update.token_type or None)
    if update.samples:
        store_samples(batch, charger, session.connector_id or connector, session, update.samples, event.received)
    batch.touch(session, was_completed)
    return session


def transaction_event(batch, event):
    return apply_transaction(batch, event, read_update(event))


def start_transaction(batch, event):
    return apply_transaction(batch, event, read_update(event))


def stop_transaction(batch, event):
    return apply_transaction(batch, event, read_update(event))


HANDLERS = {
    "TransactionEvent": transaction_event,
    "StartTransaction": start_transaction,
    "StopTransaction": stop_transaction,
}
