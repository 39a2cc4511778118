"""GSA per diem for a trip, the rates CSV and the GSA API's answers. Pure Python: never imports Odoo.

Rules (FTR 301-11, GSA per diem):

* Rates belong to a federal **fiscal year** (1 October to 30 September: FY2026 starts on
  1 Oct 2025) and a destination; lodging may differ by **month**, M&IE does not. The FY2026
  standard CONUS rate is lodging $110, M&IE $68 (``STANDARD_CONUS``), used where no destination
  rate is known.
* Lodging is paid for each **night** (every day of the trip but the last), at the lodging rate of
  the month of that night; with ``lodging_actual`` (the nightly amounts actually paid) each night
  is the lesser of the actual amount and the rate.
* M&IE is paid for each **day**; the first and the last day pay **75 %** of the day's M&IE rate,
  rounded HALF_UP to the cent (68 -> 51.00, 74 -> 55.50, 80 -> 60.00, 86 -> 64.50, 92 -> 69.00).
  A one-day trip pays 75 % once and no lodging.
* Each day takes the rate of its own fiscal year (a trip over 30 September uses two years).

``trip_per_diem(depart, return_, rate_for)`` takes a function ``rate_for(day) -> Rate``.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
FIRST_LAST_DAY = Decimal("0.75")


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def fiscal_year(day: date) -> int:
    """Federal fiscal year of ``day`` (FY2026 = 1 Oct 2025 .. 30 Sep 2026)."""
    return day.year + 1 if day.month >= 10 else day.year


def first_last_day_mie(mie) -> Decimal:
    """75 % of a daily M&IE rate, to the cent."""
    return money(Decimal(str(mie)) * FIRST_LAST_DAY)


@dataclass(frozen=True)
class Rate:
    """Per diem of one destination and fiscal year: lodging per month (1..12) and M&IE."""

    fiscal_year: int
    lodging_by_month: dict
    mie: Decimal
    destination: str = ""

    def lodging(self, month: int) -> Decimal:
        return self.lodging_by_month[month]


def flat_rate(fy: int, lodging, mie, destination="") -> Rate:
    return Rate(fy, {m: money(lodging) for m in range(1, 13)}, money(mie), destination)


#: FY2026 standard CONUS rate (domain-facts §5).
STANDARD_CONUS = {2026: flat_rate(2026, 110, 68, "Standard CONUS rate")}


@dataclass
class TripDay:
    day: date
    lodging: Decimal
    lodging_rate: Decimal
    mie: Decimal
    mie_rate: Decimal
    first_or_last: bool


@dataclass
class TripPerDiem:
    days: list = field(default_factory=list)

    @property
    def lodging(self) -> Decimal:
        return sum((d.lodging for d in self.days), Decimal("0.00"))

    @property
    def mie(self) -> Decimal:
        return sum((d.mie for d in self.days), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.lodging + self.mie


def trip_per_diem(depart: date, return_: date, rate_for: Callable[[date], Rate], lodging_actual=None) -> TripPerDiem:
    """Per diem of a trip from ``depart`` to ``return_`` (both travel days included)."""
    if return_ < depart:
        raise ValueError(f"the return date {return_} is before the departure date {depart}")
    nights = (return_ - depart).days
    if lodging_actual is not None and len(lodging_actual) != nights:
        raise ValueError(f"{len(lodging_actual)} actual lodging amounts given for {nights} nights")
    result = TripPerDiem()
    for i in range(nights + 1):
        day = depart + timedelta(days=i)
        rate = rate_for(day)
        edge = i in (0, nights)
        mie = first_last_day_mie(rate.mie) if edge else money(rate.mie)
        if i < nights:
            lodging_rate = rate.lodging(day.month)
            lodging = lodging_rate if lodging_actual is None else min(money(lodging_actual[i]), lodging_rate)
        else:
            lodging_rate = lodging = Decimal("0.00")
        result.days.append(TripDay(day, lodging, lodging_rate, mie, money(rate.mie), edge))
    return result


# --- rates CSV --------------------------------------------------------------------------------

CSV_COLUMNS = ("fiscal_year", "state", "city", "county", "zip", "month_from", "month_to", "lodging", "mie")
REQUIRED_CSV_COLUMNS = ("fiscal_year", "state", "month_from", "month_to", "lodging", "mie")


class RatesCsvError(ValueError):
    """The rates CSV cannot be read; ``errors`` lists every problem (line numbers from 1 = header)."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def _month_range(month_from, month_to):
    """Months from ``month_from`` to ``month_to`` inclusive, wrapping over December (10..3)."""
    months, m = [], month_from
    while True:
        months.append(m)
        if m == month_to:
            return months
        m = m % 12 + 1


