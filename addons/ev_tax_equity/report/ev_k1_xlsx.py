"""Schedules K-1 as a workbook, one sheet per K-1 (OCA report_xlsx)."""

from decimal import Decimal

from odoo import models


class K1Xlsx(models.AbstractModel):
    _name = "report.ev_tax_equity.k1_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Schedule K-1 (xlsx)"

    def generate_xlsx_report(self, workbook, data, objects):
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        for k1 in objects:
            sheet = workbook.add_worksheet(f"K-1 {k1.id} {k1.partner_id.name}"[:31])
            sheet.set_column(2, 2, 60)
            sheet.write(0, 0, f"Schedule K-1 (Form 1065) {k1.year}, version {k1.version}", bold)
            part1, part2 = k1.data["part1"], k1.data["part2"]
            sheet.write_row(1, 0, ["A", "EIN", part1["ein"]])
            sheet.write_row(2, 0, ["B", "Partnership", part1["name"]])
            sheet.write_row(3, 0, ["E", "Partner TIN", part2["tin"]])
            sheet.write_row(4, 0, ["F", "Partner", part2["name"]])
            row = 6
            sheet.write_row(row, 0, ["Box", "Code", "Item", "Amount"], bold)
            for box, code, label, amount in k1._ev_boxes():
                row += 1
                sheet.write_row(row, 0, [box, code, label])
                sheet.write_number(row, 3, float(Decimal(amount)), money)
            row += 2
            sheet.write(row, 0, "L", bold)
            for key, value in part2["L"].items():
                row += 1
                sheet.write(row, 2, key)
                sheet.write_number(row, 3, float(Decimal(value)), money)
