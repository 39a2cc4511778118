"""Form 1065 schedules and the K-1s of a tax year as a workbook (OCA report_xlsx)."""

from decimal import Decimal

from odoo import _, models
from odoo.exceptions import UserError

from ..lib import ev_tax_1065
from . import ev_tax_report_values as rv


class Form1065Xlsx(models.AbstractModel):
    _name = "report.ev_tax_equity.form_1065_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Form 1065 and K-1s (xlsx)"

    def generate_xlsx_report(self, workbook, data, objects):
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        for year in objects:
            if not year.return_data:
                raise UserError(_("Compute the return of %s first.", year.display_name))
            ret = year.return_data
            prefix = f"{year.spv_id.id}-{year.year}"
            for title, lines, key in (
                ("Page 1", rv.values()["page1_lines"], "page1"),
                ("Schedule K", rv.values()["k_lines"], "k"),
                ("M-1", list(rv.M1_LINES), "m1"),
                ("M-2", list(rv.M2_LINES), "m2"),
            ):
                sheet = workbook.add_worksheet(f"{title} {prefix}"[:31])
                sheet.write(0, 0, f"{year.spv_id.legal_name} {year.year}: {title}", bold)
                sheet.set_column(1, 1, 60)
                for row, (line, label) in enumerate(lines, 2):
                    sheet.write(row, 0, line)
                    sheet.write(row, 1, label)
                    if line in ret[key]:
                        sheet.write_number(row, 2, float(Decimal(ret[key][line])), money)
            sheet = workbook.add_worksheet(f"Schedule L {prefix}"[:31])
            sheet.write_row(0, 0, ["Line", "Item", "Beginning", "End"], bold)
            sheet.set_column(1, 1, 50)
            for row, (line, label) in enumerate(rv.values()["l_lines"], 1):
                sheet.write_row(row, 0, [line, label])
                sheet.write_number(row, 2, float(Decimal(ret["l_begin"].get(line, "0"))), money)
                sheet.write_number(row, 3, float(Decimal(ret["l_end"].get(line, "0"))), money)
            sheet = workbook.add_worksheet(f"K-1s {prefix}"[:31])
            lines = list(ev_tax_1065.K1_BOXES)
            sheet.write_row(
                0,
                0,
                ["Partner", "Version", "State"]
                + [f"Box {b}{(' ' + c) if c else ''}" for b, c in ev_tax_1065.K1_BOXES.values()],
                bold,
            )
            for row, k1 in enumerate(year.k1_ids.filtered(lambda k: k.state != "superseded").sorted("member_id"), 1):
                sheet.write_row(row, 0, [k1.partner_id.name, k1.version, k1.state])
                boxes = (k1.data or {}).get("boxes", {})
                for col, line in enumerate(lines, 3):
                    if line in boxes:
                        sheet.write_number(row, col, float(Decimal(boxes[line])), money)
