"""OCPP-J framing, CALLERROR codes and schema validation, done at the bridge's boundary.

The ``ocpp`` library only logs malformed frames (no CALLERROR), swaps NotImplemented and
NotSupported, and uses 2.0.1 error names for 1.6. This module implements the OCPP-J rules
per version instead; the library is still used for its schemas (``get_validator``).
"""

from __future__ import annotations

import asyncio
import decimal
import json
import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import fastjsonschema
from ocpp.messages import get_validator

CALL, CALLRESULT, CALLERROR = 2, 3, 4
TYPE_NAMES = {CALL: "CALL", CALLRESULT: "CALLRESULT", CALLERROR: "CALLERROR"}

# OCPP-J error descriptions (1.6 section 4.2.3, 2.0.1 section 4.3)
DESCRIPTIONS = {
    "NotImplemented": "Requested Action is not known by receiver",
    "NotSupported": "Requested Action is recognized but not supported by the receiver",
    "InternalError": "An internal error occurred and the receiver was not able to process the "
    "requested Action successfully",
    "ProtocolError": "Payload for Action is not conform the PDU structure",
    "SecurityError": "During the processing of Action a security issue occurred preventing "
    "receiver from completing the Action successfully",
    "FormatViolation": "Payload for Action is syntactically incorrect",
    "FormationViolation": "Payload for Action is syntactically incorrect or not conform the PDU structure for Action",
    "PropertyConstraintViolation": "Payload is syntactically correct but at least one field contains an invalid value",
    "OccurrenceConstraintViolation": "Payload for Action is syntactically correct but at least "
    "one of the fields violates occurrence constraints",
    "OccurenceConstraintViolation": "Payload for Action is syntactically correct but at least "
    "one of the fields violates occurence constraints",
    "TypeConstraintViolation": "Payload for Action is syntactically correct but at least one of "
    "the fields violates data type constraints",
    "GenericError": "Any other error not covered by the more specific error codes",
    "RpcFrameworkError": "Content of the call is not a valid RPC Request, for example: MessageId could not be read",
    "MessageTypeNotSupported": "A message with a Message Type Number received that is not "
    "supported by this implementation",
}

# malformed-frame kind -> error code per version
_FRAME_ERRORS = {
    #  kind          2.0.1                      1.6
    "not_json": ("RpcFrameworkError", "FormationViolation"),
    "not_rpc": ("RpcFrameworkError", "ProtocolError"),
    "bad_type": ("MessageTypeNotSupported", "ProtocolError"),
    "bad_call": ("RpcFrameworkError", "ProtocolError"),
    "bad_payload": ("FormatViolation", "FormationViolation"),
    # limits of the edge (Limits below): a frame too large or nested too deep does not conform to
    # any PDU; a string longer than any field may be violates the field's data type
    "too_large": ("FormatViolation", "FormationViolation"),
    "too_deep": ("FormatViolation", "FormationViolation"),
    "too_long": ("TypeConstraintViolation", "TypeConstraintViolation"),
}

# jsonschema keyword -> error code per version (1.6 spells "Occurence" with one r, 2.0.1 fixed it)
_SCHEMA_ERRORS = {
    "type": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "maxLength": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "required": ("OccurrenceConstraintViolation", "ProtocolError"),
    "additionalProperties": ("FormatViolation", "FormationViolation"),
    "enum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "minimum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "maximum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "multipleOf": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "pattern": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "minItems": ("OccurrenceConstraintViolation", "OccurenceConstraintViolation"),
    "maxItems": ("OccurrenceConstraintViolation", "OccurenceConstraintViolation"),
}
_DEFAULT_SCHEMA_ERROR = ("FormatViolation", "FormationViolation")


def _pick(pair, version):
    return pair[1] if version == "1.6" else pair[0]


class RpcError(Exception):
    """An error to answer with a CALLERROR."""

    def __init__(self, code: str, cause: str = "", unique_id: str | None = None, description: str | None = None):
        super().__init__(f"{code}: {cause}")
        self.code = code
        self.cause = cause
        self.unique_id = unique_id
        self.description = description or DESCRIPTIONS.get(code, code)

    def details(self) -> dict:
        return {"cause": self.cause[:500]} if self.cause else {}


