"""An SPV company with the US chart, two partners (investor / sponsor), a site with a charger of two ports,
and helpers to post ledger entries; dates are fixed (tax year 2024, 366 days)."""

from datetime import date

from odoo import Command
from odoo.tests.common import TransactionCase


class EvTaxCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.usd = cls.env.ref("base.USD")
        cls.us = cls.env.ref("base.us")
        cls.spv = cls._make_spv("Test EV Fund I LLC", "94-3123457")
        cls.inv, cls.spn = cls._make_partners(cls.spv)

    @classmethod
    def _portal_invite(cls, user, spv):
        """With ev_portal installed, a portal user reads an SPV only while invited to it (its record rules
        restrict these ones): give ``user`` that access. Without ev_portal there is nothing to do."""
        if "ev.portal.access" in cls.env:
            cls.env["ev.portal.access"].create({"user_id": user.id, "spv_id": spv.id})

    @classmethod
    def _make_spv(cls, name, ein, formed=date(2024, 1, 2), **vals):
        company = cls.env["res.company"].create({"name": name, "currency_id": cls.usd.id, "country_id": cls.us.id})
        spv = cls.env["ev.spv"].create(
            {
                "name": name,
                "legal_name": name,
                "company_id": company.id,
                "ein": ein,
                "formation_date": formed,
                "flip_type": "fixed",
                "fixed_flip_date": date(2024, 7, 1),
                **vals,
            }
        )
        spv.action_setup_books()
        return spv

    @classmethod
    def _make_partners(cls, spv, inv_name="Investor Co", spn_name="Sponsor Co"):
        Partner = cls.env["res.partner"]
        inv = cls.env["ev.spv.partner"].create(
            {
                "spv_id": spv.id,
                "partner_id": (
                    Partner.search([("name", "=", inv_name)], limit=1)
                    or Partner.create({"name": inv_name, "is_company": True})
                ).id,
                "role": "investor",
                "entity_type": "corporation",
                "tin": "82-1234567",
                "commitment": 400000,
                "pre_income_pct": 99,
                "pre_credit_pct": 99,
                "pre_cash_pct": 90,
                "post_income_pct": 5,
                "post_credit_pct": 5,
                "post_cash_pct": 5,
                "tax_rate": 21,
            }
        )
        spn = cls.env["ev.spv.partner"].create(
            {
                "spv_id": spv.id,
                "partner_id": (
                    Partner.search([("name", "=", spn_name)], limit=1)
                    or Partner.create({"name": spn_name, "is_company": True})
                ).id,
                "role": "sponsor",
                "entity_type": "llc",
                "tin": "88-1234567",
                "commitment": 100000,
                "pre_income_pct": 1,
                "pre_credit_pct": 1,
                "pre_cash_pct": 10,
                "post_income_pct": 95,
                "post_credit_pct": 95,
                "post_cash_pct": 95,
            }
        )
        return inv, spn

    # --- ledger helpers -------------------------------------------------------------------------
    @classmethod
    def _account(cls, spv, account_type, code=None):
        Account = cls.env["account.account"].with_company(spv.company_id)
        domain = [("company_ids", "in", spv.company_id.ids), ("account_type", "=", account_type)]
        if code:
            domain.append(("code", "=", code))
        return Account.search(domain, limit=1)

    @classmethod
    def _entry(cls, spv, day, lines, journal=None):
        """Post a journal entry in the SPV's books: lines = [(account, debit, credit[, partner])]."""
        move = (
            cls.env["account.move"]
            .with_company(spv.company_id)
            .create(
                {
                    "move_type": "entry",
                    "date": day,
                    "journal_id": (journal or spv.journal_id).id,
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": line[0].id,
                                "debit": line[1],
                                "credit": line[2],
                                "partner_id": line[3].id if len(line) > 3 else False,
                                "name": "test",
                            }
                        )
                        for line in lines
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _contribute(cls, member, day, amount):
        contribution = cls.env["ev.spv.contribution"].create(
            {
                "spv_id": member.spv_id.id,
                "member_id": member.id,
                "date": day,
                "amount": amount,
                "journal_id": member.spv_id.bank_journal_id.id,
            }
        )
        contribution.action_post()
        return contribution

    @classmethod
    def _site_with_ports(cls, spv, identity="TEST-DC-01"):
        site = cls.env["ev.site"].create(
            {"name": f"Site of {spv.name}", "company_id": spv.company_id.id, "tz": "America/Chicago"}
        )
        charger = cls.env["ev.charger"].create({"identity": identity, "site_id": site.id})
        for n in (1, 2):
            charger._get_connector(n, 1).write({"max_kw": 150.0})
        return site, charger

    @classmethod
    def _asset(cls, spv, cost, placed, acquired, charger=None, years="5", kind="charger"):
        profile = spv._ev_asset_profile("charger" if kind == "charger" else "site_work")
        asset = (
            cls.env["account.asset"]
            .with_company(spv.company_id)
            .create(
                {
                    "name": f"Asset {cost}",
                    "profile_id": profile.id,
                    "purchase_value": cost,
                    "date_start": placed,
                    "company_id": spv.company_id.id,
                    "ev_kind": kind,
                    "ev_charger_id": charger.id if charger else False,
                    "ev_acquired_date": acquired,
                    "ev_placed_in_service": placed,
                    "ev_recovery_years": years,
                }
            )
        )
        asset.validate()
        return asset

    @classmethod
    def _golden_year(cls, spv, inv, spn, inv_amount=400000, spn_amount=100000):
        """Tax year 2024 of ``spv``, computed by hand in test_ledger:

        * contributions on 15 Jan: investor ``inv_amount``, sponsor ``spn_amount``;
        * revenue 60,000 (30 Jun), O&M 19,850 (30 Sep), book depreciation 3,650 (31 Dec): book income 36,500;
        * a 300,000 charger acquired 1 Dec 2023 (60 % bonus in 2024) placed in service 1 Mar 2024, two ports
          of 150,000 with prevailing wage met in an eligible tract: §30C 2 x 45,000 = 90,000, tax basis
          210,000, bonus 126,000 + MACRS 20 % x 84,000 = 16,800: tax depreciation 142,800, taxable income
          36,500 + 3,650 - 142,800 = -102,650;
        * distributions of 10,000 on 30 Apr and on 30 Sep.
        """
        cls._contribute(inv, date(2024, 1, 15), inv_amount)
        cls._contribute(spn, date(2024, 1, 15), spn_amount)
        bank = spv.bank_journal_id.default_account_id
        income = cls._account(spv, "income")
        expense = cls._account(spv, "expense")
        depreciation = cls._account(spv, "expense_depreciation")
        accumulated = cls._account(spv, "asset_fixed", "1590")
        cls._entry(spv, date(2024, 6, 30), [(bank, 60000, 0), (income, 0, 60000)])
        cls._entry(spv, date(2024, 9, 30), [(expense, 19850, 0), (bank, 0, 19850)])
        cls._entry(spv, date(2024, 12, 31), [(depreciation, 3650, 0), (accumulated, 0, 3650)])
        site, charger = cls._site_with_ports(spv, identity=f"GOLD-{spv.id}")
        asset = cls._asset(spv, 300000, date(2024, 3, 1), date(2023, 12, 1), charger)
        for evse in charger.evse_ids:
            cls.env["ev.port.credit"].create(
                {
                    "spv_id": spv.id,
                    "evse_id": evse.id,
                    "asset_id": asset.id,
                    "cost": 150000,
                    "pwa_met": True,
                    "eligible_tract": True,
                    "census_tract": "17031808100",
                }
            )
        spv.action_confirm_allocations()
        Distribution = cls.env["ev.spv.distribution"]
        Distribution._ev_distribute(spv, date(2024, 4, 30), 10000, spv.bank_journal_id)
        Distribution._ev_distribute(spv, date(2024, 9, 30), 10000, spv.bank_journal_id)
        return asset
