"""Form 1065 and Schedules K-1 from a partnership's books (pure Python, stdlib only).

Input: a :class:`LedgerYear` — the year's amounts per return line, from the SPV's posted entries mapped
to 1065 lines (an account's line is given by its tax-line tag), the balance sheet lines at the beginning
and end of the year, book and tax depreciation, credits, contributions and distributions. Output: a
:class:`Return` with page 1 (down to ordinary business income), Schedule K lines 1-21 with the Analysis
of Net Income (Loss), Schedule L (beginning and end), Schedule M-1, Schedule M-2, and its built-in
checks; :func:`k1s` splits Schedule K between the partners.

Signs: income lines and balance-sheet asset lines are positive amounts; deduction lines are positive
amounts of expense; liability and capital lines are positive credit balances (``L9b`` accumulated
depreciation is a positive amount subtracted from ``L9a``).

Page 1 takes the ledger's amounts per line except line 16a, which is the tax depreciation (Form 4562
line 22); the book depreciation is then reconciled on Schedule M-1 (line 4a when book depreciation
exceeds tax depreciation, line 7a when tax exceeds book). Separately stated items (interest income on
Schedule K line 5 ...) do not enter page 1.

Checks (each returns the two amounts compared):

* ``L balances (beginning)`` / ``L balances (end)``: line 14 = line 22;
* ``M-2 ending = L line 21``: Schedule M-2 line 9 = Schedule L line 21 (end);
* ``M-1 line 9 = Analysis line 1``;
* ``K line 1 = page 1 line 23``.

K-1 allocation: every Schedule K amount is split by the partners' shares of its class — income and
deduction lines by the income shares (a flip inside the year splits by days, see ``ev_tax_capital``),
credits by the credit shares in force when the credit arose, distributions are each partner's own.
Each split is rounded to the cent; the rounding difference goes to the partner with the largest share
and is reported, so that the K-1s add up to Schedule K line by line to the cent.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

try:  # inside the addon: odoo.addons.ev_tax_equity.lib
    from . import ev_tax_capital
    from .ev_tax_money import HUNDRED, ZERO, allocate, cents, to_decimal
except ImportError:  # odoo-free unit tests import the lib modules by name
    import ev_tax_capital
    from ev_tax_money import HUNDRED, ZERO, allocate, cents, to_decimal

#: page 1 lines fed by accounts (the rest are totals): income, then deductions
PAGE1_INCOME = ("1a", "1b", "2", "4", "5", "6", "7")
PAGE1_DEDUCTIONS = ("9", "10", "11", "12", "13", "14", "15", "16a", "17", "18", "19", "20", "21")
PAGE1_LABELS = {
    "1a": "Gross receipts or sales",
    "1b": "Returns and allowances",
    "1c": "Balance (1a - 1b)",
    "2": "Cost of goods sold",
    "3": "Gross profit",
    "4": "Ordinary income (loss) from other partnerships, estates, and trusts",
    "5": "Net farm profit (loss)",
    "6": "Net gain (loss) from Form 4797",
    "7": "Other income (loss)",
    "8": "Total income (loss)",
    "9": "Salaries and wages (other than to partners)",
    "10": "Guaranteed payments to partners",
    "11": "Repairs and maintenance",
    "12": "Bad debts",
    "13": "Rent",
    "14": "Taxes and licenses",
    "15": "Interest",
    "16a": "Depreciation (Form 4562)",
    "16b": "Less depreciation reported on Form 1125-A and elsewhere on return",
    "16c": "Depreciation (16a - 16b)",
    "17": "Depletion",
    "18": "Retirement plans, etc.",
    "19": "Employee benefit programs",
    "20": "Energy efficient commercial buildings deduction",
    "21": "Other deductions",
    "22": "Total deductions",
    "23": "Ordinary business income (loss)",
}
#: Schedule K lines; the class tells how K-1s split them ("income", "credit", "own" = each partner's own)
K_LINES = {
    "1": ("Ordinary business income (loss)", "income"),
    "2": ("Net rental real estate income (loss)", "income"),
    "3c": ("Other net rental income (loss)", "income"),
    "4a": ("Guaranteed payments for services", "own"),
    "4b": ("Guaranteed payments for capital", "own"),
    "4c": ("Total guaranteed payments", "own"),
    "5": ("Interest income", "income"),
    "6a": ("Ordinary dividends", "income"),
    "6b": ("Qualified dividends", "income"),
    "7": ("Royalties", "income"),
    "8": ("Net short-term capital gain (loss)", "income"),
    "9a": ("Net long-term capital gain (loss)", "income"),
    "10": ("Net section 1231 gain (loss)", "income"),
    "11": ("Other income (loss)", "income"),
    "12": ("Section 179 deduction", "income"),
    "13a": ("Contributions", "income"),
    "13d": ("Other deductions", "income"),
    "14a": ("Net earnings (loss) from self-employment", "income"),
    "15f": ("Other credits", "credit"),
    "18c": ("Nondeductible expenses", "income"),
    "19a": ("Distributions of cash and marketable securities", "own"),
    "19b": ("Distributions of other property", "own"),
    "20a": ("Investment income", "income"),
    "21": ("Foreign taxes paid or accrued", "income"),
}
#: Schedule K line -> Schedule K-1 Part III box (and code)
K1_BOXES = {
    "1": ("1", ""),
    "2": ("2", ""),
    "3c": ("3", ""),
    "4a": ("4a", ""),
    "4b": ("4b", ""),
    "4c": ("4c", ""),
    "5": ("5", ""),
    "6a": ("6a", ""),
    "6b": ("6b", ""),
    "7": ("7", ""),
    "8": ("8", ""),
    "9a": ("9a", ""),
    "10": ("10", ""),
    "11": ("11", "ZZ"),
    "12": ("12", ""),
    "13a": ("13", "A"),
    "13d": ("13", "ZZ"),
    "14a": ("14", "A"),
    # §30C (Form 8911) is reported with the other credits; the code is a setting (verify each year's
    # Partner's Instructions for Schedule K-1)
    "15f": ("15", "P"),
    "18c": ("18", "C"),
    "19a": ("19", "A"),
    "19b": ("19", "B"),
    "20a": ("20", "A"),
    "21": ("21", ""),
}
L_ASSETS = ("1", "2a", "2b", "3", "4", "5", "6", "7a", "7b", "8", "9a", "9b", "10a", "10b", "11", "12a", "12b", "13")
L_CONTRA = {"2b", "9b", "10b", "12b"}
L_LIABILITIES = ("15", "16", "17", "18", "19a", "19b", "20", "21")
L_LABELS = {
    "1": "Cash",
    "2a": "Trade notes and accounts receivable",
    "2b": "Less allowance for bad debts",
    "3": "Inventories",
    "4": "U.S. government obligations",
    "5": "Tax-exempt securities",
    "6": "Other current assets",
    "7a": "Loans to partners",
    "7b": "Mortgage and real estate loans",
    "8": "Other investments",
    "9a": "Buildings and other depreciable assets",
    "9b": "Less accumulated depreciation",
    "10a": "Depletable assets",
    "10b": "Less accumulated depletion",
    "11": "Land (net of any amortization)",
    "12a": "Intangible assets (amortizable only)",
    "12b": "Less accumulated amortization",
    "13": "Other assets",
    "14": "Total assets",
    "15": "Accounts payable",
    "16": "Mortgages, notes, bonds payable in less than 1 year",
    "17": "Other current liabilities",
    "18": "All nonrecourse loans",
    "19a": "Loans from partners (or persons related to partners)",
    "19b": "Mortgages, notes, bonds payable in 1 year or more",
    "20": "Other liabilities",
    "21": "Partners' capital accounts",
    "22": "Total liabilities and capital",
}
CHECK_NAMES = (
    "L balances (beginning)",
    "L balances (end)",
    "M-2 ending = L line 21",
    "M-1 line 9 = Analysis line 1",
    "K line 1 = page 1 line 23",
)


class ReturnError(ValueError):
    """Bad input (the message says what to fix)."""


@dataclass(frozen=True)
class LedgerYear:
    start: date
    end: date
    page1: dict  # {"1a": amount, ...} from the ledger (line 16a: book depreciation)
    k_items: dict  # separately stated items from the ledger {"5": interest income, ...}
    balance_begin: dict  # {"1": cash, ..., "21": capital}
    balance_end: dict
    book_income: Decimal
    book_depreciation: Decimal
    tax_depreciation: Decimal
    credits: tuple = ()  # ev_tax_capital.Credit items of the year
    contributions_cash: Decimal = ZERO
    contributions_property: Decimal = ZERO
    distributions_cash: Decimal = ZERO
    distributions_property: Decimal = ZERO


@dataclass(frozen=True)
class Check:
    name: str
    left: Decimal
    right: Decimal

    @property
    def passed(self):
        return self.left == self.right


@dataclass(frozen=True)
class Return:
    page1: dict
    k: dict
    analysis_line1: Decimal
    l_begin: dict
    l_end: dict
    m1: dict
    m2: dict
    checks: tuple = field(default_factory=tuple)

    @property
    def passed(self):
        return all(check.passed for check in self.checks)

    @property
    def failed(self):
        return [check for check in self.checks if not check.passed]


def _amounts(values, name):
    return {key: cents(to_decimal(value, f"{name} {key}")) for key, value in (values or {}).items()}


def _balance_sheet(values):
    lines = {key: values.get(key, ZERO) for key in L_ASSETS + L_LIABILITIES}
    lines["14"] = sum((-lines[k] if k in L_CONTRA else lines[k] for k in L_ASSETS), ZERO)
    lines["22"] = sum((lines[k] for k in L_LIABILITIES), ZERO)
    return lines


def build_return(ledger):
    """Form 1065 (page 1, Schedules K, L, M-1, M-2) of ``ledger`` and its checks."""
    if ledger.end < ledger.start:
        raise ReturnError(f"The tax year {ledger.start} - {ledger.end} ends before it starts.")
    ledger_lines = _amounts(ledger.page1, "page 1 line")
    unknown = set(ledger_lines) - set(PAGE1_INCOME) - set(PAGE1_DEDUCTIONS)
    if unknown:
        raise ReturnError(f"Page 1 has no line(s) {', '.join(sorted(unknown))}.")
    book_dep = cents(to_decimal(ledger.book_depreciation))
    tax_dep = cents(to_decimal(ledger.tax_depreciation))
    p = {line: ledger_lines.get(line, ZERO) for line in PAGE1_INCOME + PAGE1_DEDUCTIONS}
    p["16a"] = tax_dep
    p["1c"] = p["1a"] - p["1b"]
    p["3"] = p["1c"] - p["2"]
    p["8"] = p["3"] + p["4"] + p["5"] + p["6"] + p["7"]
    p["16b"] = ZERO
    p["16c"] = p["16a"] - p["16b"]
    p["22"] = sum((p[line] for line in PAGE1_DEDUCTIONS if line != "16a"), ZERO) + p["16c"]
    p["23"] = p["8"] - p["22"]
    items = _amounts(ledger.k_items, "Schedule K line")
    k = {line: ZERO for line in K_LINES}
    k.update({line: value for line, value in items.items() if line in K_LINES})
    k["1"] = p["23"]
    k["4c"] = k["4a"] + k["4b"]
    k["15f"] = sum((cents(c.amount) for c in ledger.credits), ZERO)
    k["19a"] = cents(to_decimal(ledger.distributions_cash))
    k["19b"] = cents(to_decimal(ledger.distributions_property))
    analysis = (
        k["1"]
        + k["2"]
        + k["3c"]
        + k["4c"]
        + k["5"]
        + k["6a"]
        + k["7"]
        + k["8"]
        + k["9a"]
        + k["10"]
        + k["11"]
        - (k["12"] + k["13a"] + k["13d"] + k["21"])
    )
    l_begin = _balance_sheet(_amounts(ledger.balance_begin, "Schedule L line"))
    l_end = _balance_sheet(_amounts(ledger.balance_end, "Schedule L line"))
    book_income = cents(to_decimal(ledger.book_income))
    m1 = {"1": book_income, "2": ZERO, "3": k["4c"], "4a": max(book_dep - tax_dep, ZERO), "4b": ZERO}
    m1["4"] = m1["4a"] + m1["4b"]
    m1["5"] = m1["1"] + m1["2"] + m1["3"] + m1["4"]
    m1["6a"] = ZERO
    m1["7a"] = max(tax_dep - book_dep, ZERO)
    m1["8"] = m1["6a"] + m1["7a"]
    m1["9"] = m1["5"] - m1["8"]
    m2 = {
        "1": l_begin["21"],
        "2a": cents(to_decimal(ledger.contributions_cash)),
        "2b": cents(to_decimal(ledger.contributions_property)),
        "3": book_income,
        "4": ZERO,
        "6a": k["19a"],
        "6b": k["19b"],
        "7": ZERO,
    }
    m2["5"] = m2["1"] + m2["2a"] + m2["2b"] + m2["3"] + m2["4"]
    m2["8"] = m2["6a"] + m2["6b"] + m2["7"]
    m2["9"] = m2["5"] - m2["8"]
    checks = run_checks(p, k, analysis, l_begin, l_end, m1, m2)
    return Return(p, k, analysis, l_begin, l_end, m1, m2, checks)


def run_checks(page1, k, analysis_line1, l_begin, l_end, m1, m2):
    """The built-in checks of a return's schedules (also run again on a stored return before it is
    locked, so that a return whose figures were changed since they were computed is refused)."""
    return (
        Check(CHECK_NAMES[0], l_begin["14"], l_begin["22"]),
        Check(CHECK_NAMES[1], l_end["14"], l_end["22"]),
        Check(CHECK_NAMES[2], m2["9"], l_end["21"]),
        Check(CHECK_NAMES[3], m1["9"], analysis_line1),
        Check(CHECK_NAMES[4], k["1"], page1["23"]),
    )


# ---------------------------------------------------------------------------------------------
# Schedules K-1
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartnerK1:
    key: object
    boxes: dict  # {K line: amount}
    profit_begin: Decimal  # item J, percent
    profit_end: Decimal
    loss_begin: Decimal
    loss_end: Decimal
    capital_begin: Decimal
    capital_end: Decimal
    liabilities_begin: Decimal  # item K1 nonrecourse share
    liabilities_end: Decimal
    capital: dict  # item L, tax basis: beginning, contributed, income, other, withdrawals, ending


@dataclass(frozen=True)
class K1Set:
    partners: tuple
    residuals: tuple  # ((K line, amount, key), ...) rounding differences given to the largest share

    def total(self, line):
        return sum((p.boxes.get(line, ZERO) for p in self.partners), ZERO)


def _share_percent(value, total):
    return (value * HUNDRED / total).quantize(Decimal("0.000001")) if total else ZERO


def k1s(tax_return, terms, start, end, flip_date, credits=(), own=None, capital=None):
    """Split ``tax_return``'s Schedule K between the partners ``terms`` (see the module docstring).

    ``own``: {key: {K line: amount}} for the partners' own items (distributions, guaranteed payments);
    ``capital``: {key: ev_tax_capital.CapitalRow} for items J (capital) and L (tax basis).
    """
    own = own or {}
    capital = capital or {}
    keys = [t.key for t in terms]
    boxes = {key: {} for key in keys}
    residuals = []
    for line, (_label, cls) in K_LINES.items():
        amount = tax_return.k.get(line, ZERO)
        if cls == "own":
            for key in keys:
                value = cents(to_decimal(own.get(key, {}).get(line, ZERO)))
                if value:
                    boxes[key][line] = value
            declared = sum((boxes[key].get(line, ZERO) for key in keys), ZERO)
            if declared != amount:
                raise ReturnError(
                    f"Schedule K line {line} is {amount} but the partners' own amounts add up to {declared}."
                )
            continue
        if not amount:
            continue
        if cls == "income":
            split = ev_tax_capital.allocate_item(amount, terms, "income", start, end, flip_date)
            residuals += [(line, value, key) for value, key in split.residuals]
            shares = split.shares
        else:  # credits: each by the credit shares in force when it arose
            shares = {key: ZERO for key in keys}
            for credit in credits:
                alloc = allocate(credit.amount, ev_tax_capital.shares_on(terms, credit.day, flip_date, "credit"))
                for key in keys:
                    shares[key] += alloc.shares[key]
                if alloc.residual:
                    residuals.append((line, alloc.residual, alloc.residual_to))
            if sum(shares.values(), ZERO) != amount:
                raise ReturnError(f"Schedule K line {line} ({amount}) is not the sum of the credits given.")
        for key in keys:
            if shares[key]:
                boxes[key][line] = shares[key]
    book_begin = sum((max(row.book_begin, ZERO) for row in capital.values()), ZERO)
    book_end = sum((max(row.book_end, ZERO) for row in capital.values()), ZERO)
    liabilities_begin = sum((tax_return.l_begin[k] for k in ("15", "16", "17", "18", "19a", "19b", "20")), ZERO)
    liabilities_end = sum((tax_return.l_end[k] for k in ("15", "16", "17", "18", "19a", "19b", "20")), ZERO)
    partners = []
    for term in terms:
        begin_shares = ev_tax_capital.shares_on(terms, start, flip_date, "income")
        end_shares = ev_tax_capital.shares_on(terms, end, flip_date, "income")
        row = capital.get(term.key)
        partners.append(
            PartnerK1(
                term.key,
                boxes[term.key],
                begin_shares[term.key],
                end_shares[term.key],
                begin_shares[term.key],
                end_shares[term.key],
                _share_percent(max(row.book_begin, ZERO), book_begin) if row else ZERO,
                _share_percent(max(row.book_end, ZERO), book_end) if row else ZERO,
                cents(liabilities_begin * begin_shares[term.key] / HUNDRED),
                cents(liabilities_end * end_shares[term.key] / HUNDRED),
                {
                    "beginning": row.tax_begin,
                    "contributed": row.tax_contributions,
                    "income": row.tax_income,
                    "other": -row.credit_basis,
                    "withdrawals": row.distributions,
                    "ending": row.tax_end,
                }
                if row
                else {},
            )
        )
    return K1Set(tuple(partners), tuple(residuals))