class BadFrame(RpcError):
    pass


class BadResponse(ValueError):
    """A CALLRESULT/CALLERROR that breaks the edge limits: the CALL waiting for it fails."""

    def __init__(self, message: str, unique_id: str):
        super().__init__(message)
        self.unique_id = unique_id


@dataclass(frozen=True)
class Limits:
    """What the bridge accepts from a charger, checked before anything else looks at a frame.

    ``max_frame``: characters of one websocket message (above it: CALLERROR, nothing parsed
    beyond the message id). ``max_depth``: nesting of arrays/objects, the frame's own array
    included (OCPP payloads need < 10). ``max_string``: characters of any string or object key
    (the longest OCPP schema field is 10,000: a certificate chain). ``max_message_id``: characters
    of the OCPP-J message id (the specification says 36)."""

    max_frame: int = 262144
    max_depth: int = 32
    max_string: int = 10000
    max_message_id: int = 64


DEFAULT_LIMITS = Limits()
_ID_HEAD = re.compile(r'\s*\[\s*(\d)\s*,\s*"([^"\\\x00-\x1f]{1,64})"')
_BAD_ID_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _check_limits(msg, limits: Limits):
    """(kind, cause) of the first limit ``msg`` breaks, else None. Iterative: no recursion."""
    stack = [(msg, 1)]
    max_depth, max_string = limits.max_depth, limits.max_string
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return "too_deep", f"nested deeper than {max_depth} levels"
        if isinstance(value, dict):
            for key, item in value.items():
                if len(key) > max_string:
                    return "too_long", f"an object key is longer than {max_string} characters"
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
                elif isinstance(item, str) and len(item) > max_string:
                    return "too_long", f"{key}: longer than {max_string} characters"
        else:
            for item in value:
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
                elif isinstance(item, str) and len(item) > max_string:
                    return "too_long", f"a string is longer than {max_string} characters"
    return None


@dataclass
class Frame:
    type: int
    unique_id: str
    action: str | None = None
    payload: object = None
    error_code: str | None = None
    error_description: str | None = None
    error_details: object = None


def parse_frame(raw, version: str, limits: Limits = DEFAULT_LIMITS) -> Frame:
    """Parse one websocket message. Raises BadFrame for a CALL that must be answered with a
    CALLERROR, BadResponse for an answer that breaks the limits (its CALL fails), or ValueError
    for a malformed CALLRESULT/CALLERROR (never answered)."""
    msg = _load(raw, version, limits)
    unique_id, type_id = _head(msg, version, limits)
    # no string can be longer than the message, no nesting deeper than its brackets: a typical
    # frame needs no walk (measured: the walk was the bridge's largest cost per frame)
    if (
        isinstance(raw, (bytes, bytearray))
        or len(raw) > limits.max_string
        or (raw.count("[") + raw.count("{") > limits.max_depth)
    ):
        broken = _check_limits(msg, limits)
    else:
        broken = None
    if broken is not None:
        if type_id in (CALLRESULT, CALLERROR):
            raise BadResponse(broken[1], unique_id)
        raise _bad(broken[0], version, broken[1], unique_id)
    return _build(msg, type_id, unique_id, version)


def _load(raw, version, limits):
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad("not_json", version, "binary frame is not UTF-8") from None
    if len(raw) > limits.max_frame:
        cause = f"message of {len(raw)} characters exceeds the limit of {limits.max_frame}"
        raise _unparsed(raw, version, limits, "too_large", cause)
    try:
        return _DECODER.decode(raw)
    except RecursionError:
        raise _unparsed(raw, version, limits, "too_deep", f"nested deeper than {limits.max_depth} levels") from None
    except ValueError:
        raise _bad("not_json", version, "message is not valid JSON") from None


