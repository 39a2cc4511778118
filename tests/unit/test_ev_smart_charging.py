"""ev_charging/lib/ev_smart_charging.py: charging-profile templates checked before sending, their
payload, composite schedules of both versions."""

from datetime import UTC, datetime

import ev_smart_charging as sc
import pytest

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def template(**kw):
    base = {
        "id": 7,
        "purpose": "TxDefaultProfile",
        "stack_level": 1,
        "kind": "Absolute",
        "recurrency": None,
        "unit": "A",
        "start_schedule": "2026-07-01T00:00:00Z",
        "duration": 86400,
        "valid_from": None,
        "valid_to": None,
        "min_rate": 6.0,
        "periods": [{"start": 0, "limit": 16.0, "phases": 3}, {"start": 3600, "limit": 10, "phases": None}],
    }
    base.update(kw)
    return base


def test_a_good_template_has_no_problem_and_its_payload():
    assert sc.problems(template(), 1, NOW) == []
    assert sc.payload(template()) == {
        "id": 7,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": 1,
                "startSchedule": "2026-07-01T00:00:00Z",
                "duration": 86400,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                    {"startPeriod": 3600, "limit": 10.0},
                ],
                "minChargingRate": 6.0,
            }
        ],
    }
    relative = template(kind="Relative", start_schedule=None, duration=None, min_rate=None)
    assert sc.problems(relative, 0) == []
    assert sc.payload(relative, "TX-1")["chargingSchedule"][0] == {
        "id": 1,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
            {"startPeriod": 3600, "limit": 10.0},
        ],
    }
    assert sc.payload(relative, "TX-1")["transactionId"] == "TX-1"


@pytest.mark.parametrize(
    "changes,evse,expected",
    [
        ({"purpose": "TxProfile"}, 1, "purpose must be one of"),
        ({"kind": "Sometimes"}, 1, "kind must be one of"),
        ({"unit": "kW"}, 1, "unit must be A or W"),
        ({"stack_level": -1}, 1, "stack level"),
        ({"stack_level": 1.5}, 1, "stack level"),
        ({"kind": "Recurring"}, 1, "needs a recurrency"),
        ({"kind": "Recurring", "recurrency": "Daily", "start_schedule": None}, 1, "needs a schedule start"),
        ({"recurrency": "Daily"}, 1, "only a recurring profile"),
        ({"kind": "Relative"}, 1, "no schedule start"),
        ({"purpose": "ChargingStationMaxProfile"}, 1, "whole station (EVSE 0)"),
        ({"purpose": "ChargingStationMaxProfile", "kind": "Relative", "start_schedule": None}, 0, "cannot be relative"),
        ({"duration": 0}, 1, "positive number of seconds"),
        ({"kind": "Recurring", "recurrency": "Daily", "duration": 90000}, 1, "at most 86400 seconds"),
        ({"min_rate": -1}, 1, "minimum charging rate"),
        ({"periods": []}, 1, "at least one period"),
        ({"periods": [{"start": 60, "limit": 16}]}, 1, "first period must start at 0"),
        ({"periods": [{"start": 0, "limit": 16}, {"start": 0, "limit": 8}]}, 1, "not after the period before"),
        ({"periods": [{"start": 0, "limit": 16}, {"start": 90000, "limit": 8}]}, 1, "at or after the end"),
        ({"periods": [{"start": 0, "limit": -2}]}, 1, "limit must be a number of 0 or more"),
        ({"periods": [{"start": 0, "limit": float("nan")}]}, 1, "limit must be a number"),
        ({"periods": [{"start": 0, "limit": "16"}]}, 1, "limit must be a number"),
        ({"periods": [{"start": 0, "limit": 16, "phases": 4}]}, 1, "phases must be 1, 2 or 3"),
        ({"periods": [{"start": -5, "limit": 16}]}, 1, "whole number of seconds"),
        ({"periods": [{"start": p, "limit": 1} for p in range(1025)], "duration": None}, 1, "at most 1024 periods"),
        ({"valid_from": "2026-08-01T00:00:00Z", "valid_to": "2026-07-15T00:00:00Z"}, 1, "valid to a time after"),
        ({"valid_to": "2026-06-30T00:00:00Z"}, 1, "no longer valid"),
        ({"valid_from": "yesterday"}, 1, "valid from"),
        ({}, -1, "EVSE must be 0"),
    ],
)
def test_each_problem_is_named(changes, evse, expected):
    found = sc.problems(template(**changes), evse, NOW)
    assert any(expected in p for p in found), found


def test_composite_problems():
    assert sc.composite_problems(0, 3600, "A") == []
    assert sc.composite_problems(2, 60, None) == []
    assert len(sc.composite_problems(-1, 0, "kW")) == 3
    assert sc.composite_problems(1, sc.MAX_COMPOSITE_DURATION + 1, "W")


def test_composite_schedule_201():
    answer = {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "duration": 7200,
            "scheduleStart": "2026-07-01T12:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [
                {"startPeriod": 3600, "limit": 10},
                {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
            ],
        },
    }
    got = sc.composite_schedule(answer, "2.0.1")
    assert got == {
        "status": "Accepted",
        "evse_id": 1,
        "start": NOW,
        "duration": 7200,
        "unit": "A",
        "min_rate": None,
        "periods": [{"start": 0, "limit": 16.0, "phases": 3}, {"start": 3600, "limit": 10.0, "phases": None}],
    }
    rows = sc.schedule_rows(got["start"], got["duration"], got["periods"])
    assert [(r["from"].hour, r["to"].hour, r["seconds"], r["limit"]) for r in rows] == [
        (12, 13, 3600, 16.0),
        (13, 14, 3600, 10.0),
    ]


def test_composite_schedule_16_and_rejected():
    answer = {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": "2026-07-01T12:00:00Z",
        "chargingSchedule": {
            "duration": 600,
            "chargingRateUnit": "W",
            "minChargingRate": 1400,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}],
        },
    }
    got = sc.composite_schedule(answer, "1.6")
    assert (got["evse_id"], got["unit"], got["duration"], got["min_rate"]) == (1, "W", 600, 1400.0)
    assert got["periods"] == [{"start": 0, "limit": 7400.0, "phases": None}]
    rejected = sc.composite_schedule({"status": "Rejected"}, "2.0.1")
    assert (rejected["status"], rejected["periods"], rejected["start"]) == ("Rejected", [], None)
    assert sc.schedule_rows(None, None, [{"start": 0, "limit": 5.0}]) == [
        {"from": None, "to": None, "seconds": None, "limit": 5.0, "phases": None}
    ]
    with pytest.raises(ValueError, match="without a status"):
        sc.composite_schedule({}, "1.6")
    with pytest.raises(ValueError, match="startPeriod"):
        sc.composite_schedule({"status": "Accepted", "schedule": {"chargingSchedulePeriod": [{"limit": 1}]}}, "2.0.1")