def _parse_rate_line(cell):
    problems = []
    fy = None
    try:
        fy = int(cell["fiscal_year"])
        if not 2000 <= fy <= 2100:
            raise ValueError
    except ValueError:
        problems.append(f"fiscal_year {cell['fiscal_year']!r} is not a year")
    state = cell["state"].upper()
    if len(state) != 2 or not state.isalpha():
        problems.append(f"state {cell['state']!r} is not a two-letter code")
    months = []
    try:
        m_from, m_to = int(cell["month_from"]), int(cell["month_to"])
        if not (1 <= m_from <= 12 and 1 <= m_to <= 12):
            raise ValueError
        months = _month_range(m_from, m_to)
    except ValueError:
        problems.append(f"month_from/month_to {cell['month_from']!r}/{cell['month_to']!r} are not months 1-12")
    amounts = {}
    for col in ("lodging", "mie"):
        try:
            amounts[col] = money(cell[col].replace("$", "").replace(",", ""))
            if amounts[col] < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(f"{col} {cell[col]!r} is not an amount")
    zip_code = cell.get("zip", "")
    if zip_code and not (len(zip_code) == 5 and zip_code.isdigit()):
        problems.append(f"zip {zip_code!r} is not a 5-digit ZIP code")
    return fy, state, months, amounts, zip_code, problems


def parse_rates_csv(text: str) -> list[dict]:
    """Rows of a rates CSV (header ``CSV_COLUMNS``; ``city``/``county``/``zip`` optional) as one
    dict per destination, fiscal year and month:
    ``{fiscal_year, state, city, county, zip, month, lodging, mie}``. Raises RatesCsvError with
    every problem found."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
    if missing:
        raise RatesCsvError([f"line 1: missing column(s) {', '.join(missing)} (expected {', '.join(CSV_COLUMNS)})"])
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise RatesCsvError([f"line 1: unknown column(s) {', '.join(unknown)} (expected {', '.join(CSV_COLUMNS)})"])
    reader.fieldnames = header
    rows, errors, seen = [], [], {}
    for line, raw in enumerate(reader, start=2):
        cell = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(cell.values()):
            continue
        fy, state, months, amounts, zip_code, problems = _parse_rate_line(cell)
        if problems:
            errors.append(f"line {line}: " + "; ".join(problems))
            continue
        for month in months:
            key = (fy, state, cell.get("city", "").lower(), zip_code, month)
            if key in seen:
                errors.append(f"line {line}: month {month} of this destination is already given on line {seen[key]}")
                continue
            seen[key] = line
            rows.append(
                {
                    "fiscal_year": fy,
                    "state": state,
                    "city": cell.get("city", ""),
                    "county": cell.get("county", ""),
                    "zip": zip_code,
                    "month": month,
                    "lodging": amounts["lodging"],
                    "mie": amounts["mie"],
                }
            )
    if errors:
        raise RatesCsvError(errors)
    return rows


# --- GSA per diem API -------------------------------------------------------------------------

GSA_API_BASE = "https://api.gsa.gov/travel/perdiem/v2/rates"


def gsa_city_path(city: str, state: str, fy: int) -> str:
    return f"/city/{city}/state/{state.upper()}/year/{fy}"


def gsa_zip_path(zip_code: str, fy: int) -> str:
    return f"/zip/{zip_code}/year/{fy}"


def parse_gsa_rates(payload: dict) -> list[dict]:
    """Per diem rows (as ``parse_rates_csv`` gives them) from a GSA per diem API answer:
    ``{"rates": [{"state", "year", "rate": [{"city", "county", "zip", "meals", "standardRate",
    "months": {"month": [{"number", "value"}, ...]}}]}], "errors": [...]}``."""
    if payload.get("errors"):
        raise ValueError(f"GSA per diem API: {payload['errors']}")
    rows = []
    for block in payload.get("rates") or []:
        fy = int(block["year"])
        state = (block.get("state") or "").upper()
        for rate in block.get("rate") or []:
            months = (rate.get("months") or {}).get("month") or []
            if len(months) != 12:
                raise ValueError(f"GSA per diem API: {len(months)} months of lodging for {rate.get('city')}")
            for month in months:
                rows.append(
                    {
                        "fiscal_year": fy,
                        "state": state,
                        "city": "" if str(rate.get("standardRate")).lower() == "true" else rate.get("city") or "",
                        "county": rate.get("county") or "",
                        "zip": str(rate.get("zip") or ""),
                        "month": int(month["number"]),
                        "lodging": money(month["value"]),
                        "mie": money(rate["meals"]),
                        "standard": str(rate.get("standardRate")).lower() == "true",
                    }
                )
    return rows


def rate_from_rows(rows: list[dict], destination="") -> Rate:
    """One Rate from the 12 monthly rows of a destination and fiscal year."""
    by_month = {r["month"]: r["lodging"] for r in rows}
    if sorted(by_month) != list(range(1, 13)):
        raise ValueError(f"lodging for months {sorted(by_month)} only: all 12 months are needed")
    mies = {r["mie"] for r in rows}
    if len(mies) != 1:
        raise ValueError(f"M&IE differs between months ({sorted(mies)}): one rate per year is expected")
    return Rate(rows[0]["fiscal_year"], by_month, mies.pop(), destination)