def _head(msg, version, limits):
    """(message id, message type id) of a parsed message, or BadFrame."""
    if not isinstance(msg, list) or not msg:
        raise _bad("not_rpc", version, "message is not a JSON array")
    unique_id = msg[1] if len(msg) > 1 and isinstance(msg[1], str) and msg[1] else None
    if unique_id is not None and (len(unique_id) > limits.max_message_id or _BAD_ID_CHARS.search(unique_id)):
        # unreadable as an OCPP-J message id: answered with id "-1", never stored
        raise _bad("not_rpc", version, f"MessageId is longer than {limits.max_message_id} characters or not printable")
    type_id = msg[0]
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        raise _bad("not_rpc", version, "MessageTypeId is not a number", unique_id)
    if unique_id is None:
        raise _bad("not_rpc", version, "MessageId could not be read")
    return unique_id, type_id


def _build(msg, type_id, unique_id, version) -> Frame:
    if type_id == CALL:
        if len(msg) != 4 or not isinstance(msg[2], str) or not msg[2]:
            raise _bad("bad_call", version, "a CALL has 4 elements: [2, id, action, payload]", unique_id)
        if not isinstance(msg[3], dict):
            raise _bad("bad_payload", version, "payload is not a JSON object", unique_id)
        return Frame(CALL, unique_id, action=msg[2], payload=msg[3])
    if type_id == CALLRESULT:
        if len(msg) != 3 or not isinstance(msg[2], dict):
            raise ValueError("malformed CALLRESULT")
        return Frame(CALLRESULT, unique_id, payload=msg[2])
    if type_id == CALLERROR:
        if len(msg) not in (4, 5) or not isinstance(msg[2], str):
            raise ValueError("malformed CALLERROR")
        return Frame(
            CALLERROR,
            unique_id,
            error_code=msg[2],
            error_description=msg[3] if isinstance(msg[3], str) else "",
            error_details=msg[4] if len(msg) > 4 else {},
        )
    raise _bad("bad_type", version, f"MessageTypeId {type_id} is not supported", unique_id)


def _unparsed(raw, version, limits, kind, cause):
    """The error for a message refused before (or while) parsing it: the message id is read from
    its head when it can be, so a CALL gets its CALLERROR and an answer fails its CALL."""
    head = _ID_HEAD.match(raw[:100])
    unique_id = head.group(2) if head and len(head.group(2)) <= limits.max_message_id else None
    if unique_id and head.group(1) in ("3", "4"):
        return BadResponse(cause, unique_id)
    return _bad(kind, version, cause, unique_id)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")  # NaN / Infinity: Python's json accepts them, RFC 8259 does not


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range")
    return value


# one decoder for every frame (json.loads with hooks would build one per call)
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)


def shorten(text, limit: int = 64) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis): for names that go into logs,
    metrics or indexed columns (an action name is whatever a charger sends)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bad(kind, version, cause, unique_id=None) -> BadFrame:
    # OCPP-J 2.0.1: when the message id cannot be read, the CALLERROR carries id "-1"
    return BadFrame(_pick(_FRAME_ERRORS[kind], version), cause, unique_id or "-1")


