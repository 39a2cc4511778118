from odoo import fields, models

COST_KINDS = [
    ("energy", "Energy"),
    ("time", "Charging time"),
    ("idle", "Idle fee"),
    ("session_fee", "Session fee"),
    ("multiplier", "Charger multiplier"),
    ("min_adjust", "Minimum price"),
    ("max_adjust", "Maximum price"),
    ("tax", "Tax"),
    ("free", "Free session"),
]
#: invoice product per cost kind (tax lines are computed by the accounting, free lines are not invoiced)
KIND_PRODUCTS = {
    "energy": "ev_billing.product_ev_energy",
    "time": "ev_billing.product_ev_time",
    "idle": "ev_billing.product_ev_idle",
    "session_fee": "ev_billing.product_ev_session_fee",
    "multiplier": "ev_billing.product_ev_adjustment",
    "min_adjust": "ev_billing.product_ev_adjustment",
    "max_adjust": "ev_billing.product_ev_adjustment",
}


class EvSessionCostLine(models.Model):
    _name = "ev.session.cost.line"
    _description = "Itemised cost line of a charging session"
    _order = "session_id, sequence, id"

    session_id = fields.Many2one("ev.session", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="session_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="session_id.cost_currency_id")
    sequence = fields.Integer()
    kind = fields.Selection(COST_KINDS, required=True)
    label = fields.Char(required=True)
    quantity = fields.Float(digits=(16, 4))
    unit = fields.Char()
    unit_price = fields.Float(digits=(16, 6))
    amount = fields.Monetary()
    window = fields.Char("Time-of-use window")
    tax_ids = fields.Many2many(
        "account.tax",
        "ev_session_cost_line_tax_rel",
        "cost_line_id",
        "tax_id",
        string="Taxes",
        readonly=True,
        help="Pre-tax line: the taxes charged on it (they go on its invoice line). Tax line: the tax it is.",
    )
    date_start = fields.Datetime("From", help="UTC")
    date_end = fields.Datetime("To", help="UTC")

    def _ev_product(self):
        self.ensure_one()
        xmlid = KIND_PRODUCTS.get(self.kind)
        return self.env.ref(xmlid) if xmlid else self.env["product.product"]

    def _ev_invoice_label(self):
        """Invoice line text: the engine's label with its quantity and unit price."""
        self.ensure_one()
        cur = self.currency_id.name or ""
        qty = f"{self.quantity:.4f}".rstrip("0").rstrip(".")
        if self.kind in ("energy", "time", "idle"):
            return f"{self.label}: {qty} {self.unit} x {self.unit_price:g} {cur}/{self.unit}"
        if self.kind == "multiplier":
            return self.label
        return self.label
