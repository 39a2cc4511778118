"""Cost, margin and margin % columns of the revenue workbook (lib/ev_revenue_xlsx.py, no Odoo)."""

import io
import re
import zipfile

from ev_revenue_xlsx import COLUMNS, build_revenue_xlsx


def cells(data):
    """{cell ref: raw value} of the first sheet (numbers only, shared strings as their index)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    return {ref: value for ref, value in re.findall(r'<c r="([A-Z]+\d+)"[^>]*><v>([^<]*)</v></c>', sheet)}


def test_margin_columns_per_row_and_total():
    keys = [key for key, _label, _width in COLUMNS]
    assert keys[-5:] == ["energy_cost", "other_cost", "cost", "margin", "margin_percent"]
    rows = [
        {
            "month": "2026-07",
            "site": "Depot",
            "company": "CPO",
            "currency": "USD",
            "sessions": 2,
            "energy_kwh": 15.0,
            "revenue_untaxed": 9.5,
            "tax": 0.95,
            "revenue_total": 10.45,
            "energy_cost": 3.0,
            "other_cost": 1.25,
        },
        {
            "month": "2026-07",
            "site": "Garage",
            "company": "CPO",
            "currency": "USD",
            "sessions": 0,
            "energy_kwh": 0.0,
            "revenue_untaxed": 0.0,
            "tax": 0.0,
            "revenue_total": 0.0,
            "energy_cost": 0.0,
            "other_cost": 40.0,
        },
    ]
    values = cells(build_revenue_xlsx(rows, "Test"))
    # row 4 (Depot): cost 4.25, margin 5.25, margin % 55.26 (5.25 / 9.5 = 55.263..)
    assert values["K4"] == "3" and values["L4"] == "1.25"
    assert values["M4"] == "4.25" and values["N4"] == "5.25" and values["O4"] == "55.26"
    # row 5 (Garage): a vendor bill and no revenue: margin -40, margin % undefined (blank, no division by 0)
    assert values["M5"] == "40" and values["N5"] == "-40"
    assert "O5" not in values
    # total line (row 7): from the totals, not an average of the rows' percentages
    assert values["M7"] == "44.25" and values["N7"] == "-34.75"
    assert values["O7"] == "-365.79"  # -34.75 / 9.5


def test_rows_without_cost_keys_have_zero_cost():
    rows = [
        {
            "month": "2026-08",
            "site": "Depot",
            "company": "CPO",
            "currency": "EUR",
            "sessions": 1,
            "energy_kwh": 10.0,
            "revenue_untaxed": 6.0,
            "tax": 0.0,
            "revenue_total": 6.0,
        }
    ]
    values = cells(build_revenue_xlsx(rows))
    assert values["M4"] == "0" and values["N4"] == "6" and values["O4"] == "100"
