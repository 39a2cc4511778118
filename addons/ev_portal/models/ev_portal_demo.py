"""Demo of the investor portal: invited investor logins for both demo SPVs, and the demo wallet driver's login.

Logins (password = login): ``goldengate-investor`` (Golden Gate Tax Equity, Bay Area EV Fund I, electronic K-1
consent given), ``prairie-investor`` (Prairie Tax Equity Fund, Lakeshore Charging Partners, paper K-1s),
``voltline-investor`` (the sponsor, both SPVs, access ending in a year) and ``ada-driver`` (wallet).
"""

import logging

from odoo import Command, api, fields, models

_logger = logging.getLogger(__name__)

DEMO_LOGINS = {
    "goldengate-investor": "Bay Area EV Fund I",
    "prairie-investor": "Lakeshore Charging Partners",
    "voltline-investor": "Bay Area EV Fund I, Lakeshore Charging Partners",
    "ada-driver": "wallet",
}


class EvPortalDemo(models.AbstractModel):
    _name = "ev.portal.demo"
    _description = "EV portal demo data generator"

    def _xmlid(self, name, record):
        self.env["ir.model.data"].create(
            {"module": "ev_portal", "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
        )

    def _portal_user(self, contact, login):
        user = self.env["res.users"].with_context(active_test=False).search([("login", "=", login)], limit=1)
        if user:
            return user
        return (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": contact.name,
                    "login": login,
                    "password": login,
                    "partner_id": contact.id,
                    "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
                }
            )
        )

    def _contact(self, company_name, name, email):
        company = self.env["res.partner"].search([("name", "=", company_name), ("is_company", "=", True)], limit=1)
        company = company or self.env["res.partner"].search([("name", "=", company_name)], limit=1)
        if not company:
            return self.env["res.partner"]
        return self.env["res.partner"].create({"name": name, "parent_id": company.id, "email": email})

    def _invite(self, contact, user, spvs, access_end=None):
        invitation = self.env["ev.portal.invitation"].create(
            {
                "partner_id": contact.id,
                "spv_ids": [Command.set(spvs.ids)],
                "valid_until": fields.Date.add(fields.Date.today(), days=14),
                "access_end_date": access_end,
            }
        )
        invitation._ev_send()
        invitation._ev_accept(user)
        return invitation

    @api.model
    def _generate(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True, mail_notrack=True))
        self = self.with_env(env)
        bay = env.ref("ev_tax_equity.demo_spv_bay", raise_if_not_found=False)
        lake = env.ref("ev_tax_equity.demo_spv_lake", raise_if_not_found=False)
        if not bay or not lake:
            _logger.warning("ev_portal demo: the ev_tax_equity demo SPVs are missing; no invited investors")
            return False
        grace = env.ref("ev_tax_equity.demo_user_portal_investor")
        self._invite(grace.partner_id, grace, bay)
        paul = self._contact(
            "Prairie Tax Equity Fund LP", "Paul Prairie (Prairie Tax Equity)", "paul@prairie.example.com"
        )
        user = self._portal_user(paul, "prairie-investor")
        self._xmlid("demo_user_prairie_investor", user)
        self._invite(paul, user, lake)
        vera = self._contact("Voltline Sponsor Holdings LLC", "Vera Volt (Voltline)", "vera@voltline.example.com")
        user = self._portal_user(vera, "voltline-investor")
        self._xmlid("demo_user_voltline_investor", user)
        self._invite(vera, user, bay | lake, access_end=fields.Date.add(fields.Date.today(), years=1))
        ada = env["res.partner"].search([("name", "=", "Ada Driver")], limit=1)
        if ada:
            if not ada.email:
                ada.email = "ada@driver.example.com"
            self._xmlid("demo_user_ada_driver", self._portal_user(ada, "ada-driver"))
        _logger.info("ev_portal demo: portal logins (password = login): %s", ", ".join(DEMO_LOGINS))
        return True
