from odoo import fields, models


class EvEvchartProblem(models.Model):
    _name = "ev.evchart.problem"
    _description = "EV-ChART row that would be refused"
    _order = "export_id, file_name, row, id"

    export_id = fields.Many2one("ev.evchart.export", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="export_id.company_id", store=True, index=True)
    file_name = fields.Char("File")
    module = fields.Selection([("2", "2"), ("3", "3"), ("4", "4"), ("9", "9")])
    row = fields.Integer(help="1 = first data row; 0 = the header.")
    column = fields.Char()
    rule = fields.Char()
    message = fields.Char()
    station_id = fields.Char("Station ID")
    port_id = fields.Char("Port ID")
    source_ref = fields.Char("Source record", help="model,id of the record the row comes from.")

    def action_open_source(self):
        self.ensure_one()
        if not self.source_ref:
            return False
        model, res_id = self.source_ref.split(",")
        return {"type": "ir.actions.act_window", "res_model": model, "res_id": int(res_id), "view_mode": "form"}
