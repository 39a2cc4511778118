"""Pure OCPP rules of ev_charging (no Odoo)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ev_ocpp
import pytest
from ev_ocpp import session_energy

D = Decimal
UTC = UTC


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Available", "Available"),
        ("Preparing", "Occupied"),
        ("Charging", "Occupied"),
        ("SuspendedEV", "Occupied"),
        ("SuspendedEVSE", "Occupied"),
        ("Finishing", "Occupied"),
        ("Reserved", "Reserved"),
        ("Unavailable", "Unavailable"),
        ("Faulted", "Faulted"),
    ],
)
def test_status_16_mapped_to_201(raw, expected):
    assert ev_ocpp.normalize_status(raw, "1.6") == expected


def test_status_201_passes_and_unknown_rejected():
    assert ev_ocpp.normalize_status("Occupied", "2.0.1") == "Occupied"
    with pytest.raises(ValueError, match="Charging"):
        ev_ocpp.normalize_status("Charging", "2.0.1")  # no such 2.0.1 connector status
    with pytest.raises(ValueError, match="Bogus"):
        ev_ocpp.normalize_status("Bogus", "1.6")


def test_units_normalised_to_wh_and_w():
    assert ev_ocpp.normalize_value("12.5", "kWh", "Energy.Active.Import.Register") == (D("12500.0"), "Wh")
    assert ev_ocpp.normalize_value(7.2, "kW", "Power.Active.Import") == (D("7200.0"), "W")
    # no unit: OCPP default for energy is Wh
    assert ev_ocpp.normalize_value("100", None, "Energy.Active.Import.Register") == (D("100"), "Wh")
    # 2.0.1 multiplier is a power of ten
    assert ev_ocpp.normalize_value(15, "Wh", "Energy.Active.Import.Register", 3) == (D("15000"), "Wh")
    assert ev_ocpp.normalize_value("21", "Celcius", "Temperature") == (D("21"), "Celsius")


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "inf"])
def test_non_numeric_values_rejected(bad):
    with pytest.raises(ValueError):
        ev_ocpp.normalize_value(bad, "Wh", "Energy.Active.Import.Register")


def test_unknown_unit_rejected():
    with pytest.raises(ValueError, match="parsec"):
        ev_ocpp.normalize_value("1", "parsec", "Energy.Active.Import.Register")


def test_parse_meter_values_both_versions():
    v16 = [
        {
            "timestamp": "2026-05-01T10:00:00Z",
            "sampledValue": [
                {"value": "1.5", "unit": "kWh"},
                {"value": "7000", "measurand": "Power.Active.Import", "unit": "W", "phase": "L1"},
            ],
        }
    ]
    s = ev_ocpp.parse_meter_values(v16, "1.6")
    assert [(x.measurand, x.value, x.unit, x.phase) for x in s] == [
        ("Energy.Active.Import.Register", D("1500.0"), "Wh", ""),
        ("Power.Active.Import", D("7000"), "W", "L1"),
    ]
    v201 = [
        {
            "timestamp": "2026-05-01T10:00:00.250+02:00",
            "sampledValue": [
                {
                    "value": 2.0,
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "kWh"},
                    "context": "Transaction.Begin",
                }
            ],
        }
    ]
    s = ev_ocpp.parse_meter_values(v201, "2.0.1")
    assert s[0].timestamp == datetime(2026, 5, 1, 8, 0, 0, 250000, tzinfo=UTC)
    assert (s[0].value, s[0].context) == (D("2000.0"), "Transaction.Begin")


def test_timestamps():
    assert ev_ocpp.parse_timestamp("2026-01-02T03:04:05.678Z") == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert ev_ocpp.parse_timestamp("2026-01-02T03:04:05-05:00") == datetime(2026, 1, 2, 8, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        ev_ocpp.parse_timestamp("yesterday")
    received = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert ev_ocpp.sane_timestamp("1970-01-01T00:00:10Z", received) == (received, True)
    assert ev_ocpp.sane_timestamp("2026-06-01T11:59:00Z", received) == (received - timedelta(minutes=1), False)
    assert ev_ocpp.sane_timestamp(None, received) == (received, True)


class TestSessionEnergy:
    def test_cumulative_register(self):
        r = session_energy(D(1_234_000), D(1_256_500), [D(1_240_000), D(1_250_000)])
        assert r.energy_kwh == D("22.500") and not r.start_fixed and not r.unreliable

    def test_per_transaction_register(self):
        r = session_energy(D(0), D(18_250), [D(5_000), D(12_000)], last_known_register=None)
        assert r.energy_kwh == D("18.250") and not r.start_fixed

    def test_per_transaction_register_with_previous_session_not_mistaken(self):
        # previous session ended at 25 kWh on a per-transaction register; this one restarts at 0
        r = session_energy(D(0), D(30_000), [D(0), D(14_000)], last_known_register=D(25_000))
        assert r.energy_kwh == D("30.000") and not r.start_fixed

    def test_offline_meter_start_zero_on_cumulative_register(self):
        # lifetime register at 4,567,000 Wh; the offline transaction reports meterStart = 0
        r = session_energy(D(0), D(4_590_000), [D(4_570_000), D(4_580_000)], last_known_register=D(4_567_000))
        assert r.start_fixed and r.meter_start_wh == D(4_570_000)
        assert r.energy_kwh == D("20.000")  # never 4,590 kWh

    def test_meter_start_zero_implausible_register_without_history(self):
        r = session_energy(D(0), D(9_000_000), [D(8_990_000)])
        assert r.start_fixed and r.energy_kwh == D("10.000")

    def test_meter_start_zero_cumulative_without_samples_uses_last_known(self):
        r = session_energy(D(0), D(4_590_000), [], last_known_register=D(4_567_000))
        assert r.start_fixed and r.energy_kwh == D("23.000")

    def test_known_kinds_settle_a_zero_start(self):
        # a young cumulative register (under 1 MWh, no history): only the configured kind tells
        r = session_energy(D(0), D(530_000), [D(520_000), D(525_000)], register_kind="cumulative")
        assert r.start_fixed and r.energy_kwh == D("10.000")
        r = session_energy(D(0), D(530_000), [D(520_000)], register_kind=None)
        assert not r.start_fixed and r.energy_kwh == D("530.000")  # heuristics cannot tell
        r = session_energy(D(0), D(9_000_000), [D(8_990_000)], register_kind="per_transaction")
        assert not r.start_fixed and r.energy_kwh == D("9000.000")
        # a brand-new cumulative register really at 0
        r = session_energy(D(0), D(0), [D(0)], register_kind="cumulative")
        assert not r.start_fixed and r.energy_kwh == D("0.000")

    def test_unknown_start_uses_first_sample_and_unknown_stop_the_max(self):
        # 2.0.1 without Transaction.Begin: samples arrive out of order
        r = session_energy(None, None, [D(100_000), D(103_500), D(101_000)])
        assert r.energy_kwh == D("3.500")

    def test_register_going_backwards_is_unreliable_not_negative(self):
        r = session_energy(D(50_000), D(10_000), [])
        assert r.energy_kwh == D("0.000") and r.unreliable

    def test_nothing_known(self):
        r = session_energy(None, None, [])
        assert r.energy_kwh == D("0.000") and not r.unreliable

    def test_one_zero_start_rule_for_both_versions(self):
        """A lifetime register at 45,000 kWh, 5.5 kWh delivered, the start reported as 0: 1.6 meterStart 0
        (the readings are samples only) and 2.0.1 Transaction.Begin 0 (stored among the readings) give the
        same answer (issue 7, item 2)."""
        life = D(45_000_000)
        v16 = ev_ocpp.register_energy(
            D(0), life + 5_500, [(life, "Sample.Periodic"), (life + 2_500, "Sample.Periodic")]
        )
        v201 = ev_ocpp.register_energy(
            D(0),
            life + 5_500,
            [
                (D(0), "Transaction.Begin"),
                (life, "Sample.Periodic"),
                (life + 2_500, "Sample.Periodic"),
                (life + 5_500, "Transaction.End"),
            ],
        )
        assert v16 == v201
        assert v201.energy_kwh == D("5.500") and v201.start_fixed and v201.meter_start_wh == life

    def test_zero_start_without_readings_but_the_stop_is_unreliable(self):
        # 2.0.1: Begin 0 and End only; 1.6: meterStart 0, meterStop; no history: cannot tell, never bill 45 MWh
        life = D(45_005_500)
        v201 = ev_ocpp.register_energy(D(0), life, [(D(0), "Transaction.Begin"), (life, "Transaction.End")])
        assert v201 == ev_ocpp.register_energy(D(0), life, [])
        assert v201.unreliable and v201.energy_kwh == D("0.000")

    def test_end_reading_is_the_stop_when_none_reported(self):
        r = ev_ocpp.register_energy(D(1_000), None, [(D(1_500), ""), (D(4_000), "Transaction.End")])
        assert r.energy_kwh == D("3.000") and r.meter_stop_wh == D(4_000)

    def test_rounding_half_up_to_wh(self):
        assert session_energy(D(0), D("1234.5"), []).energy_kwh == D("1.235")


def test_durations_and_overlap():
    t0 = datetime(2026, 3, 1, 10, 0)
    assert ev_ocpp.duration_seconds(t0, t0 + timedelta(minutes=195), t0) == 11700
    assert ev_ocpp.duration_seconds(t0, None, t0 + timedelta(hours=2)) == 7200
    # a 3h fault of which only the last hour falls in the window
    assert (
        ev_ocpp.overlap_seconds(
            t0, t0 + timedelta(hours=3), t0 + timedelta(hours=2), t0 + timedelta(hours=5), t0 + timedelta(hours=9)
        )
        == 3600
    )
    assert (
        ev_ocpp.overlap_seconds(t0, t0 + timedelta(hours=1), t0 + timedelta(hours=2), t0 + timedelta(hours=5), t0) == 0
    )
    assert ev_ocpp.fmt_duration(11700) == "3:15:00"
