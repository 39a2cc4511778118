"""Smart charging (pure: no Odoo import): charging-profile templates checked before they are sent,
their generic (OCPP 2.0.1) payload, and composite schedules read from either version's answer.

A template is a plain dict::

    {"id": 7, "purpose": "TxDefaultProfile", "stack_level": 0, "kind": "Absolute",
     "recurrency": None, "unit": "A", "start_schedule": "2026-07-01T00:00:00Z" | None,
     "duration": 86400 | None, "valid_from": iso | None, "valid_to": iso | None,
     "min_rate": 6.0 | None, "periods": [{"start": 0, "limit": 16.0, "phases": 3 | None}, ...]}

``problems(template, evse_id, now)`` lists everything wrong with it (empty: it may be sent).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

try:  # inside Odoo the lib is a package; the odoo-free unit tests import the modules by name
    from . import ev_ocpp
except ImportError:  # pragma: no cover
    import ev_ocpp

#: the purposes a template may have (a TxProfile belongs to one transaction, not to a template)
PURPOSES = ("ChargingStationMaxProfile", "TxDefaultProfile")
KINDS = ("Absolute", "Recurring", "Relative")
RECURRENCIES = {"Daily": 86_400, "Weekly": 604_800}
UNITS = ("A", "W")
#: OCPP 2.0.1 caps a schedule at 1024 periods
MAX_PERIODS = 1024
#: the longest composite schedule Odoo asks for (one week)
MAX_COMPOSITE_DURATION = 604_800


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def problems(template: dict, evse_id: int | None = None, now: datetime | None = None) -> list[str]:
    """Human-readable reasons ``template`` cannot be sent (on EVSE ``evse_id``, 0 = the station as a
    whole; valid at ``now``); an empty list when it can. The same rules hold for both OCPP versions
    (the bridge maps the purposes to their 1.6 names)."""
    found = []
    purpose, kind, unit = template.get("purpose"), template.get("kind"), template.get("unit")
    if purpose not in PURPOSES:
        found.append(f"purpose must be one of {', '.join(PURPOSES)} (got {purpose!r})")
    if kind not in KINDS:
        found.append(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    if unit not in UNITS:
        found.append(f"the charging rate unit must be A or W (got {unit!r})")
    stack = template.get("stack_level")
    if not _int(stack) or stack < 0:
        found.append(f"the stack level must be an integer of 0 or more (got {stack!r})")
    found += _kind_problems(template, evse_id)
    min_rate = template.get("min_rate")
    if min_rate is not None and (not _number(min_rate) or min_rate < 0):
        found.append(f"the minimum charging rate must be 0 or more (got {min_rate!r})")
    found += _period_problems(template.get("periods") or [], template.get("duration"))
    found += _validity_problems(template.get("valid_from"), template.get("valid_to"), now)
    if evse_id is not None and (not _int(evse_id) or evse_id < 0):
        found.append(f"the EVSE must be 0 (the station) or a positive EVSE id (got {evse_id!r})")
    return found


def _kind_problems(template, evse_id):
    """Recurrency, schedule start, duration and EVSE against the profile's kind and purpose."""
    found = []
    kind, purpose = template.get("kind"), template.get("purpose")
    recurrency, start = template.get("recurrency"), template.get("start_schedule")
    if kind == "Recurring":
        if recurrency not in RECURRENCIES:
            found.append("a recurring profile needs a recurrency (Daily or Weekly)")
        if not start:
            found.append("a recurring profile needs a schedule start (the first day it applies from)")
    elif recurrency:
        found.append("only a recurring profile has a recurrency")
    if kind == "Relative" and start:
        found.append("a relative profile starts with the transaction: it has no schedule start")
    if purpose == "ChargingStationMaxProfile":
        if kind == "Relative":
            found.append("a station maximum profile cannot be relative (OCPP K01.FR.38)")
        if evse_id not in (None, 0):
            found.append("a station maximum profile applies to the whole station (EVSE 0), not to one EVSE")
    duration = template.get("duration")
    if duration is not None and (not _int(duration) or duration <= 0):
        found.append(f"the duration must be a positive number of seconds (got {duration!r})")
    elif duration and recurrency in RECURRENCIES and duration > RECURRENCIES[recurrency]:
        found.append(f"a {recurrency.lower()} profile lasts at most {RECURRENCIES[recurrency]} seconds")
    return found


def _period_problems(periods, duration):
    found = []
    if not periods:
        return ["a profile needs at least one period (starting at 0 s)"]
    if len(periods) > MAX_PERIODS:
        found.append(f"a schedule holds at most {MAX_PERIODS} periods (got {len(periods)})")
    previous = None
    for n, period in enumerate(periods, start=1):
        start, limit, phases = period.get("start"), period.get("limit"), period.get("phases")
        if not _int(start) or start < 0:
            found.append(f"period {n}: the start must be a whole number of seconds of 0 or more (got {start!r})")
            continue
        if n == 1 and start != 0:
            found.append(f"the first period must start at 0 s (it starts at {start} s)")
        if previous is not None and start <= previous:
            found.append(f"period {n}: starts at {start} s, not after the period before it ({previous} s)")
        if duration and start >= duration:
            found.append(f"period {n}: starts at {start} s, at or after the end of the profile ({duration} s)")
        if not _number(limit) or limit < 0:
            found.append(f"period {n}: the limit must be a number of 0 or more (got {limit!r})")
        if phases is not None and phases not in (1, 2, 3):
            found.append(f"period {n}: the number of phases must be 1, 2 or 3 (got {phases!r})")
        previous = start
    return found


