"""OCPP-J framing, CALLERROR codes and schema validation, done at the bridge's boundary.

The ``ocpp`` library only logs malformed frames (no CALLERROR), swaps NotImplemented and
NotSupported, and uses 2.0.1 error names for 1.6. This module implements the OCPP-J rules
per version instead; the library is still used for its schemas (``get_validator``).
"""

from __future__ import annotations

import asyncio
import decimal
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

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


@dataclass
class Frame:
    type: int
    unique_id: str
    action: str | None = None
    payload: object = None
    error_code: str | None = None
    error_description: str | None = None
    error_details: object = None


def parse_frame(raw, version: str) -> Frame:
    """Parse one websocket message. Raises BadFrame for a CALL that must be answered with a
    CALLERROR, or ValueError for a malformed CALLRESULT/CALLERROR (never answered)."""
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad("not_json", version, "binary frame is not UTF-8") from None
    try:
        msg = json.loads(raw)
    except (ValueError, RecursionError):
        raise _bad("not_json", version, "message is not valid JSON") from None
    if not isinstance(msg, list) or not msg:
        raise _bad("not_rpc", version, "message is not a JSON array")
    unique_id = msg[1] if len(msg) > 1 and isinstance(msg[1], str) and msg[1] else None
    type_id = msg[0]
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        raise _bad("not_rpc", version, "MessageTypeId is not a number", unique_id)
    if unique_id is None:
        raise _bad("not_rpc", version, "MessageId could not be read")
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
# own threads: validation must not queue behind slow password hashing in the default executor
_VALIDATION_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ocpp-validate")


def _validator(type_id: int, action: str, version: str):
    """The library's cached Draft4 validator; None when no schema exists for the action."""
    use_decimal = version == "1.6" and type_id == CALL and action in _DECIMAL_CALLS_16
    try:
        return get_validator(
            type_id, action, version, parse_float=decimal.Decimal if use_decimal else float
        ), use_decimal
    except (OSError, ValueError):
        return None, False


def check_schema(type_id: int, action: str, payload: dict, version: str, relaxed: bool = False) -> list[str]:
    """Validate a payload. Strict: raise RpcError with the version's code on the first error.
    Relaxed: return the list of errors that were let through (empty when valid)."""
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
    """``check_schema`` in a worker thread (jsonschema is CPU work; keep the loop free)."""
    return await asyncio.get_running_loop().run_in_executor(
        _VALIDATION_EXECUTOR, check_schema, type_id, action, payload, version, relaxed
    )


def _describe(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"[:300]
