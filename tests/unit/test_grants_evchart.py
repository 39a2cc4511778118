"""EV-ChART column and row rules (ev_grants/lib/ev_grants_evchart.py), one refused row per rule of
shared/docs/evchart-columns.md, and the good files of modules 2, 3, 4 and 9."""

from datetime import date, datetime

import ev_grants_evchart as ec
import pytest

ALL_RULES = {
    "missing_station_column",
    "unknown_column",
    "duplicate_column",
    "missing_column",
    "blank",
    "max_length",
    "decimal",
    "min_value",
    "max_value",
    "datetime",
    "boolean",
    "integer",
    "m2_empty_session",
    "m3_operational_one_year",
    "m4_empty_outage",
    "m9_empty_capital_install_costs",
    "duplicate_key",
}
SEEN = set()


def rules(problems):
    found = {(p.row, p.column, p.rule) for p in problems}
    SEEN.update(p.rule for p in problems)
    return found


M2_HEADER = [
    "station_id",
    "network_provider",
    "port_id",
    "charger_id",
    "connector_id",
    "session_id",
    "session_start",
    "session_end",
    "session_error",
    "error_other",
    "energy_kwh",
    "power_kw",
    "payment_method",
    "payment_other",
]


def m2_row(**kw):
    row = {
        "station_id": "ST-1",
        "network_provider": "ev-suite",
        "port_id": "NYC-DC-01-1",
        "charger_id": "NYC-DC-01",
        "connector_id": "NYC-DC-01-1-1",
        "session_id": "S-1",
        "session_start": "2026-01-05T14:00:00Z",
        "session_end": "2026-01-05T14:45:30.250Z",
        "session_error": "none",
        "error_other": "",
        "energy_kwh": "42.17",
        "power_kw": "148.90",
        "payment_method": "rfid_card",
        "payment_other": "",
    }
    row.update(kw)
    return row


def test_good_module_2_file_is_written_and_reads_back():
    rows = [
        m2_row(),
        m2_row(session_id="S-2"),
        m2_row(
            session_id="",
            session_start="",
            session_end="",
            session_error="",
            energy_kwh="",
            power_kw="",
            payment_method="",
        ),
    ]
    text = ec.write_csv(2, M2_HEADER, rows)
    assert text.splitlines()[0] == ",".join(M2_HEADER)
    assert ec.validate_csv_text(2, text) == []


def test_header_rules():
    header = ["network_provider", "port_id", "session_id", "session_id", "colour"]
    found = rules(ec.validate(2, header, []))
    assert (0, "station_id", "missing_station_column") in found
    assert (0, "session_id", "duplicate_column") in found
    assert (0, "colour", "unknown_column") in found
    # required columns energy_kwh ... payment_method missing; optional charger_id is not
    for col in ("energy_kwh", "power_kw", "session_start", "session_end", "session_error", "payment_method"):
        assert (0, col, "missing_column") in found
    assert not any(c == "charger_id" for _r, c, _x in found)


def test_module_2_cell_rules():
    rows = [
        m2_row(port_id="P" * 37),  # 1 max_length 36
        m2_row(energy_kwh="123456.78"),  # 2 decimal(7,2): 6 integer digits
        m2_row(energy_kwh="1.234"),  # 3 3 decimals
        m2_row(power_kw="-1"),  # 4 min_value 0
        m2_row(power_kw="fast"),  # 5 not a number
        m2_row(session_start="2026-01-05 14:00:00"),  # 6 not ISO 8601 T
        m2_row(session_end="2026-02-30T10:00:00Z"),  # 7 not a real date
        m2_row(station_id=""),  # 8 station_id blank
        m2_row(port_id=" "),  # 9 port_id blank (empty ok = no)
        m2_row(error_other="x" * 256),  # 10 max_length 255
    ]
    rows = [{**row, "session_id": f"S-{i}"} for i, row in enumerate(rows, start=1)]
    found = rules(ec.validate(2, M2_HEADER, rows))
    assert found == {
        (1, "port_id", "max_length"),
        (2, "energy_kwh", "decimal"),
        (3, "energy_kwh", "decimal"),
        (4, "power_kw", "min_value"),
        (5, "power_kw", "decimal"),
        (6, "session_start", "datetime"),
        (7, "session_end", "datetime"),
        (8, "station_id", "blank"),
        (9, "port_id", "blank"),
        (10, "error_other", "max_length"),
    }


