from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    ev_session_ids = fields.One2many("ev.session", "invoice_id", string="Charging sessions")
    ev_session_count = fields.Integer(compute="_compute_ev_session_count")

    def _compute_ev_session_count(self):
        counts = dict(
            self.env["ev.session"].sudo()._read_group([("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"])
        )
        for move in self:
            move.ev_session_count = counts.get(move, 0)

    def _prepare_product_base_line_for_taxes_computation(self, product_line):
        """A session's invoice line shows its real quantity (kWh, minutes) and rate, while its amount, and so the
        base of its taxes, is the pricing engine's rounded line amount: the taxes are computed as the engine does
        (on the rounded lines) and the invoice matches the session's bill."""
        base_line = super()._prepare_product_base_line_for_taxes_computation(product_line)
        amount = product_line._ev_accounting_amount()
        if amount is not None:
            base_line.update(price_unit=amount, quantity=1.0, discount=0.0)
        return base_line

    def action_ev_view_sessions(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("ev_charging.ev_session_action")
        action["domain"] = [("invoice_id", "=", self.id)]
        return action