def _validity_problems(valid_from, valid_to, now):
    found, parsed = [], {}
    for name, value in (("valid from", valid_from), ("valid to", valid_to)):
        if value:
            try:
                parsed[name] = ev_ocpp.parse_timestamp(value)
            except ValueError as exc:
                found.append(f"{name}: {exc}")
    if "valid from" in parsed and "valid to" in parsed and parsed["valid to"] <= parsed["valid from"]:
        found.append("the profile must be valid to a time after the one it is valid from")
    if now is not None and "valid to" in parsed and parsed["valid to"] <= now:
        found.append("the profile is no longer valid (its valid-to time has passed)")
    return found


def _drop_none(d):
    return {k: v for k, v in d.items() if v is not None}


def payload(template: dict, transaction_id: str | None = None) -> dict:
    """The generic (2.0.1) ChargingProfileType of a template (checked with ``problems`` first)."""
    periods = [
        _drop_none({"startPeriod": p["start"], "limit": float(p["limit"]), "numberPhases": p.get("phases")})
        for p in template["periods"]
    ]
    schedule = _drop_none(
        {
            "id": 1,
            "startSchedule": template.get("start_schedule") or None,
            "duration": template.get("duration") or None,
            "chargingRateUnit": template["unit"],
            "chargingSchedulePeriod": periods,
            "minChargingRate": template.get("min_rate"),
        }
    )
    return _drop_none(
        {
            "id": template["id"],
            "stackLevel": template["stack_level"],
            "chargingProfilePurpose": template["purpose"],
            "chargingProfileKind": template["kind"],
            "recurrencyKind": template.get("recurrency") or None,
            "validFrom": template.get("valid_from") or None,
            "validTo": template.get("valid_to") or None,
            "transactionId": transaction_id,
            "chargingSchedule": [schedule],
        }
    )


# --- Composite schedules -----------------------------------------------------------------------
def composite_problems(evse_id, duration, unit) -> list[str]:
    """Reasons a GetCompositeSchedule request is refused before it is sent."""
    found = []
    if not _int(evse_id) or evse_id < 0:
        found.append(f"the EVSE must be 0 (the whole station) or a positive EVSE id (got {evse_id!r})")
    if not _int(duration) or not 0 < duration <= MAX_COMPOSITE_DURATION:
        found.append(f"the duration must be 1 to {MAX_COMPOSITE_DURATION} seconds (got {duration!r})")
    if unit not in (None, *UNITS):
        found.append(f"the charging rate unit must be A or W (got {unit!r})")
    return found


def composite_schedule(result: dict, version: str) -> dict:
    """The answer to GetCompositeSchedule in one shape: ``{"status", "evse_id", "start" (aware
    datetime or None), "duration", "unit", "min_rate", "periods": [{"start", "limit", "phases"}]}``.
    Raises ValueError for an answer that contradicts the schema."""
    if not isinstance(result, dict) or not isinstance(result.get("status"), str):
        raise ValueError(f"GetCompositeSchedule answer without a status: {result!r}")
    if version == "1.6":
        schedule = result.get("chargingSchedule") or {}
        evse_id = result.get("connectorId")
        start = result.get("scheduleStart") or schedule.get("startSchedule")
    else:
        schedule = result.get("schedule") or {}
        evse_id = schedule.get("evseId")
        start = schedule.get("scheduleStart")
    periods = []
    for raw in schedule.get("chargingSchedulePeriod") or []:
        if not _int(raw.get("startPeriod")) or not _number(raw.get("limit")):
            raise ValueError(f"composite schedule period without an integer startPeriod and a limit: {raw!r}")
        periods.append({"start": raw["startPeriod"], "limit": float(raw["limit"]), "phases": raw.get("numberPhases")})
    periods.sort(key=lambda p: p["start"])
    return {
        "status": result["status"],
        "evse_id": evse_id if _int(evse_id) else None,
        "start": ev_ocpp.parse_timestamp(start) if start else None,
        "duration": schedule.get("duration") if _int(schedule.get("duration")) else None,
        "unit": schedule.get("chargingRateUnit") or None,
        "min_rate": float(schedule["minChargingRate"]) if _number(schedule.get("minChargingRate")) else None,
        "periods": periods,
    }


def schedule_rows(start: datetime | None, duration: int | None, periods: list[dict]) -> list[dict]:
    """Each period with its absolute start and end (``None`` when the schedule has no start, or the
    last period of an open schedule): ``[{"from", "to", "seconds", "limit", "phases"}]``."""
    rows = []
    for n, period in enumerate(periods):
        end = periods[n + 1]["start"] if n + 1 < len(periods) else duration
        rows.append(
            {
                "from": start + timedelta(seconds=period["start"]) if start else None,
                "to": start + timedelta(seconds=end) if start and end is not None else None,
                "seconds": (end - period["start"]) if end is not None else None,
                "limit": period["limit"],
                "phases": period.get("phases"),
            }
        )
    return rows