def call_json(unique_id: str, action: str, payload: dict) -> str:
    return json.dumps(
        [CALL, unique_id, action, payload], separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def result_json(unique_id: str, payload: dict) -> str:
    return json.dumps(
        [CALLRESULT, unique_id, payload], separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def error_json(unique_id: str, code: str, description: str, details: dict) -> str:
    return json.dumps(
        [CALLERROR, unique_id, code, description, details or {}],
        separators=(",", ":"),
        ensure_ascii=False,
        default=_json_default,
    )


def _json_default(obj):
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    raise TypeError(f"{obj.__class__.__name__} is not JSON serializable")


# ---------------------------------------------------------------- schema validation
_DECIMAL_CALLS_16 = ("SetChargingProfile", "RemoteStartTransaction")
_DECIMAL_RESULTS_16 = ("GetCompositeSchedule",)  # as ocpp.messages.validate_payload
# own threads: validation must not queue behind slow password hashing in the default executor
_VALIDATION_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ocpp-validate")


def _validator(type_id: int, action: str, version: str):
    """The library's cached Draft4 validator; None when no schema exists for the action. The library
    caches one validator per schema, whatever its float parser: ask with the parser it uses itself
    (Decimal for the 1.6 schemas with multipleOf), or its own validation of that schema breaks."""
    use_decimal = version == "1.6" and (
        (type_id == CALL and action in _DECIMAL_CALLS_16) or (type_id == CALLRESULT and action in _DECIMAL_RESULTS_16)
    )
    try:
        return get_validator(
            type_id, action, version, parse_float=decimal.Decimal if use_decimal else float
        ), use_decimal
    except (OSError, ValueError):
        return None, False


def check_schema(type_id: int, action: str, payload: dict, version: str, relaxed: bool = False) -> list[str]:
    """Validate a payload. Strict: raise RpcError with the version's code on the first error.
    Relaxed: return the list of errors that were let through (empty when valid)."""
    if fast_valid(type_id, action, payload, version):
        return []
    validator, use_decimal = _validator(type_id, action, version)
    if validator is None:
        return []
    if use_decimal:
        payload = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
    if not relaxed:
        error = next(iter(validator.iter_errors(payload)), None)
        if error is None:
            return []
        code = _pick(_SCHEMA_ERRORS.get(error.validator, _DEFAULT_SCHEMA_ERROR), version)
        raise RpcError(code, _describe(error))
    return [_describe(e) for e in list(validator.iter_errors(payload))[:20]]


async def validate(type_id: int, action: str, payload: dict, version: str, relaxed: bool = False) -> list[str]:
    """``check_schema``: a valid payload is told at once by the compiled validator (microseconds, in the
    event loop); the library's validator (hundreds of microseconds for a TransactionEvent), which says
    what is wrong, runs in a worker thread, as does compiling a schema the first time."""
    if fast_valid(type_id, action, payload, version, compile_now=False):
        return []
    return await asyncio.get_running_loop().run_in_executor(
        _VALIDATION_EXECUTOR, check_schema, type_id, action, payload, version, relaxed
    )


# ---------------------------------------------------------------- compiled validators (fast path)
# The library validates with jsonschema's Draft4Validator (its schemas say draft-06, its validator is
# draft 4: 1.0 is not an integer, "const" is not a keyword); fastjsonschema compiles the same schema
# as draft 4, without format checks (jsonschema does not check formats without a format checker
# either) and without filling in defaults, into Python code ~20x faster. It only ever answers
# "valid": anything it refuses goes to the library's validator, whose verdict and message stand
# (tests/bridge_unit/test_protocol.py checks that it never accepts what the library refuses).
_DRAFT4 = "http://json-schema.org/draft-04/schema#"
_COMPILED: dict = {}  # (type id, action, version) -> compiled function, or None (no schema / Decimals)
_COMPILE_LOCK = threading.Lock()


def _compiled(type_id: int, action: str, version: str):
    key = (type_id, action, version)
    with _COMPILE_LOCK:
        if key not in _COMPILED:
            validator, use_decimal = _validator(type_id, action, version)
            function = None
            if validator is not None and not use_decimal:
                try:
                    function = fastjsonschema.compile(
                        dict(validator.schema, **{"$schema": _DRAFT4}),
                        use_default=False,  # never fill in defaults: the payload is stored as sent
                        use_formats=False,
                        detailed_exceptions=False,
                    )
                except Exception:  # noqa: BLE001 - a schema it cannot compile: the library validates
                    function = None
            _COMPILED[key] = function
        return _COMPILED[key]


def fast_valid(type_id: int, action: str, payload, version: str, compile_now: bool = True) -> bool:
    """True when the compiled validator finds ``payload`` valid; False means "ask the library" (invalid,
    no compiled validator, or - with ``compile_now`` False - not compiled yet)."""
    function = _COMPILED.get((type_id, action, version), False)
    if function is False:
        if not compile_now:
            return False
        function = _compiled(type_id, action, version)
    if function is None:
        return False
    try:
        function(payload)
    except fastjsonschema.JsonSchemaException:
        return False
    except Exception:  # noqa: BLE001 - e.g. a value its generated code does not expect: the library decides
        return False
    return True


def _describe(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"[:300]
