"""Each time a Schedule K-1 is furnished to its partner: how, when, which version."""

from odoo import fields, models

CHANNELS = [("email", "Email (PDF attached)"), ("portal", "Portal"), ("paper", "Paper (to print and mail)")]


class EvSpvK1Furnishing(models.Model):
    _name = "ev.spv.k1.furnishing"
    _description = "K-1 furnishing"
    _order = "furnished_at desc, id desc"

    k1_id = fields.Many2one("ev.spv.k1", string="K-1", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="k1_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="k1_id.partner_id", store=True, index=True, string="Partner contact")
    version = fields.Integer(required=True)
    channel = fields.Selection(CHANNELS, required=True)
    furnished_at = fields.Datetime(default=fields.Datetime.now, required=True)
    state = fields.Selection([("pending", "To do"), ("done", "Done")], default="done", required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.uid)
    consent_id = fields.Many2one("ev.spv.consent", help="The consent in force when furnished electronically.")
    mail_id = fields.Many2one("mail.mail", string="Email")
    note = fields.Char()
