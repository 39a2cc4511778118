"""Values shared by the Form 1065 / K-1 renderings (PDF, back-office preview, xlsx): line labels and
amount formatting (amounts are stored as strings of exact decimals)."""

from decimal import Decimal, InvalidOperation

from ..lib import ev_tax_1065

PAGE1_ORDER = (
    "1a",
    "1b",
    "1c",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "16a",
    "16b",
    "16c",
    "17",
    "18",
    "19",
    "20",
    "21",
    "22",
    "23",
)
K_ORDER = tuple(ev_tax_1065.K_LINES)
L_ORDER = ev_tax_1065.L_ASSETS + ("14",) + ev_tax_1065.L_LIABILITIES + ("22",)
M1_LINES = (
    ("1", "Net income (loss) per books"),
    ("2", "Income included on Schedule K not recorded on books this year"),
    ("3", "Guaranteed payments (other than health insurance)"),
    ("4a", "Expenses recorded on books not included on Schedule K: depreciation"),
    ("4b", "Travel and entertainment"),
    ("5", "Add lines 1 through 4"),
    ("6a", "Income recorded on books not included on Schedule K: tax-exempt interest"),
    ("7a", "Deductions included on Schedule K not charged against book income: depreciation"),
    ("8", "Add lines 6 and 7"),
    ("9", "Income (loss) (Analysis of Net Income (Loss), line 1): line 5 less line 8"),
)
M2_LINES = (
    ("1", "Balance at beginning of year"),
    ("2a", "Capital contributed: cash"),
    ("2b", "Capital contributed: property"),
    ("3", "Net income (loss) (see instructions)"),
    ("4", "Other increases"),
    ("5", "Add lines 1 through 4"),
    ("6a", "Distributions: cash"),
    ("6b", "Distributions: property"),
    ("7", "Other decreases"),
    ("8", "Add lines 6 and 7"),
    ("9", "Balance at end of year (line 5 less line 8)"),
)


def fmt(value):
    """'-53,378.00' (empty for a missing value)."""
    if value in (None, "", False):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def pct(value):
    try:
        return f"{Decimal(str(value)):.6f}"
    except InvalidOperation:
        return ""


def values():
    return {
        "fmt": fmt,
        "pct": pct,
        "page1_lines": [(line, ev_tax_1065.PAGE1_LABELS[line]) for line in PAGE1_ORDER],
        "k_lines": [(line, ev_tax_1065.K_LINES[line][0]) for line in K_ORDER],
        "l_lines": [(line, ev_tax_1065.L_LABELS[line]) for line in L_ORDER],
        "m1_lines": list(M1_LINES),
        "m2_lines": list(M2_LINES),
    }
