"""Contract A of the bridge (INGESTION.md): lossless ``b64`` envelopes. No Odoo import.

An ingest envelope may carry ``"b64"``: the ASCII base64 of the UTF-8 JSON of an object with any
of the keys ``payload``, ``response``, ``meta`` (then absent from the top level). The bridge uses
it for events holding strings XML-RPC cannot carry (XML 1.0 illegal characters, a carriage
return) or integers beyond 32 bits.

Decoding refuses (with a reason, the event alone is rejected): a b64 that is not base64 / UTF-8
/ JSON, a JSON larger than the per-event cap, anything but an object of those keys, a payload
that is not an object, a response/meta that is not an object or null, and a value nested deeper
than the cap (payload, response and meta each counted from 1).

PostgreSQL cannot store NUL characters nor unpaired surrogates (in text or jsonb): those are
replaced by U+FFFD and the original b64 is kept in ``meta["lossless_b64"]``, so nothing the
station sent is lost.
"""

from __future__ import annotations

import base64
import binascii
import json

try:  # inside Odoo the lib is a package; the odoo-free unit tests import the modules by name
    from . import ev_ocpp_limits as limits
except ImportError:
    import ev_ocpp_limits as limits

KEYS = ("payload", "response", "meta")


def sanitize(value):
    """(value with NUL / unpaired surrogates replaced by U+FFFD in strings and keys, changed?): the one
    rule of what PostgreSQL cannot store, ``ev_ocpp_limits.storable``."""
    if not limits.has_unstorable(value):
        return value, False
    return limits.storable(value), True


def decode(b64, max_bytes: int, max_depth: int):
    """``(inner dict, None, characters)`` or ``(None, reason, None)``. ``characters``: the length of the
    JSON text decoded when what it holds is storable as it is (None when it had to be sanitized): the
    size the JSON of payload, response and meta cannot exceed, so the per-event limits need not dump
    them again (``ev_ocpp_limits.screen``)."""
    if not isinstance(b64, str):
        return None, "b64 must be a string", None
    if len(b64) > 4 * ((max_bytes + 2) // 3):
        return None, f"b64 holds more than {max_bytes} bytes (per-event cap)", None
    try:
        raw = base64.b64decode(b64.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None, "b64 is not valid base64", None
    if len(raw) > max_bytes:
        return None, f"b64 holds more than {max_bytes} bytes (per-event cap)", None
    try:
        text = raw.decode("utf-8", "surrogatepass")
        inner = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        return None, f"b64 JSON nests deeper than {max_depth} levels", None
    except ValueError:
        return None, "b64 is not UTF-8 JSON", None
    if not isinstance(inner, dict) or set(inner) - set(KEYS):
        return None, "b64 must hold an object with payload, response and/or meta only", None
    if not isinstance(inner.get("payload", {}), dict):
        return None, "b64: payload must be an object", None
    for key in ("response", "meta"):
        if inner.get(key) is not None and not isinstance(inner[key], dict):
            return None, f"b64: {key} must be an object", None
    if text.count("{") + text.count("[") > max_depth:  # cheap: only then can it be too deep
        for key in KEYS:
            if limits.depth_over(inner.get(key), max_depth):
                return None, f"b64: {key} nests deeper than {max_depth} levels", None
    changed = False
    if limits.may_hold_unstorable(text):
        inner, changed = sanitize(inner)
        if changed:
            meta = dict(inner.get("meta") or {})
            meta["lossless_b64"] = b64
            meta["sanitized"] = "NUL or unpaired surrogate replaced by U+FFFD; the original is in lossless_b64"
            inner["meta"] = meta
    return inner, None, (None if changed else len(text))


def decode_envelope(event: dict, max_bytes: int, max_depth: int):
    """``(envelope with payload/response/meta restored, None, characters)`` or ``(event, reason, None)``
    (characters: see ``decode``)."""
    if any(key in event for key in KEYS):
        return event, "an envelope with b64 must not carry payload, response or meta at the top level", None
    inner, reason, chars = decode(event.get("b64"), max_bytes, max_depth)
    if reason:
        return event, reason, None
    out = {k: v for k, v in event.items() if k != "b64"}
    out.update(inner)
    out.setdefault("payload", {})
    return out, None, chars


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")
