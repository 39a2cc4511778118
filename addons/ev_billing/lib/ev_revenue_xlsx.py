"""Revenue workbook (xlsx) builder for ev_billing. Pure Python: needs xlsxwriter, never Odoo.

``build_revenue_xlsx(rows, title)`` takes plain dicts (one per site and month) and returns the
bytes of an .xlsx file with one sheet "Revenue": the rows, a total line per currency and the
average price per kWh computed as revenue / energy (never an average of averages).

Cost vs revenue: optional keys ``energy_cost`` (energy purchase cost) and ``other_cost`` (vendor
bills on the site's analytic account), 0 when absent. The sheet adds cost = energy_cost +
other_cost, margin = revenue excl. tax - cost, and margin % = margin / revenue x 100
(ev_site_margin.margin_percent, computed from the totals of the row or of the total line).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter

try:  # inside the Odoo addon (package import)
    from .ev_billing_policy import price_per_kwh, to_decimal
    from .ev_site_margin import margin_percent
except ImportError:  # unit tests put lib/ on sys.path
    from ev_billing_policy import price_per_kwh, to_decimal
    from ev_site_margin import margin_percent

COLUMNS = [
    ("month", "Month", 10),
    ("site", "Site", 28),
    ("company", "Company", 20),
    ("currency", "Currency", 9),
    ("sessions", "Sessions", 10),
    ("energy_kwh", "Energy sold (kWh)", 16),
    ("revenue_untaxed", "Revenue excl. tax", 17),
    ("tax", "Tax", 12),
    ("revenue_total", "Revenue incl. tax", 17),
    ("price_per_kwh", "Avg price / kWh (excl. tax)", 24),
    ("energy_cost", "Energy purchase cost", 17),
    ("other_cost", "Vendor bills", 14),
    ("cost", "Cost", 14),
    ("margin", "Margin", 14),
    ("margin_percent", "Margin %", 10),
]
TOTAL_KEYS = ("sessions", "energy_kwh", "revenue_untaxed", "tax", "revenue_total", "energy_cost", "other_cost")


def _with_margin(values: dict) -> dict:
    """Add cost, margin and margin % (Decimal) to a row or total of sums."""
    values = dict(values)
    energy_cost = to_decimal(values.get("energy_cost", 0))
    other_cost = to_decimal(values.get("other_cost", 0))
    values["energy_cost"] = energy_cost
    values["other_cost"] = other_cost
    values["cost"] = energy_cost + other_cost
    values["margin"] = to_decimal(values["revenue_untaxed"]) - values["cost"]
    values["margin_percent"] = margin_percent(values["revenue_untaxed"], values["cost"])
    return values


def build_revenue_xlsx(rows: Iterable[dict], title: str = "Revenue by site and month") -> bytes:
    """Rows need: month ('YYYY-MM'), site, company, currency, sessions, energy_kwh,
    revenue_untaxed, tax, revenue_total. Returns the workbook bytes."""
    rows = sorted(rows, key=lambda r: (r["currency"], r["month"], r["site"]))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Revenue")
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    kwh = book.add_format({"num_format": "#,##0.000"})
    money = book.add_format({"num_format": "#,##0.00"})
    rate = book.add_format({"num_format": "0.0000"})
    money_bold = book.add_format({"num_format": "#,##0.00", "bold": True})
    kwh_bold = book.add_format({"num_format": "#,##0.000", "bold": True})
    percent = book.add_format({"num_format": "0.00"})
    formats = {
        "energy_kwh": kwh,
        "revenue_untaxed": money,
        "tax": money,
        "revenue_total": money,
        "price_per_kwh": rate,
        "energy_cost": money,
        "other_cost": money,
        "cost": money,
        "margin": money,
        "margin_percent": percent,
    }
    sheet.write(0, 0, title, bold)
    for col, (_key, label, width) in enumerate(COLUMNS):
        sheet.write(2, col, label, head)
        sheet.set_column(col, col, width)
    row_no = 3
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        values = _with_margin(row)
        values["price_per_kwh"] = price_per_kwh(row["revenue_untaxed"], row["energy_kwh"])
        for col, (key, _label, _width) in enumerate(COLUMNS):
            value = values.get(key)
            if isinstance(value, Decimal):
                value = float(value)
            if value is None:
                sheet.write_blank(row_no, col, None)
            elif key in formats:
                sheet.write_number(row_no, col, float(value), formats[key])
            elif key == "sessions":
                sheet.write_number(row_no, col, int(value))
            else:
                sheet.write_string(row_no, col, str(value))
        total = totals.setdefault(row["currency"], {k: Decimal(0) for k in TOTAL_KEYS})
        for key in total:
            total[key] += to_decimal(row.get(key, 0))
        row_no += 1
    row_no += 1
    for currency, total in sorted(totals.items()):
        sheet.write(row_no, 0, "Total", bold)
        sheet.write(row_no, 3, currency, bold)
        sheet.write_number(row_no, 4, int(total["sessions"]), bold)
        sheet.write_number(row_no, 5, float(total["energy_kwh"]), kwh_bold)
        sheet.write_number(row_no, 6, float(total["revenue_untaxed"]), money_bold)
        sheet.write_number(row_no, 7, float(total["tax"]), money_bold)
        sheet.write_number(row_no, 8, float(total["revenue_total"]), money_bold)
        avg = price_per_kwh(total["revenue_untaxed"], total["energy_kwh"])
        if avg is not None:
            sheet.write_number(row_no, 9, float(avg), rate)
        summed = _with_margin(total)
        for col, key in ((10, "energy_cost"), (11, "other_cost"), (12, "cost"), (13, "margin")):
            sheet.write_number(row_no, col, float(summed[key]), money_bold)
        if summed["margin_percent"] is not None:
            sheet.write_number(row_no, 14, float(summed["margin_percent"]), percent)
        row_no += 1
    sheet.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()
