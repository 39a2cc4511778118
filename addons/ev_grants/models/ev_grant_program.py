from odoo import fields, models


class EvGrantProgram(models.Model):
    _name = "ev.grant.program"
    _description = "Grant program"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, help="e.g. NEVI Formula Program, CFI, a state program.")
    code = fields.Char(required=True, help="Short code used in reports (NEVI, CFI, ...).")
    agency_id = fields.Many2one(
        "res.partner", string="Awarding agency", help="Awarding agency (e.g. FHWA, a state DOT).", check_company=True
    )
    assistance_listing = fields.Char(help="Assistance Listing (CFDA) number, e.g. 20.205.")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    rule_ids = fields.One2many("ev.grant.cost.rule", "program_id", string="Cost rules")
    grant_ids = fields.One2many("ev.grant", "program_id", string="Awards")
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_uniq", "unique(company_id, code)", "Another program of this company has this code.")]
