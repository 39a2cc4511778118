"""Workbooks (xlsx) of the grant reports. Pure Python: needs xlsxwriter, never Odoo.

``build_xlsx(title, sheets)`` takes ``sheets`` as ``[(sheet name, header, rows)]`` with rows of
plain values (``Decimal`` amounts are written as numbers with two decimals) and returns the bytes
of the file. Every report of the addon (budget vs actual, program rollup, CEO compliance report,
SF-425) is written through it, from the same rows its PDF shows.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter


def build_xlsx(title: str, sheets: list[tuple]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
    amount = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.write(0, 0, title, bold)
        for col, label in enumerate(header):
            sheet.write(2, col, label, head)
            sheet.set_column(col, col, max(12, min(45, len(str(label)) + 2)))
        for r, row in enumerate(rows, start=3):
            for c, value in enumerate(row):
                if isinstance(value, Decimal):
                    sheet.write_number(r, c, float(value), amount)
                elif isinstance(value, bool):
                    sheet.write(r, c, "yes" if value else "no")
                elif isinstance(value, datetime | date):
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
                elif value is None:
                    sheet.write_blank(r, c, None)
                else:
                    sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()
