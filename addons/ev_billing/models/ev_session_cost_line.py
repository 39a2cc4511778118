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

#: unit of measure of the invoice line per cost kind (others: the product's, Units)
INVOICE_UOMS = {
    "energy": "ev_billing.uom_ev_kwh",
    "time": "ev_billing.uom_ev_minute",
    "idle": "ev_billing.uom_ev_minute",
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
        """Invoice line text: the engine's label (the quantity and rate are the line's own columns)."""
        self.ensure_one()
        return self.label

    def _ev_invoice_quantity(self):
        """Product, quantity, unit and unit price of the invoice line: energy in kWh x rate per kWh, charging
        time and idle fee in minutes x price per minute, the rest 1 x amount. The line's amount stays the
        engine's (``ev_amount``, see account_move_line._ev_accounting_amount)."""
        self.ensure_one()
        product = self._ev_product()
        values = {"product_id": product.id, "quantity": 1.0, "price_unit": self.amount}
        if self.kind == "energy":
            values.update(quantity=self.quantity, price_unit=self.unit_price)
        elif self.kind == "time":  # the engine counts hours (4 decimals): minutes have at most 3
            values.update(quantity=self.quantity * 60, price_unit=self.unit_price / 60)
        elif self.kind == "idle":
            values.update(quantity=self.quantity, price_unit=self.unit_price)
        if self.kind in INVOICE_UOMS:
            values["product_uom_id"] = self.env.ref(INVOICE_UOMS[self.kind]).id
        return values
