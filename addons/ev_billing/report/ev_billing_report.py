"""Revenue and cost analysis (SQL view), for pivot/graph by site and month: one row per priced session
(revenue, energy sold, energy purchase cost) and one row per site and posted vendor-bill line booked on
the site's analytic account (other costs)."""

from odoo import api, fields, models, tools

from ..lib.ev_billing_policy import price_per_kwh
from ..lib.ev_site_margin import margin_percent
from ..models.ev_payment_authorization import AUTH_STATES
from ..models.ev_session import BILLING_STATES


class EvBillingReport(models.Model):
    _name = "ev.billing.report"
    _description = "EV charging revenue analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "session_id"

    line_kind = fields.Selection(
        [("session", "Charging session"), ("vendor_bill", "Vendor bill")], string="Line type", readonly=True
    )
    session_id = fields.Many2one("ev.session", readonly=True)
    vendor_bill_id = fields.Many2one("account.move", string="Vendor bill", readonly=True)
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
    invoice_id = fields.Many2one("account.move", readonly=True)
    pay_qr_state = fields.Selection(
        AUTH_STATES,
        string="Pay-by-QR",
        readonly=True,
        help="State of the session's pay-by-QR card authorization, if any.",
    )
    captured_amount = fields.Monetary(
        "Captured by card", readonly=True, aggregator="sum", help="Amount captured on the pay-by-QR card authorization."
    )
    session_count = fields.Integer("Sessions", readonly=True, aggregator="sum")
    energy_kwh = fields.Float("Energy sold (kWh)", digits=(16, 3), readonly=True, aggregator="sum")
    duration_minutes = fields.Float("Minutes", digits=(16, 1), readonly=True, aggregator="sum")
    revenue_untaxed = fields.Monetary("Revenue excl. tax", readonly=True, aggregator="sum")
    tax = fields.Monetary(readonly=True, aggregator="sum")
    revenue_total = fields.Monetary("Revenue incl. tax", readonly=True, aggregator="sum")
    energy_cost = fields.Monetary(
        "Energy purchase cost",
        readonly=True,
        aggregator="sum",
        help="Billed kWh x the site's energy purchase rate (Sites > Energy purchase rates), in the company's currency.",
    )
    other_cost = fields.Monetary(
        "Vendor bills",
        readonly=True,
        aggregator="sum",
        help="Posted vendor bill lines (excl. tax) booked on the site's analytic account, "
        "by accounting date, share of the analytic distribution; refunds negative.",
    )
    cost = fields.Monetary(readonly=True, aggregator="sum", help="Energy purchase cost + vendor bills.")
    margin = fields.Monetary(readonly=True, aggregator="sum", help="Revenue excl. tax - cost.")
    margin_percent = fields.Float(
        "Margin %",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Margin / revenue excl. tax x 100. In grouped views it is recomputed from "
        "the group's totals, never averaged; empty without revenue.",
    )
    price_per_kwh = fields.Float(
        "Avg price per kWh (excl. tax)",
        digits=(16, 4),
        readonly=True,
        aggregator="avg",
        help="Revenue excl. tax / energy sold. In grouped views it is recomputed from the "
        "group's totals (weighted), never averaged.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT s.id::bigint * 2 AS id,
                       'session' AS line_kind,
                       s.id AS session_id,
                       NULL::integer AS vendor_bill_id,
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
                       COALESCE(s.energy_cost, 0) AS energy_cost,
                       0::numeric AS other_cost,
                       COALESCE(s.energy_cost, 0) AS cost,
                       COALESCE(s.cost_subtotal, 0) - COALESCE(s.energy_cost, 0) AS margin,
                       CASE WHEN COALESCE(s.cost_subtotal, 0) <> 0
                            THEN ROUND((s.cost_subtotal - COALESCE(s.energy_cost, 0)) * 100
                                       / s.cost_subtotal, 2) END AS margin_percent,
                       CASE WHEN s.billed_energy_kwh > 0
                            THEN ROUND(s.cost_subtotal / s.billed_energy_kwh::numeric, 4) END AS price_per_kwh
                  FROM ev_session s
                  JOIN ev_site site ON site.id = s.site_id
             LEFT JOIN res_partner p ON p.id = s.partner_id
             LEFT JOIN ev_payment_authorization qr ON qr.id = s.ev_pay_authorization_id
                 WHERE s.priced_at IS NOT NULL AND s.state = 'completed'
             UNION ALL
                SELECT (bill.aml_id::bigint * 1048576 + bill.site_id) * 2 + 1 AS id,
                       'vendor_bill' AS line_kind,
                       NULL AS session_id,
                       bill.move_id AS vendor_bill_id,
                       bill.date,
                       bill.company_id,
                       bill.site_id,
                       NULL AS charger_id,
                       NULL AS partner_id,
                       NULL AS tariff_id,
                       bill.currency_id,
                       bill.analytic_account_id,
                       NULL AS billing_state,
                       FALSE AS is_free,
                       NULL AS invoice_id,
                       NULL AS pay_qr_state,
                       0 AS captured_amount,
                       0 AS session_count,
                       0 AS energy_kwh,
                       0 AS duration_minutes,
                       0 AS revenue_untaxed,
                       0 AS tax,
                       0 AS revenue_total,
                       0 AS energy_cost,
                       bill.amount AS other_cost,
                       bill.amount AS cost,
                       -bill.amount AS margin,
                       NULL AS margin_percent,
                       NULL AS price_per_kwh
                  FROM (
                        -- share of each posted vendor bill line (excl. tax, company currency) on a site's
                        -- analytic account, rounded to the currency's rounding
                        SELECT aml.id AS aml_id, site.id AS site_id, aml.move_id, aml.date, aml.company_id,
                               aml.company_currency_id AS currency_id, site.analytic_account_id,
                               ROUND(SUM(aml.balance * dist.percent::numeric / 100) / cur.rounding)
                                   * cur.rounding AS amount
                          FROM account_move_line aml
                          JOIN account_move move ON move.id = aml.move_id
                          JOIN res_currency cur ON cur.id = aml.company_currency_id
                          CROSS JOIN LATERAL jsonb_each_text(aml.analytic_distribution) AS dist(accounts, percent)
                          JOIN ev_site site
                            ON site.analytic_account_id::text = ANY(string_to_array(dist.accounts, ','))
                         WHERE aml.parent_state = 'posted'
                           AND move.move_type IN ('in_invoice', 'in_refund', 'in_receipt')
                           AND aml.display_type = 'product'
                           AND aml.analytic_distribution IS NOT NULL
                      GROUP BY aml.id, site.id, cur.rounding
                       ) bill
            )""")

    def _ev_flush(self):
        self.env["ev.session"].flush_model()
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env["ev.site"].flush_model()

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Average price per kWh of a group = its revenue / its energy (weighted)."""
        self._ev_flush()
        result = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)
        names = {f.split(":")[0] for f in fields or []}
        if names & {"price_per_kwh", "margin_percent"}:
            for group in result:
                totals = self._read_group(
                    group.get("__domain", domain), [], ["revenue_untaxed:sum", "energy_kwh:sum", "cost:sum"]
                )
                revenue, energy, cost = totals[0] if totals else (0.0, 0.0, 0.0)
                if "price_per_kwh" in names:
                    value = price_per_kwh(revenue or 0.0, energy or 0.0)
                    group["price_per_kwh"] = float(value) if value is not None else False
                if "margin_percent" in names:
                    value = margin_percent(revenue or 0.0, cost or 0.0)
                    group["margin_percent"] = float(value) if value is not None else False
        return result

    @api.model
    def _ev_revenue_rows(self, domain):
        """Rows (dicts) per site and month for the xlsx export."""
        self._ev_flush()
        rows = []
        groups = self._read_group(
            domain,
            ["date:month", "site_id", "company_id", "currency_id"],
            [
                "session_count:sum",
                "energy_kwh:sum",
                "revenue_untaxed:sum",
                "tax:sum",
                "revenue_total:sum",
                "energy_cost:sum",
                "other_cost:sum",
            ],
        )
        for month, site, company, currency, count, energy, untaxed, tax, total, energy_cost, other_cost in groups:
            rnd = currency.round if currency else (lambda value: value)
            rows.append(
                {
                    "month": month.strftime("%Y-%m") if month else "",
                    "site": site.display_name or "",
                    "company": company.display_name or "",
                    "currency": currency.name or "",
                    "sessions": count or 0,
                    "energy_kwh": round(energy or 0.0, 3),
                    "revenue_untaxed": currency.round(untaxed or 0.0) if currency else untaxed,
                    "tax": currency.round(tax or 0.0) if currency else tax,
                    "revenue_total": currency.round(total or 0.0) if currency else total,
                    "energy_cost": rnd(energy_cost or 0.0),
                    "other_cost": rnd(other_cost or 0.0),
                }
            )
        return rows

    def action_open_session(self):
        self.ensure_one()
        self.check_access("read")
        if self.vendor_bill_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": self.vendor_bill_id.id,
                "view_mode": "form",
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.session",
            "res_id": self.session_id.id,
            "view_mode": "form",
        }
