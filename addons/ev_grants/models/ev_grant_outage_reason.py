from odoo import fields, models


class EvGrantOutageReason(models.Model):
    """Why an outage does not count against NEVI uptime (23 CFR 680.116(b)(3)), with the code
    EV-ChART module 4 expects in excluded_outage_reason (1-6)."""

    _name = "ev.grant.outage.reason"
    _description = "Excluded-outage reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical key, e.g. grid.")
    evchart_code = fields.Integer("EV-ChART code", required=True, help="excluded_outage_reason in module 4 (1-6).")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Another reason has this code."),
        ("evchart_code_ok", "CHECK (evchart_code BETWEEN 1 AND 6)", "EV-ChART reason codes are 1 to 6."),
    ]