def test_module_2_row_rule_empty_session():
    rows = [
        m2_row(session_error="", payment_method=""),  # half-filled session: both blanks refused
        m2_row(
            session_id="",
            session_start="",
            session_end="",
            session_error="",
            energy_kwh="",
            power_kw="",
            payment_method="",
        ),  # "no sessions this period": accepted
        m2_row(session_id="S-9"),
        m2_row(session_id="S-9"),  # same station, port, session as row 3
    ]
    found = rules(ec.validate(2, M2_HEADER, rows))
    assert found == {
        (1, "session_error", "m2_empty_session"),
        (1, "payment_method", "m2_empty_session"),
        (4, "station_id,port_id,session_id", "duplicate_key"),
    }


M3_HEADER = [
    "station_id",
    "network_provider",
    "port_id",
    "uptime_reporting_start",
    "uptime_reporting_end",
    "uptime",
    "total_outage",
    "total_outage_excl",
]


def m3_row(**kw):
    row = {
        "station_id": "ST-1",
        "network_provider": "ev-suite",
        "port_id": "P-1",
        "uptime_reporting_start": "2025-04-01T00:00:00Z",
        "uptime_reporting_end": "2026-03-31T23:59:59Z",
        "uptime": "99.89",
        "total_outage": "1000.00",
        "total_outage_excl": "400.00",
    }
    row.update(kw)
    return row


def test_module_3_rules():
    rows = [
        m3_row(),
        m3_row(port_id="P-2", uptime="100.001"),  # decimal(5,2): 3 decimals
        m3_row(port_id="P-3", uptime="1000.00"),  # 4 integer digits
        m3_row(port_id="P-4", total_outage=""),  # blank, empty ok = no
        m3_row(port_id="P-5", total_outage_excl="123456.78"),  # decimal(8,2): 6 integer digits OK
        m3_row(port_id="P-6", total_outage_excl="1234567.00"),  # 7 integer digits
        m3_row(port_id="P-7", uptime=""),  # blank uptime, station operational for > 1 year
        m3_row(port_id="P-8", uptime_reporting_end=""),
    ]
    found = rules(ec.validate(3, M3_HEADER, rows, operational_date=date(2024, 1, 15)))
    assert found == {
        (2, "uptime", "decimal"),
        (3, "uptime", "decimal"),
        (4, "total_outage", "blank"),
        (6, "total_outage_excl", "decimal"),
        (7, "uptime", "m3_operational_one_year"),
        (8, "uptime_reporting_end", "blank"),
    }
    # operational since less than a year before the reporting start: blank uptime is fine
    assert ec.validate(3, M3_HEADER, [m3_row(uptime="")], operational_date=date(2024, 6, 1)) == []
    # without the operational date (offline) the rule cannot run
    assert ec.validate(3, M3_HEADER, [m3_row(uptime="")]) == []


M4_HEADER = [
    "station_id",
    "network_provider",
    "port_id",
    "outage_id",
    "outage_duration",
    "excluded_outage",
    "excluded_outage_reason",
    "excluded_outage_notes",
]


def m4_row(**kw):
    row = {
        "station_id": "ST-1",
        "network_provider": "ev-suite",
        "port_id": "P-1",
        "outage_id": "2026-01-10T06:30:00Z",
        "outage_duration": "195.00",
        "excluded_outage": "TRUE",
        "excluded_outage_reason": "1",
        "excluded_outage_notes": "Utility feeder trip",
    }
    row.update(kw)
    return row


def test_module_4_rules():
    rows = [
        m4_row(),
        m4_row(outage_id="2026-01-11T06:30:00Z", outage_duration="0.00"),  # min_value 0.01
        m4_row(outage_id="2026-01-12T06:30:00Z", excluded_outage="yes"),  # boolean
        m4_row(outage_id="2026-01-13T06:30:00Z", excluded_outage_reason="7"),  # max_value 6
        m4_row(outage_id="2026-01-14T06:30:00Z", excluded_outage_reason="0"),  # min_value 1
        m4_row(outage_id="2026-01-15T06:30:00Z", excluded_outage_reason="2.5"),  # integer
        m4_row(outage_id="2026-01-16T06:30:00Z", excluded_outage_notes=""),  # blank, empty ok = no
        m4_row(outage_id="", outage_duration="12.00"),  # one of the pair
        m4_row(outage_id="2026-01-18T06:30:00Z", outage_duration=""),  # the other one
        m4_row(),  # duplicate of row 1
        m4_row(outage_id="2026-01-19T06:30:00Z", excluded_outage="false"),  # any case is fine
    ]
    found = rules(ec.validate(4, M4_HEADER, rows))
    assert found == {
        (2, "outage_duration", "min_value"),
        (3, "excluded_outage", "boolean"),
        (4, "excluded_outage_reason", "max_value"),
        (5, "excluded_outage_reason", "min_value"),
        (6, "excluded_outage_reason", "integer"),
        (7, "excluded_outage_notes", "blank"),
        (8, "outage_id,outage_duration", "m4_empty_outage"),
        (9, "outage_id,outage_duration", "m4_empty_outage"),
        (10, "station_id,outage_id,port_id", "duplicate_key"),
    }


