"""Limits of one bridge event, checked before it is applied (pure: no Odoo import).

A hostile or broken station must not be able to stop ingestion: an event over a limit is rejected on
its own (kept for review with the reason), never faulting the batch it came in. What PostgreSQL cannot
store (NUL characters, lone surrogates in JSON) is replaced before anything is written.
"""

from __future__ import annotations

import json
import re

#: deepest nesting of objects/lists accepted in payload, response and meta (the bridge caps frames alike)
MAX_DEPTH = 32
#: characters of the compact JSON of payload + response + meta (the bridge's default ws_max_size is 1 MiB)
MAX_EVENT_CHARS = 1_048_576
#: OCPP action names are at most 30 characters; the column is indexed
MAX_ACTION = 64
#: charge point identities are at most 48 characters (ev_charger.IDENTITY_RE)
MAX_IDENTITY = 64
#: OCPP-J message ids are at most 36 characters
MAX_MESSAGE_ID = 64
#: what is kept of an over-long text in a rejected event
KEPT_CHARS = 64

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: the same characters as ``json.dumps(ensure_ascii=True)`` writes them (a pair of surrogates, i.e. a
#: character beyond U+FFFF, matches too: then the exact check runs)
_UNSTORABLE_ESCAPE = re.compile(r"\\u0000|\\u[dD][89a-fA-F]")
REPLACEMENT = "\ufffd"


def depth_over(value, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests objects/lists deeper than ``limit`` (iterative: no recursion limit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


def _long_text(event: dict, field: str, limit: int) -> str | None:
    value = event.get(field)
    if value in (None, False, ""):
        return None
    if not isinstance(value, str):
        return f"'{field}' must be a string, got {type(value).__name__}"
    if value and len(value) > limit:
        return f"'{field}' is {len(value)} characters long (at most {limit})"
    return None


def envelope_problem(event: dict) -> str | None:
    """Why ``event`` (a well-formed envelope, see INGESTION.md) must be rejected on its own, or None."""
    return screen(event)[0]


#: how many times longer than the JSON text it was parsed from the JSON of a value can be: a number
#: written short grows when written again ("1e15" is 1000000000000000.0)
MAX_JSON_GROWTH = 5


def screen(event: dict, json_chars: int | None = None) -> tuple[str | None, bool]:
    """``(envelope_problem(event), whether payload/response/meta may hold an unstorable character)``.

    One C-speed ``json.dumps`` (ASCII-escaped) of the parts answers most events without walking them
    in Python: no nesting deeper than the number of brackets, no more characters than the escaped
    text, and no NUL nor surrogate without its escape in it. Only an event the text cannot clear is
    walked (the second value is then exact; otherwise True means "check with has_unstorable").

    ``json_chars``: the length of the JSON text the parts were parsed from, when that parsing already
    refused a nesting deeper than MAX_DEPTH and made them storable (a b64 envelope, contract A). A text
    short enough that its parts cannot reach MAX_EVENT_CHARS however they are written is not dumped."""
    for field, limit in (("action", MAX_ACTION), ("charger", MAX_IDENTITY), ("message_id", MAX_MESSAGE_ID)):
        problem = _long_text(event, field, limit)
        if problem:
            return problem, False
    if json_chars is not None and (json_chars + 16) * MAX_JSON_GROWTH <= MAX_EVENT_CHARS:
        return None, False  # (+16: an absent payload is stored as {})
    parts = {k: event.get(k) for k in ("payload", "response", "meta") if event.get(k) is not None}
    try:
        text = json.dumps(parts, ensure_ascii=True, separators=(",", ":"), default=str)
    except RecursionError:
        text = None  # deeper than the C encoder goes: certainly over the limit
    if (text is None or text.count("{") + text.count("[") > MAX_DEPTH + 1) and depth_over(parts, MAX_DEPTH + 1):
        return f"payload, response or meta nest deeper than {MAX_DEPTH} levels", False  # +1: the wrapping dict
    if text is None:
        return None, True
    if len(text) > MAX_EVENT_CHARS:  # escaped non-ASCII characters count 6: count exactly
        size = len(json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str))
        if size > MAX_EVENT_CHARS:
            return f"payload, response and meta are {size} characters of JSON (at most {MAX_EVENT_CHARS})", False
    return None, may_hold_unstorable(text)


def may_hold_unstorable(json_text: str) -> bool:
    """Whether JSON text may hold a NUL character or a lone surrogate once parsed: their escapes (as
    ``json.dumps(ensure_ascii=True)`` writes them; a surrogate pair matches too, the exact check then
    runs) or the raw characters (text decoded with ``surrogatepass``). False is certain."""
    return bool(_UNSTORABLE_ESCAPE.search(json_text) or _UNSTORABLE.search(json_text))


def storable(value):
    """``value`` with every NUL character and lone surrogate replaced by U+FFFD (PostgreSQL stores
    neither in text nor in jsonb); ``value`` itself when there is none."""
    return _replaced(value) if has_unstorable(value) else value


def _replaced(value):
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replaced(v) for v in value]
    return value


def has_unstorable(value) -> bool:
    """Whether a string anywhere in ``value`` holds a NUL character or a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def shorten(value, limit: int = KEPT_CHARS):
    """What a rejected event keeps of an over-long text field (its start and its length)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}... ({len(value)} characters)"
    return value
