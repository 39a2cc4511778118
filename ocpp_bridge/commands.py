"""Remote commands: generic actions (the OCPP 2.0.1 names and parameter shapes) sent to a
charger in its own version, and the ``{state, result}`` answer Odoo expects.

* 2.0.1 chargers: any 2.0.1 CSMS->CS action is sent as given.
* 1.6 chargers: the actions below are translated (``TO_16``); a native 1.6 action name
  (``GetConfiguration``, ``GetDiagnostics``...) is sent as given, with 1.6 parameters, and so is a
  translated action whose parameters are already 1.6-shaped (``ReserveNow`` with ``reservationId``,
  ``SendLocalList`` with ``listVersion``...).
* ``result`` is the charger's answer payload exactly as received (its version's shape).
* ``state``: ``accepted`` | ``rejected`` (the charger said no) | ``failed`` (not connected,
  CALLERROR, invalid parameters, connection lost) | ``timeout``.

1.6 has connectors where 2.0.1 has EVSEs: a 2.0.1 ``evseId`` becomes the 1.6 ``connectorId``.
Actions with no 1.6 counterpart (``NOT_IN_16``, e.g. ``CostUpdated``) fail at once for a 1.6
charger, before anything is sent.
"""

from __future__ import annotations

import logging
import time

from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

from . import protocol
from .cp_base import ChargerGone
from .protocol import CALL, CALLERROR, RpcError

_logger = logging.getLogger("ocpp_bridge.commands")

ACTIONS_201 = frozenset(a.value for a in Action201)
ACTIONS_16 = frozenset(a.value for a in Action16)
ACCEPTED_STATUSES = {"Accepted", "Scheduled", "Unlocked", "RebootRequired", "AcceptedCanceled"}


class CommandError(ValueError):
    pass


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _evse_id(params, key="evseId"):
    value = params.get(key)
    return value if isinstance(value, int) else None


_PURPOSE_TO_16 = {
    "ChargingStationMaxProfile": "ChargePointMaxProfile",
    "TxDefaultProfile": "TxDefaultProfile",
    "TxProfile": "TxProfile",
}


def _profile_to_16(profile: dict) -> dict:
    """2.0.1 ChargingProfileType -> 1.6 ChargingProfile (first schedule only)."""
    if not isinstance(profile, dict):
        raise CommandError("chargingProfile must be an object")
    if "chargingProfileId" in profile:  # already 1.6-shaped
        return profile
    purpose = profile.get("chargingProfilePurpose")
    if purpose not in _PURPOSE_TO_16:
        raise CommandError(f"charging profile purpose {purpose!r} does not exist in OCPP 1.6")
    schedules = profile.get("chargingSchedule")
    schedule = schedules[0] if isinstance(schedules, list) and schedules else schedules
    if not isinstance(schedule, dict):
        raise CommandError("chargingProfile.chargingSchedule is missing")
    if isinstance(schedules, list) and len(schedules) > 1:
        raise CommandError("OCPP 1.6 takes a single charging schedule")
    tx = profile.get("transactionId")
    return _drop_none(
        {
            "chargingProfileId": profile.get("id"),
            "transactionId": int(tx) if tx is not None else None,
            "stackLevel": profile.get("stackLevel"),
            "chargingProfilePurpose": _PURPOSE_TO_16[purpose],
            "chargingProfileKind": profile.get("chargingProfileKind"),
            "recurrencyKind": profile.get("recurrencyKind"),
            "validFrom": profile.get("validFrom"),
            "validTo": profile.get("validTo"),
            "chargingSchedule": _drop_none(
                {
                    "duration": schedule.get("duration"),
                    "startSchedule": schedule.get("startSchedule"),
                    "chargingRateUnit": schedule.get("chargingRateUnit"),
                    "chargingSchedulePeriod": [
                        _drop_none(
                            {
                                "startPeriod": p.get("startPeriod"),
                                "limit": p.get("limit"),
                                "numberPhases": p.get("numberPhases"),
                            }
                        )
                        for p in schedule.get("chargingSchedulePeriod") or []
                    ],
                    "minChargingRate": schedule.get("minChargingRate"),
                }
            ),
        }
    )


