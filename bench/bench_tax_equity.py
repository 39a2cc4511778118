"""Benchmark of ev_tax_equity: an SPV with 1,000 partners and a full year of ledger entries.

    bench/run_tax.sh [--partners 1000] [--db ev_test_tax]

(run_tax.sh sources scripts/lib.sh for the virtualenv, the local PostgreSQL and the Odoo
configuration, then runs this file.) It works in one transaction on a database where ev_tax_equity is
installed (the one ``./ev test`` builds, EV_TEST_DB) and rolls it back at the end: nothing is left
behind. Nothing is asserted: the table prints measured figures against the targets of the issues.

Set-up (not timed against a target, printed): a company with the US chart and the SPV's books,
N partners (0.1 % of every class each for 1,000), one capital call (one entry, a line per partner),
a full year of entries (365 daily revenue entries, 12 monthly O&M bills, 12 monthly depreciation
entries), four quarterly distributions through the real distribution code (one entry, a line per
partner, each).

Timed against targets:
* capital accounts and allocations of the year for all partners (``ev.spv.tax.year._ev_compute``:
  ledger reads, allocations with the flip, §704(b) and tax roll-forwards, Form 4562, HLBV by
  quarter) — issue 10, target < 60 s;
* the K-1s of all partners from the locked return, as the batched job runs them (``ev.spv.k1.run``,
  250 partners per cron call, progress reported) — issue 11, target < 60 s;
* further figures printed for information: one distribution to all partners, the flip status, Form 1065
  and its lock, the release of all K-1s (consent lookup and furnishing records).
"""

import argparse
import sys
import time
from datetime import date, timedelta

import odoo
from odoo import Command, api
from odoo.tools import config

TARGETS = {"capital": 60.0, "k1": 60.0}


def _timed(label, rows, func, target=None):
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    rows.append((label, elapsed, target))
    print(f"  {label}: {elapsed:.2f} s", flush=True)
    return result


def build(env, partners, year, rows):
    usd, us = env.ref("base.USD"), env.ref("base.us")
    company = env["res.company"].create({"name": "Bench Fund LLC", "currency_id": usd.id, "country_id": us.id})
    spv = env["ev.spv"].create(
        {
            "name": "Bench Fund",
            "legal_name": "Bench Fund LLC",
            "company_id": company.id,
            "ein": "94-3123457",
            "formation_date": date(year, 1, 2),
            "flip_type": "fixed",
            "fixed_flip_date": date(year, 7, 1),
        }
    )
    _timed("set-up: chart of accounts and SPV books", rows, spv._ev_setup_books)
    share = 100.0 / partners
    contacts = env["res.partner"].create([{"name": f"Bench LP {n:05d}", "is_company": True} for n in range(partners)])
    members = env["ev.spv.partner"].create(
        [
            {
                "spv_id": spv.id,
                "partner_id": contact.id,
                "role": "investor" if n == 0 else "other_lp",
                "commitment": 10000,
                **{f"{phase}_{cls}_pct": share for phase in ("pre", "post") for cls in ("income", "credit", "cash")},
            }
            for n, contact in enumerate(contacts)
        ]
    )
    spv._ev_check_allocations()
    spv.allocations_confirmed = True
    Move = env["account.move"].with_company(company)
    bank = spv.bank_journal_id.default_account_id
    Account = env["account.account"].with_company(company)

    def account(account_type):
        return Account.search([("company_ids", "in", company.ids), ("account_type", "=", account_type)], limit=1)

    income, expense, depreciation = account("income"), account("expense"), account("expense_depreciation")
    accumulated = Account.search([("company_ids", "in", company.ids), ("code", "=", "1590")], limit=1)

    def entry(day, lines):
        return {
            "move_type": "entry",
            "date": day,
            "journal_id": spv.journal_id.id,
            "line_ids": [
                Command.create({"account_id": a.id, "debit": d, "credit": c, "partner_id": p, "name": "bench"})
                for a, d, c, p in lines
            ],
        }

    def ledger():
        capital_call = [(bank, 10000.0 * partners, 0.0, False)] + [
            (spv.capital_account_id, 0.0, 10000.0, m.partner_id.id) for m in members
        ]
        vals = [entry(date(year, 1, 15), capital_call)]
        day = date(year, 1, 1)
        while day.year == year:
            vals.append(entry(day, [(bank, 500.0, 0.0, False), (income, 0.0, 500.0, False)]))
            day += timedelta(days=1)
        for month in range(1, 13):
            last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
            vals.append(entry(last, [(expense, 4000.0, 0.0, False), (bank, 0.0, 4000.0, False)]))
            vals.append(entry(last, [(depreciation, 2500.0, 0.0, False), (accumulated, 0.0, 2500.0, False)]))
        moves = Move.create(vals)
        moves.action_post()
        return moves

    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    moves = _timed(f"set-up: {1 + days + 24} entries of the year (created and posted)", rows, ledger)
    Distribution = env["ev.spv.distribution"]
    for quarter_end in (date(year, 3, 31), date(year, 6, 30), date(year, 9, 30)):
        _timed(
            f"one distribution to {partners} partners (split, post, history)",
            rows,
            lambda q=quarter_end: Distribution._ev_distribute(spv, q, 9000.0, spv.bank_journal_id),
        )
    Distribution._ev_distribute(spv, date(year, 12, 31), 9000.0, spv.bank_journal_id)
    print(f"  ledger: {len(moves) + 4} entries, {sum(len(m.line_ids) for m in moves)} lines", flush=True)
    return spv


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--db", required=True, help="database with ev_tax_equity installed")
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--year", type=int, default=date.today().year - 1)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    rows = []
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})
        print(
            f"ev_tax_equity benchmark: {args.partners} partners, tax year {args.year}, database {args.db}", flush=True
        )
        spv = build(env, args.partners, args.year, rows)
        tax_year = spv._ev_tax_year(args.year)
        _timed(
            f"capital accounts and allocations, {args.partners} partners, full year",
            rows,
            tax_year._ev_compute,
            TARGETS["capital"],
        )
        print(
            f"  check: {len(tax_year.capital_ids)} capital rows, {len(tax_year.hlbv_ids)} HLBV rows, "
            f"tie to the ledger {tax_year.tie_difference:.2f}, book income {tax_year.book_income:,.2f}",
            flush=True,
        )
        _timed(
            "flip status (XIRR of the investor's flows, projection)",
            rows,
            lambda: spv._ev_compute_flip(date(args.year + 1, 1, 31)),
        )
        _timed("Form 1065 computed, checked and locked", rows, tax_year._ev_lock)
        Run = env["ev.spv.k1.run"]

        def generate():
            run = Run._ev_start(tax_year)
            calls = 0
            while Run._cron_process():
                calls += 1
            return run, calls + 1

        run, calls = _timed(f"K-1s of {args.partners} partners (batched job)", rows, generate, TARGETS["k1"])
        k1s = tax_year.k1_ids
        print(
            f"  check: run {run.state} in {calls} cron calls, {len(k1s)} K-1s, box 1 total "
            f"{sum(k1s.mapped('box_1')):,.2f} = Schedule K line 1 {tax_year.return_data['k']['1']}",
            flush=True,
        )
        _timed(f"release of {len(k1s)} K-1s (consents, furnishing records)", rows, k1s.action_release)
        cr.rollback()
    print()
    print("| figure | measured | target | |")
    print("|---|---|---|---|")
    for label, elapsed, target in rows:
        verdict = "" if target is None else ("met" if elapsed < target else "**missed**")
        print(f"| {label} | {elapsed:.2f} s | {f'< {target:g} s' if target else ''} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
