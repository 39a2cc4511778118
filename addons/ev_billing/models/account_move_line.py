from odoo import Command, api, fields, models

from .ev_session_cost_line import COST_KINDS
from .ev_tariff import RATE_DIGITS

#: decimal accuracy the invoice lines of a session need: a tariff's rates, energy to the Wh
EV_PRECISIONS = {"product.decimal_price": RATE_DIGITS[1], "product.decimal_product_uom": 3}


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    ev_session_id = fields.Many2one(
        "ev.session", string="Charging session", index="btree_not_null", copy=False, check_company=True
    )
    ev_cost_kind = fields.Selection(COST_KINDS, string="Charging component")
    ev_energy_kwh = fields.Float("Energy (kWh)", digits=(16, 3), copy=False)
    ev_amount = fields.Monetary(
        "Session line amount",
        help="The pricing engine's rounded amount of this line (quantity x unit price, rounded once). It is the "
        "line's amount in the accounting as long as quantity x unit price rounds to it (see account_move.py); "
        "a credit note copies it.",
    )

    @api.model
    def _ev_setup_invoice_lines(self):
        """What session invoice lines need, set at install and every update (never lowered or turned off):
        unit prices as precise as a tariff's rates (5 decimals), quantities to the Wh (3), and the units of
        measure shown (the "Units of Measure" setting: internal users imply ``uom.group_uom``)."""
        for xmlid, digits in EV_PRECISIONS.items():
            precision = self.env.ref(xmlid, raise_if_not_found=False)
            if precision and precision.digits < digits:
                precision.sudo().digits = digits
        group_uom = self.env.ref("uom.group_uom")
        internal = self.env.ref("base.group_user").sudo()
        if group_uom not in internal.implied_ids:
            internal.write({"implied_ids": [Command.link(group_uom.id)]})

    def _ev_accounting_amount(self):
        """The engine's amount when this is an unchanged session line of an invoice: its quantity x unit price
        rounds to it (a line edited afterwards is computed the standard way)."""
        self.ensure_one()
        if not self.ev_cost_kind or self.discount or not self.move_id.is_invoice(include_receipts=True):
            return None
        # quantity x unit price is within half a minor unit of the amount, give or take the unit price's own
        # rounding (a time rate per hour shown per minute)
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        tolerance = self.currency_id.rounding / 2 + abs(self.quantity) * 10**-price_digits / 2 + 1e-9
        if abs(self.quantity * self.price_unit - self.ev_amount) > tolerance:
            return None
        return self.ev_amount