def _start(p):
    token = p.get("idToken")
    id_tag = token.get("idToken") if isinstance(token, dict) else p.get("idTag")
    return [
        (
            "RemoteStartTransaction",
            _drop_none(
                {
                    "idTag": id_tag,
                    "connectorId": _evse_id(p) if "evseId" in p else p.get("connectorId"),
                    "chargingProfile": _profile_to_16(p["chargingProfile"]) if p.get("chargingProfile") else None,
                }
            ),
        )
    ]


def _stop(p):
    try:
        return [("RemoteStopTransaction", {"transactionId": int(p.get("transactionId"))})]
    except (TypeError, ValueError):
        raise CommandError("a 1.6 transactionId is an integer") from None


def _unlock(p):
    return [("UnlockConnector", {"connectorId": p.get("evseId", p.get("connectorId"))})]


def _reset(p):
    kind = p.get("type")
    if p.get("evseId"):
        raise CommandError("OCPP 1.6 cannot reset a single EVSE")
    mapping = {"Immediate": "Hard", "OnIdle": "Soft", "Hard": "Hard", "Soft": "Soft"}
    if kind not in mapping:
        raise CommandError(f"unknown reset type {kind!r}")
    return [("Reset", {"type": mapping[kind]})]


def _availability(p):
    if "type" in p:  # already 1.6-shaped
        return [("ChangeAvailability", p)]
    evse = p.get("evse") or {}
    return [("ChangeAvailability", {"connectorId": evse.get("id", 0), "type": p.get("operationalStatus")})]


def _get_variables(p):
    keys = [item.get("variable", {}).get("name") for item in p.get("getVariableData") or []]
    return [("GetConfiguration", {"key": keys} if keys else {})]


def _set_variables(p):
    data = p.get("setVariableData") or []
    if not data:
        raise CommandError("setVariableData is empty")
    return [
        ("ChangeConfiguration", {"key": item.get("variable", {}).get("name"), "value": str(item.get("attributeValue"))})
        for item in data
    ]


_TRIGGER_TO_16 = {"LogStatusNotification": "DiagnosticsStatusNotification"}


def _trigger(p):
    evse = p.get("evse") or {}
    message = _TRIGGER_TO_16.get(p.get("requestedMessage"), p.get("requestedMessage"))
    return [
        (
            "TriggerMessage",
            _drop_none({"requestedMessage": message, "connectorId": evse.get("id") if evse else p.get("connectorId")}),
        )
    ]


def _firmware(p):
    if "location" in p:  # already 1.6-shaped
        return [("UpdateFirmware", p)]
    fw = p.get("firmware") or {}
    return [
        (
            "UpdateFirmware",
            _drop_none(
                {
                    "location": fw.get("location"),
                    "retrieveDate": fw.get("retrieveDateTime"),
                    "retries": p.get("retries"),
                    "retryInterval": p.get("retryInterval"),
                }
            ),
        )
    ]


def _get_log(p):
    log = p.get("log") or {}
    return [
        (
            "GetDiagnostics",
            _drop_none(
                {
                    "location": log.get("remoteLocation"),
                    "startTime": log.get("oldestTimestamp"),
                    "stopTime": log.get("latestTimestamp"),
                    "retries": p.get("retries"),
                    "retryInterval": p.get("retryInterval"),
                }
            ),
        )
    ]


def _set_profile(p):
    return [
        (
            "SetChargingProfile",
            {
                "connectorId": p.get("evseId", p.get("connectorId", 0)),
                "csChargingProfiles": _profile_to_16(p.get("chargingProfile")),
            },
        )
    ]


