from odoo import fields, models


class EvEvchartFile(models.Model):
    _name = "ev.evchart.file"
    _description = "EV-ChART CSV file"
    _order = "export_id, module, name"

    export_id = fields.Many2one("ev.evchart.export", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="export_id.company_id", store=True, index=True)
    module = fields.Selection([("2", "2"), ("3", "3"), ("4", "4"), ("9", "9")], required=True)
    name = fields.Char("File name", required=True)
    data = fields.Binary("CSV", attachment=True, required=True)
    row_count = fields.Integer("Rows")
