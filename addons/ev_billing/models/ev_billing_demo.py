"""Demo data of ev_billing: tariffs, billing modes, a wallet, and the demo sessions priced and billed."""
import logging

from odoo import Command, api, models

_logger = logging.getLogger(__name__)


class EvBillingDemo(models.AbstractModel):
    _name = "ev.billing.demo"
    _description = "EV Billing demo data generator"

    def _xmlid(self, name, record):
        self.env["ir.model.data"].create({"module": "ev_billing", "name": name, "model": record._name,
                                          "res_id": record.id, "noupdate": True})

    @api.model
    def _generate(self):
        env = self.env
        company = env.company
        currency = company.currency_id
        standard = env["ev.tariff"].create({
            "name": "Standard AC (demo)",
            "currency_id": currency.id,
            "energy_rate": 0.45,
            "session_fee": 1.00,
            "idle_fee_per_minute": 0.40,
            "idle_grace_minutes": 10,
            "min_price": 2.00,
            "description": "0.45/kWh, 0.60 on weekday peak 16:00-21:00, 0.30 at night 22:00-06:00.",
            "window_ids": [
                Command.create({"name": "Peak", "sat": False, "sun": False, "start_hour": 16, "end_hour": 21,
                                "energy_rate": 0.60, "priority": 20}),
                Command.create({"name": "Night", "start_hour": 22, "end_hour": 6, "energy_rate": 0.30,
                                "priority": 10}),
            ],
        })
        self._xmlid("tariff_demo_standard", standard)
        fast = env["ev.tariff"].create({
            "name": "DC fast (demo)",
            "currency_id": currency.id,
            "energy_rate": 0.56,
            "idle_fee_per_minute": 0.50,
            "idle_grace_minutes": 5,
            "max_price": 80.00,
        })
        self._xmlid("tariff_demo_fast", fast)
        company.ev_default_tariff_id = standard
        chargers = env["ev.charger"].search([("identity", "like", "-DC-")])
        chargers.write({"tariff_id": fast.id})
        chargers.filtered(lambda c: c.identity == "SF-DC-01").write({"price_multiplier": 1.1})

        partners = {p.name: p for p in env["res.partner"].search(
            [("name", "in", ["Ada Driver", "Ben Fleet", "Chen Commuter", "Dana Rideshare", "Eli Courier"])])}
        for name in ("Ben Fleet", "Chen Commuter", "Dana Rideshare"):
            if name in partners:
                partners[name].ev_billing_mode = "monthly"
        if "Ada Driver" in partners:
            partners["Ada Driver"].ev_billing_mode = "wallet"
            wallet = env["ev.wallet"].create({"partner_id": partners["Ada Driver"].id, "credit_limit": 20.0})
            self._xmlid("wallet_demo_ada", wallet)
            wallet._ev_top_up(150.0, "Demo top-up")

        sessions = env["ev.session"].search([("state", "=", "completed"), ("priced_at", "=", False)],
                                            order="start_time, id")
        sessions._ev_price()
        sessions._ev_bill()
        env["ev.session"]._cron_ev_invoicing()
        _logger.info("ev_billing demo: %s sessions priced", len(sessions))
