"""Revenue analysis: one row per priced session (SQL view), for pivot/graph by site and month."""
from odoo import api, fields, models, tools

from ..lib.ev_billing_policy import price_per_kwh
from ..models.ev_payment_authorization import AUTH_STATES
from ..models.ev_session import BILLING_STATES


class EvBillingReport(models.Model):
    _name = "ev.billing.report"
    _description = "EV charging revenue analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "session_id"

    session_id = fields.Many2one("ev.session", readonly=True)
    date = fields.Date("Day (site time)", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    site_id = fields.Many2one("ev.site", readonly=True)
    charger_id = fields.Many2one("ev.charger", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tariff_id = fields.Many2one("ev.tariff", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    analytic_account_id = fields.Many2one("account.analytic.account", readonly=True)
    billing_state = fields.Selection(BILLING_STATES, readonly=True)
    is_free = fields.Boolean(readonly=True)
    invoice_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    pay_qr_state = fields.Selection(AUTH_STATES, string="Pay-by-QR", readonly=True,
                                    help="State of the session's pay-by-QR card authorization, if any.")
    captured_amount = fields.Monetary("Captured by card", readonly=True, aggregator="sum",
                                      help="Amount captured on the pay-by-QR card authorization.")
    session_count = fields.Integer("Sessions", readonly=True, aggregator="sum")
    energy_kwh = fields.Float("Energy sold (kWh)", digits=(16, 3), readonly=True, aggregator="sum")
    duration_minutes = fields.Float("Minutes", digits=(16, 1), readonly=True, aggregator="sum")
    revenue_untaxed = fields.Monetary("Revenue excl. tax", readonly=True, aggregator="sum")
    tax = fields.Monetary(readonly=True, aggregator="sum")
    revenue_total = fields.Monetary("Revenue incl. tax", readonly=True, aggregator="sum")
    price_per_kwh = fields.Float("Avg price per kWh (excl. tax)", digits=(16, 4), readonly=True,
                                 aggregator="avg",
                                 help="Revenue excl. tax / energy sold. In grouped views it is recomputed from the "
                                      "group's totals (weighted), never averaged.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT s.id AS id,
                       s.id AS session_id,
                       s.start_date_local AS date,
                       s.company_id,
                       s.site_id,
                       s.charger_id,
                       p.commercial_partner_id AS partner_id,
                       s.tariff_id,
                       s.cost_currency_id AS currency_id,
                       site.analytic_account_id,
                       s.billing_state,
                       s.is_free,
                       s.invoice_id,
                       qr.state AS pay_qr_state,
                       COALESCE(qr.captured_amount, 0) AS captured_amount,
                       1 AS session_count,
                       s.billed_energy_kwh AS energy_kwh,
                       s.duration_minutes,
                       s.cost_subtotal AS revenue_untaxed,
                       s.cost_tax AS tax,
                       s.cost_total AS revenue_total,
                       CASE WHEN s.billed_energy_kwh > 0
                            THEN ROUND(s.cost_subtotal / s.billed_energy_kwh::numeric, 4) END AS price_per_kwh
                  FROM ev_session s
                  JOIN ev_site site ON site.id = s.site_id
             LEFT JOIN res_partner p ON p.id = s.partner_id
             LEFT JOIN ev_payment_authorization qr ON qr.id = s.ev_pay_authorization_id
                 WHERE s.priced_at IS NOT NULL AND s.state = 'completed'
            )""")

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Average price per kWh of a group = its revenue / its energy (weighted)."""
        self.env["ev.session"].flush_model()
        result = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby,
                                    lazy=lazy)
        if any(f.split(":")[0] == "price_per_kwh" for f in fields or []):
            for group in result:
                totals = self._read_group(group.get("__domain", domain), [],
                                          ["revenue_untaxed:sum", "energy_kwh:sum"])
                revenue, energy = totals[0] if totals else (0.0, 0.0)
                value = price_per_kwh(revenue or 0.0, energy or 0.0)
                group["price_per_kwh"] = float(value) if value is not None else False
        return result

    @api.model
    def _ev_revenue_rows(self, domain):
        """Rows (dicts) per site and month for the xlsx export."""
        self.env["ev.session"].flush_model()
        rows = []
        groups = self._read_group(domain, ["date:month", "site_id", "company_id", "currency_id"],
                                  ["session_count:sum", "energy_kwh:sum", "revenue_untaxed:sum", "tax:sum",
                                   "revenue_total:sum"])
        for month, site, company, currency, count, energy, untaxed, tax, total in groups:
            rows.append({
                "month": month.strftime("%Y-%m") if month else "",
                "site": site.display_name or "",
                "company": company.display_name or "",
                "currency": currency.name or "",
                "sessions": count or 0,
                "energy_kwh": round(energy or 0.0, 3),
                "revenue_untaxed": currency.round(untaxed or 0.0) if currency else untaxed,
                "tax": currency.round(tax or 0.0) if currency else tax,
                "revenue_total": currency.round(total or 0.0) if currency else total,
            })
        return rows

    def action_open_session(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "ev.session", "res_id": self.session_id.id,
                "view_mode": "form"}