M9_COSTS = [c.name for c in ec.MODULES[9] if c.kind == "decimal"]


def m9_row(**kw):
    row = {"station_id": "ST-1", "network_provider": "ev-suite"}
    row.update({name: "1000.00" for name in M9_COSTS})
    row.update(kw)
    return row


def test_module_9_rules():
    header = ["station_id", "network_provider", *M9_COSTS, "equipment_acq_date", "station_upgrade", "project_id"]
    base = {"equipment_acq_date": "2025-11-03T00:00:00Z", "station_upgrade": "FALSE", "project_id": "NEVI-DEMO"}
    blank_costs = {name: "" for name in M9_COSTS if name not in ec.M9_REQUIRED_COST_FIELDS or name.endswith("_total")}
    rows = [
        m9_row(**base),
        m9_row(**{**base, "station_id": "ST-2", "equipment_cost_total": "1234567890.00"}),  # decimal(11,2): 10 digits
        m9_row(**{**base, "station_id": "ST-3", "equipment_install_cost_labor": "", "der_cost_federal": ""}),
        m9_row(**{**base, "station_id": "ST-4", **blank_costs}),  # totals blank, federal filled: ok
        m9_row(**{**base, "station_id": "ST-5", "equipment_acq_date": "", "station_upgrade": "maybe"}),
    ]
    found = rules(ec.validate(9, header, rows))
    assert found == {
        (2, "equipment_cost_total", "decimal"),
        (3, "der_cost_federal", "blank"),
        (3, "der_cost_federal", "m9_empty_capital_install_costs"),
        (5, "equipment_acq_date", "blank"),
        (5, "station_upgrade", "boolean"),
    }
    # a row with every cost blank but the federal required ones passes the row rule only when
    # those are filled; a required cost column missing is a header problem
    short = [h for h in header if h != "service_cost_federal"]
    assert (0, "service_cost_federal", "missing_column") in rules(ec.validate(9, short, []))


def test_template_rows_are_dropped_and_write_refuses_bad_rows():
    text = (
        "station_id,network_provider,port_id,outage_id,outage_duration\r\n"
        "string,string,string,datetime,decimal\r\n"
        "Required,Required,Required,Required,Required\r\n"
        "ST-1,ev-suite,P-1,2026-01-10T06:30:00Z,195.00\r\n"
    )
    header, rows = ec.read_csv_text(text)
    assert len(rows) == 1 and rows[0]["outage_duration"] == "195.00"
    assert ec.validate_csv_text(4, text) == []
    with pytest.raises(ec.EvChartError) as err:
        ec.write_csv(4, header, [{**rows[0], "outage_duration": "-5"}])
    assert "row 1, outage_duration: -5 is below the minimum 0.01 [min_value]" in str(err.value)
    with pytest.raises(ValueError, match="module 5"):
        ec.validate(5, header, rows)


def test_formats():
    assert ec.fmt_datetime(datetime(2026, 1, 5, 14, 0, 7)) == "2026-01-05T14:00:07Z"
    assert ec.fmt_decimal("42.1") == "42.10"
    assert ec.fmt_bool(0) == "FALSE"


def test_every_rule_of_the_document_was_exercised():
    SEEN.clear()
    for check in (
        test_header_rules,
        test_module_2_cell_rules,
        test_module_2_row_rule_empty_session,
        test_module_3_rules,
        test_module_4_rules,
        test_module_9_rules,
    ):
        check()
    assert SEEN == ALL_RULES


def test_quarterly_due_dates():
    assert ec.quarterly_due_date(2026, 1) == date(2026, 4, 30)
    assert ec.quarterly_due_date(2026, 3) == date(2026, 10, 31)
    assert ec.quarterly_due_date(2025, 4) == date(2026, 1, 31)
    assert [q[:2] for q in ec.quarterly_due_dates(date(2025, 11, 15), date(2026, 4, 1))] == [
        (2025, 4),
        (2026, 1),
        (2026, 2),
    ]
