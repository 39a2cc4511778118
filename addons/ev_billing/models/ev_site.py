from odoo import _, fields, models


class EvSite(models.Model):
    _inherit = "ev.site"

    tariff_id = fields.Many2one(
        "ev.tariff",
        check_company=True,
        tracking=True,
        help="Tariff of the site's chargers that set none themselves. Empty: the company's default tariff.",
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        string="Analytic account",
        check_company=True,
        copy=False,
        help="Revenue of this site's sessions is booked on it (invoice lines' analytic distribution). Created "
        "automatically at the first invoice if empty.",
    )

    energy_cost_ids = fields.One2many(
        "ev.site.energy.cost",
        "site_id",
        string="Energy purchase rates",
        help="What the site pays per kWh, by start date; used for the energy cost "
        "and margin of its sessions in the revenue report.",
    )

    def _ev_analytic_account(self):
        """The site's analytic account, created in the 'EV charging sites' plan when missing."""
        self.ensure_one()
        if not self.analytic_account_id:
            plan = self.env.ref("ev_billing.analytic_plan_ev_sites")
            account = (
                self.env["account.analytic.account"]
                .sudo()
                .create(
                    {
                        "name": self.name,
                        "code": self.code or False,
                        "plan_id": plan.id,
                        "company_id": self.company_id.id,
                    }
                )
            )
            self.sudo().analytic_account_id = account
            self.sudo().message_post(body=_("Analytic account %s created for the site's revenue.", account.name))
        return self.analytic_account_id