def _clear_profile(p):
    criteria = p.get("chargingProfileCriteria") or {}
    purpose = criteria.get("chargingProfilePurpose")
    if purpose is not None and purpose not in _PURPOSE_TO_16:
        raise CommandError(f"charging profile purpose {purpose!r} does not exist in OCPP 1.6")
    return [
        (
            "ClearChargingProfile",
            _drop_none(
                {
                    "id": p.get("chargingProfileId"),
                    "connectorId": criteria.get("evseId"),
                    "chargingProfilePurpose": _PURPOSE_TO_16.get(purpose),
                    "stackLevel": criteria.get("stackLevel"),
                }
            ),
        )
    ]


#: 2.0.1 AuthorizationStatus values 1.6 does not have (IdTagInfo takes Accepted, Blocked, Expired,
#: Invalid, ConcurrentTx)
_AUTH_STATUS_TO_16 = {
    "NoCredit": "Invalid",
    "NotAllowedTypeEVSE": "Invalid",
    "NotAtThisLocation": "Invalid",
    "NotAtThisTime": "Invalid",
    "Unknown": "Invalid",
}


def _reserve(p):
    if "reservationId" in p:  # already 1.6-shaped
        return [("ReserveNow", p)]
    token = p.get("idToken") if isinstance(p.get("idToken"), dict) else {}
    group = p.get("groupIdToken") if isinstance(p.get("groupIdToken"), dict) else {}
    return [
        (
            "ReserveNow",
            _drop_none(
                {
                    "connectorId": p.get("evseId", 0),  # 1.6 connector 0: any connector of the station
                    "expiryDate": p.get("expiryDateTime"),
                    "idTag": token.get("idToken"),
                    "parentIdTag": group.get("idToken"),
                    "reservationId": p.get("id"),
                }
            ),
        )
    ]


def _id_tag_info(info):
    group = info.get("groupIdToken") if isinstance(info.get("groupIdToken"), dict) else {}
    status = info.get("status")
    return _drop_none(
        {
            "status": _AUTH_STATUS_TO_16.get(status, status),
            "expiryDate": info.get("cacheExpiryDateTime"),
            "parentIdTag": group.get("idToken"),
        }
    )


def _send_local_list(p):
    if "listVersion" in p:  # already 1.6-shaped
        return [("SendLocalList", p)]
    entries = []
    for item in p.get("localAuthorizationList") or []:
        if not isinstance(item, dict):
            raise CommandError("localAuthorizationList items must be objects")
        token = item.get("idToken") if isinstance(item.get("idToken"), dict) else {}
        entry = {"idTag": token.get("idToken")}
        if isinstance(item.get("idTokenInfo"), dict):  # without it the entry is deleted
            entry["idTagInfo"] = _id_tag_info(item["idTokenInfo"])
        entries.append(entry)
    return [
        (
            "SendLocalList",
            {
                "listVersion": p.get("versionNumber"),
                "updateType": p.get("updateType"),
                "localAuthorizationList": entries,
            },
        )
    ]


def _composite(p):
    if "connectorId" in p:  # already 1.6-shaped
        return [("GetCompositeSchedule", p)]
    return [
        (
            "GetCompositeSchedule",
            _drop_none(
                {
                    "connectorId": p.get("evseId"),
                    "duration": p.get("duration"),
                    "chargingRateUnit": p.get("chargingRateUnit"),
                }
            ),
        )
    ]


# generic (2.0.1) action -> translation to 1.6 calls
TO_16 = {
    "RequestStartTransaction": _start,
    "RequestStopTransaction": _stop,
    "UnlockConnector": _unlock,
    "Reset": _reset,
    "ChangeAvailability": _availability,
    "GetVariables": _get_variables,
    "SetVariables": _set_variables,
    "TriggerMessage": _trigger,
    "UpdateFirmware": _firmware,
    "GetLog": _get_log,
    "ClearCache": lambda p: [("ClearCache", {})],
    "SetChargingProfile": _set_profile,
    "ClearChargingProfile": _clear_profile,
    "ReserveNow": _reserve,
    "CancelReservation": lambda p: [("CancelReservation", {"reservationId": p.get("reservationId")})],
    "SendLocalList": _send_local_list,
    "GetLocalListVersion": lambda p: [("GetLocalListVersion", {})],
    "GetCompositeSchedule": _composite,
}


