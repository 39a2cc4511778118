"""Contract A of the bridge (INGESTION.md): lossless ``b64`` envelopes. No Odoo import.

An ingest envelope may carry ``"b64"``: the ASCII base64 of the UTF-8 JSON of an object with any
of the keys ``payload``, ``response``, ``meta`` (then absent from the top level). The bridge uses
it for events holding strings XML-RPC cannot carry (XML 1.0 illegal characters, a carriage
return) or integers beyond 32 bits.

Decoding refuses (with a reason, the event alone is rejected): a b64 that is not base64 / UTF-8
/ JSON, a JSON larger than the per-event cap, anything but an object of those keys, a payload
that is not an object, a response/meta that is not an object or null, and a value nested deeper
than the cap (payload, response and meta each counted from 1).

Contract J: an envelope may carry ``"json"`` instead: the JSON text itself (the bridge's is ASCII)
of an object holding everything but its ``key``, ``charger`` and ``action``, which stay
outside. One string per event instead of an XML-RPC struct of payloads: the cheapest form for both
sides to encode and parse. The same rules apply.

PostgreSQL cannot store NUL characters nor unpaired surrogates (in text or jsonb): those are
replaced by U+FFFD and the original b64 (or json text) is kept in ``meta["lossless_b64"]`` (or
``meta["lossless_json"]``), so nothing the station sent is lost.
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
#: what a contract J "json" text holds: the whole envelope but its key, charger and action
JSON_KEYS = (*KEYS, "version", "ts", "message_id", "log")


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
    except ValueError:
        return None, "b64 is not UTF-8 JSON", None
    return _decode_text(text, "b64", KEYS, max_depth, b64)


def decode_envelope(event: dict, max_bytes: int, max_depth: int):
    """``(envelope with payload/response/meta restored, None, characters)`` or ``(event, reason, None)``
    (characters: see ``decode``)."""
    if any(key in event for key in KEYS):
        return event, "an envelope with b64 must not carry payload, response or meta at the top level", None
    inner, reason, chars = decode(event.get("b64"), max_bytes, max_depth)
    return _restored(event, "b64", inner, reason, chars)


def decode_json_envelope(event: dict, max_bytes: int, max_depth: int):
    """Contract J: ``(envelope with the keys of its "json" text restored, None, characters)`` or ``(event,
    reason, None)``. The text is the JSON of an object holding any of ``JSON_KEYS`` (key, charger and
    action stay outside it); characters: its length when what it holds is storable as it is (see
    ``decode``)."""
    if any(key in event for key in (*JSON_KEYS, "b64")):
        return event, "an envelope with json must carry its other keys in it (key, charger, action excepted)", None
    text = event.get("json")
    if not isinstance(text, str):
        return event, "json must be a string", None
    # a character is 1 to 4 bytes of UTF-8 (the bridge's text is ASCII: the count is the size)
    if len(text) > max_bytes or (4 * len(text) > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes):
        return event, f"json holds more than {max_bytes} bytes (per-event cap)", None
    inner, reason, chars = _decode_text(text, "json", JSON_KEYS, max_depth, text)
    return _restored(event, "json", inner, reason, chars)


#: per encoding: how an envelope carrying it is decoded, and the keys it must not carry beside it
ENCODINGS = {"json": (decode_json_envelope, (*JSON_KEYS, "b64")), "b64": (decode_envelope, KEYS)}


def encoding_of(event) -> str | None:
    """ "json" (contract J), "b64" (contract A) or None (a plain envelope)."""
    return next((name for name in ENCODINGS if name in event), None) if isinstance(event, dict) else None


def kept_of_undecodable(event: dict, encoding: str, max_chars: int) -> tuple[dict, dict]:
    """(the envelope without what it carried, the meta keeping it) for an event whose ``encoding`` could
    not be used: it is rejected on its own and nothing the bridge sent is lost (a text beyond
    ``max_chars``, over the cap anyway, is cut)."""
    event = dict(event)
    carried = event.pop(encoding)
    meta = {encoding: carried[:max_chars] if isinstance(carried, str) else carried}
    top_level = {k: event.pop(k) for k in ENCODINGS[encoding][1] if k in event}
    if top_level:
        meta["top_level"] = top_level
    return event, meta


def _restored(event: dict, encoding: str, inner, reason, chars):
    """The decoders' answer: ``event`` with what its ``encoding`` held, or ``event`` and the reason."""
    if reason:
        return event, reason, None
    out = {k: v for k, v in event.items() if k != encoding}
    out.update(inner)
    out.setdefault("payload", {})
    return out, None, chars


def _decode_text(text: str, name: str, keys, max_depth: int, original: str):
    """``(inner dict, None, characters)`` or ``(None, reason, None)`` for the JSON ``text`` of an object of
    ``keys`` (``name``: b64 or json, for the reasons). What PostgreSQL cannot store is replaced and
    ``original`` (what the bridge sent) kept in meta["lossless_<name>"]; characters is then None."""
    try:
        inner = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        return None, f"{name} JSON nests deeper than {max_depth} levels", None
    except ValueError:
        return None, "b64 is not UTF-8 JSON" if name == "b64" else f"{name} is not valid JSON", None
    if not isinstance(inner, dict) or set(inner) - set(keys):
        return None, f"{name} must hold an object with {', '.join(keys[:-1])} and/or {keys[-1]} only", None
    if not isinstance(inner.get("payload", {}), dict):
        return None, f"{name}: payload must be an object", None
    for key in ("response", "meta"):
        if inner.get(key) is not None and not isinstance(inner[key], dict):
            return None, f"{name}: {key} must be an object", None
    if text.count("{") + text.count("[") > max_depth:  # cheap: only then can it be too deep
        for key in KEYS:
            if limits.depth_over(inner.get(key), max_depth):
                return None, f"{name}: {key} nests deeper than {max_depth} levels", None
    if limits.may_hold_unstorable(text):
        inner, changed = sanitize(inner)
        if changed:
            inner["meta"] = dict(
                inner.get("meta") or {},
                **{
                    f"lossless_{name}": original,
                    "sanitized": f"NUL or unpaired surrogate replaced by U+FFFD; the original is in lossless_{name}",
                },
            )
            return inner, None, None
    return inner, None, len(text)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")
