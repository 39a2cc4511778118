"""Functional block C (authorization): Authorize is answered by ev.id.token.bridge_authorize before it
reaches the outbox; the event is kept for the audit trail only."""


def authorize(batch, event):
    return None


HANDLERS = {"Authorize": authorize}