# generic (2.0.1) actions a 1.6 charger cannot receive -> why
NOT_IN_16 = {
    "CostUpdated": "CostUpdated is not supported in OCPP 1.6 (the running cost is a 2.0.1 message)",
}


def translate(action: str, params: dict, version: str) -> list[tuple[str, dict]]:
    """The OCPP call(s) that carry out a generic command for a charger of ``version``."""
    if not isinstance(params, dict):
        raise CommandError("params must be an object")
    if version == "2.0.1":
        if action not in ACTIONS_201:
            raise CommandError(f"{action} is not an OCPP 2.0.1 action")
        return [(action, params)]
    if action in NOT_IN_16:
        raise CommandError(NOT_IN_16[action])
    if action in TO_16:
        return TO_16[action](params)
    if action in ACTIONS_16:
        return [(action, params)]
    raise CommandError(f"{action} has no OCPP 1.6 equivalent")


def state_of(payload: dict) -> str:
    """accepted / rejected from one answer payload."""
    status = payload.get("status") if isinstance(payload, dict) else None
    if status is None:
        results = payload.get("setVariableResult") if isinstance(payload, dict) else None
        if isinstance(results, list):
            ok = all(r.get("attributeStatus") in ACCEPTED_STATUSES for r in results)
            return "accepted" if ok else "rejected"
        return "accepted"  # GetVariables, GetConfiguration, 1.6 UpdateFirmware/GetDiagnostics
    return "accepted" if status in ACCEPTED_STATUSES else "rejected"


def failed(reason: str, **extra) -> dict:
    return {"state": "failed", "result": {"error": reason, **extra}}


async def execute(bridge, command: dict, timeout: float | None = None) -> dict:
    """Run one command ``{id, charger, action, params}`` and return ``{state, result}``."""
    started = time.monotonic()
    action = str(command.get("action") or "")
    answer = await _execute(bridge, command, action, timeout)
    label = action if action in ACTIONS_201 or action in ACTIONS_16 else "_unknown"
    bridge.metrics.command_latency.labels(label, answer["state"]).observe(time.monotonic() - started)
    _logger.info(
        "command %s %s -> %s",
        command.get("id"),
        protocol.shorten(action),
        answer["state"],
        extra={"charger": command.get("charger"), "ms": round((time.monotonic() - started) * 1000, 1)},
    )
    return answer


async def _execute(bridge, command, action, timeout):
    identity = command.get("charger")
    session = bridge.server.sessions.get(identity)
    if session is None or session.cp is None:
        return failed(f"charger {identity} is not connected to node {bridge.config.node}")
    version = session.version
    try:
        calls = translate(action, command.get("params") or {}, version)
    except CommandError as exc:
        return failed(str(exc))
    for call_action, payload in calls:
        try:
            protocol.check_schema(CALL, call_action, payload, version)
        except RpcError as exc:
            return failed(f"invalid parameters for {call_action} (OCPP {version}): {exc.cause}")
    timeout = bridge.config.command_timeout if timeout is None else timeout
    deadline = time.monotonic() + timeout
    answers = []
    for call_action, payload in calls:
        try:
            frame = await session.cp.send_call(call_action, payload, max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            return {"state": "timeout", "result": {"error": f"no answer from {identity} within {timeout:g}s"}}
        except ChargerGone as exc:
            return failed(f"charger {identity}: {exc}")
        if frame.type == CALLERROR:
            # errorCode lets Odoo remember what a station does not implement (NotImplemented,
            # NotSupported) and stop sending it
            return failed(
                f"{frame.error_code}: {frame.error_description}",
                errorCode=frame.error_code,
                action=call_action,
                details=frame.error_details,
            )
        answers.append((call_action, payload, frame.payload))
    if len(answers) == 1:
        result = answers[0][2]
    else:
        result = {"results": [{"action": a, "request": p, "response": r} for a, p, r in answers]}
    ok = all(state_of(r) == "accepted" for _a, _p, r in answers)
    return {"state": "accepted" if ok else "rejected", "result": result}
