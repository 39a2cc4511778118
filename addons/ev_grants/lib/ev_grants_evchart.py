"""EV-ChART module CSVs (modules 2, 3, 4 and 9): columns, the offline validation rules, and the CSV
writer. Pure Python: never imports Odoo. The rules are those of the project's
``shared/docs/evchart-columns.md`` (from the Joint Office's ev-chart-open-source central config);
each rule below says which part of that document it implements.

``validate(module, header, rows)`` returns a list of ``Problem``s — every row that would be refused,
with the row number (1 = first data row; 0 = the header) and the rule — and ``write_csv`` refuses
to write a file that has any. ``validate_csv_text`` reads a CSV as the pipeline would (template rows
2 and 3, the types and Required/Recommended rows, are dropped).

Header step (document: "Every module CSV must also carry station_id and network_provider ...";
"Any other column that is not listed below is an error"; "duplicate headers are errors"):
``missing_station_column``, ``unknown_column``, ``duplicate_column``, ``missing_column`` (req = yes).

Cell step, per column of the tables: ``blank`` (empty ok = no; also station_id / network_provider,
which are exempt from type validation but needed for the registry lookup), ``max_length``,
``decimal`` (not a number, more than p-s integer digits, more than s decimals), ``min_value``,
``max_value``, ``datetime`` (ISO 8601 ``YYYY-MM-DDTHH:MM:SS[.fff][Z]``, a real date and time),
``boolean`` (TRUE/FALSE, any case), ``integer``.

Row step (AsyncBizMagic): ``m2_empty_session``, ``m3_operational_one_year`` (needs the station's
operational date), ``m4_empty_outage``, ``m9_empty_capital_install_costs``, plus ``duplicate_key``
(the unique key the pipeline checks against its database, checked here inside the file).
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

STATION_COLUMNS = ("station_id", "network_provider")


@dataclass(frozen=True)
class Col:
    name: str
    required: bool
    empty_ok: bool
    kind: str  # registry, string, decimal, datetime, boolean, integer
    max_length: int | None = None
    precision: tuple | None = None  # (p, s)
    min_value: Decimal | None = None
    max_value: Decimal | None = None


def _s(name, req, empty, max_length=None):
    return Col(name, req, empty, "string", max_length=max_length)


def _d(name, req, empty, p, s, min_value="0"):
    return Col(name, req, empty, "decimal", precision=(p, s), min_value=Decimal(min_value))


def _dt(name, req, empty):
    return Col(name, req, empty, "datetime")


def _b(name, req, empty):
    return Col(name, req, empty, "boolean")


_STATION = [Col("station_id", True, False, "registry"), Col("network_provider", True, False, "registry")]

MODULES = {
    2: _STATION
    + [
        _s("charger_id", False, True, 36),
        _s("connector_id", False, True, 36),
        _d("energy_kwh", True, True, 7, 2),
        _s("error_other", False, True, 255),
        _s("payment_method", True, True, 255),
        _s("payment_other", False, True, 255),
        _s("port_id", True, False, 36),
        _d("power_kw", True, True, 7, 2),
        _dt("session_end", True, True),
        _s("session_error", True, True, 255),
        _s("session_id", True, True, 36),
        _dt("session_start", True, True),
    ],
    3: _STATION
    + [
        _s("port_id", True, False, 36),
        _d("total_outage", True, False, 8, 2),
        _d("total_outage_excl", True, False, 8, 2),
        _d("uptime", True, True, 5, 2),
        _dt("uptime_reporting_end", True, False),
        _dt("uptime_reporting_start", True, False),
    ],
    4: _STATION
    + [
        _d("outage_duration", True, True, 8, 2, "0.01"),
        _dt("outage_id", True, True),
        _s("port_id", True, False, 36),
        _b("excluded_outage", False, False),
        Col("excluded_outage_reason", False, False, "integer", min_value=Decimal(1), max_value=Decimal(6)),
        _s("excluded_outage_notes", False, False, 255),
    ],
    9: _STATION
    + [
        _b("der_acq_owned", False, True),
        _d("der_cost_federal", True, False, 11, 2),
        _d("der_cost_total", True, True, 11, 2),
        _d("der_install_cost_federal", True, False, 11, 2),
        _d("der_install_cost_total", True, True, 11, 2),
        _d("dist_sys_cost_federal", True, False, 11, 2),
        _d("dist_sys_cost_total", True, True, 11, 2),
        _dt("equipment_acq_date", False, False),
        _b("equipment_acq_owned", False, False),
        _d("equipment_cost_federal", True, False, 11, 2),
        _d("equipment_cost_total", True, True, 11, 2),
        _d("equipment_install_cost_const", False, True, 11, 2),
        _d("equipment_install_cost_elec", False, True, 11, 2),
        _d("equipment_install_cost_federal", True, False, 11, 2),
        _d("equipment_install_cost_labor", False, True, 11, 2),
        _d("equipment_install_cost_other", False, True, 11, 2),
        _d("equipment_install_cost_total", True, True, 11, 2),
        _dt("equipment_install_date", False, False),
        _s("project_id", False, False, None),
        _dt("real_property_acq_date", False, False),
        _b("real_property_acq_owned", False, False),
        _d("real_property_cost_federal", True, False, 11, 2),
        _d("real_property_cost_total", True, True, 11, 2),
        _d("service_cost_federal", True, False, 11, 2),
        _d("service_cost_total", True, True, 11, 2),
        _b("station_upgrade", False, False),
    ],
}
COLUMNS = {module: {c.name: c for c in cols} for module, cols in MODULES.items()}

UNIQUE_KEYS = {
    2: ("station_id", "port_id", "session_id"),
    3: ("station_id", "port_id", "uptime_reporting_start", "uptime_reporting_end"),
    4: ("station_id", "outage_id", "port_id"),
    9: ("station_id",),
}

#: Module 2 row rule: these are all filled, or (with session_id) all blank.
M2_SESSION_FIELDS = (
    "session_id",
    "session_start",
    "session_end",
    "session_error",
    "energy_kwh",
    "power_kw",
    "payment_method",
)
#: Module 9 row rule: the cost fields that may all be blank ...
M9_COST_FIELDS = tuple(
    c.name
    for c in MODULES[9]
    if c.name.endswith("_cost_total")
    or c.name
    in (
        "equipment_install_cost_elec",
        "equipment_install_cost_const",
        "equipment_install_cost_labor",
        "equipment_install_cost_other",
    )
)
#: ... and the required ones that must then all be filled.
M9_REQUIRED_COST_FIELDS = tuple(c.name for c in MODULES[9] if c.required and c.kind == "decimal")

DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z?$")
INTEGER_RE = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class Problem:
    row: int  # 0 = header, 1 = first data row
    column: str
    rule: str
    message: str

    def __str__(self):
        where = "header" if self.row == 0 else f"row {self.row}"
        return f"{where}, {self.column or '-'}: {self.message} [{self.rule}]"


def fmt_datetime(value: datetime) -> str:
    """EV-ChART datetime of a naive-UTC or aware datetime: ``YYYY-MM-DDTHH:MM:SSZ``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_decimal(value, places=2) -> str:
    """Decimal text rounded HALF_UP to ``places`` decimals."""
    return str(Decimal(str(value or 0)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def fmt_bool(value) -> str:
    return "TRUE" if value else "FALSE"


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


def check_cell(col: Col, value) -> tuple[str, str] | None:
    """(rule, message) when ``value`` breaks ``col``'s type rules, else None. Blank cells are
    judged by the caller (empty ok)."""
    text = str(value).strip()
    if col.kind == "registry":
        return None
    if col.kind == "string":
        if col.max_length is not None and len(text) > col.max_length:
            return "max_length", f"{len(text)} characters, at most {col.max_length} allowed"
        return None
    if col.kind == "boolean":
        if text.upper() not in ("TRUE", "FALSE"):
            return "boolean", f"{text!r} is not TRUE or FALSE"
        return None
    if col.kind == "datetime":
        match = DATETIME_RE.match(text)
        if not match:
            return "datetime", f"{text!r} is not an ISO 8601 date and time (YYYY-MM-DDTHH:MM:SS[.fff][Z])"
        try:
            datetime(*(int(g) for g in match.groups()[:6]))
        except ValueError:
            return "datetime", f"{text!r} is not a real date and time"
        return None
    return _check_number(col, text)


def _check_number(col: Col, text: str) -> tuple[str, str] | None:
    if col.kind == "integer":
        if not INTEGER_RE.match(text):
            return "integer", f"{text!r} is not a whole number"
        number = Decimal(text)
    else:  # decimal
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            return "decimal", f"{text!r} is not a number"
        p, s = col.precision
        decimals = max(0, -number.as_tuple().exponent)
        integer_digits = len(str(abs(int(number)))) if abs(number) >= 1 else 0
        if decimals > s:
            return "decimal", f"{text!r} has {decimals} decimals, at most {s} allowed (decimal({p},{s}))"
        if integer_digits > p - s:
            return (
                "decimal",
                f"{text!r} has {integer_digits} integer digits, at most {p - s} allowed (decimal({p},{s}))",
            )
    if col.min_value is not None and number < col.min_value:
        return "min_value", f"{text} is below the minimum {col.min_value}"
    if col.max_value is not None and number > col.max_value:
        return "max_value", f"{text} is above the maximum {col.max_value}"
    return None


def validate_header(module: int, header: list[str]) -> list[Problem]:
    if module not in MODULES:
        raise ValueError(f"EV-ChART module {module} is not supported (2, 3, 4, 9)")
    problems, seen = [], set()
    known = COLUMNS[module]
    for name in header:
        if name in seen:
            problems.append(Problem(0, name, "duplicate_column", f"column {name!r} appears more than once"))
        seen.add(name)
        if name not in known:
            problems.append(Problem(0, name, "unknown_column", f"{name!r} is not a column of module {module}"))
    for name in STATION_COLUMNS:
        if name not in seen:
            problems.append(
                Problem(0, name, "missing_station_column", f"every module CSV must carry the {name} column")
            )
    for col in MODULES[module]:
        if col.required and col.kind != "registry" and col.name not in seen:
            problems.append(Problem(0, col.name, "missing_column", f"required column {col.name!r} is missing"))
    return problems


def validate(module: int, header: list[str], rows: list[dict], operational_date: date | None = None) -> list[Problem]:
    """Every problem of a module CSV given as its header and its rows (dicts by column name)."""
    problems = validate_header(module, header)
    known = COLUMNS[module]
    present = [known[name] for name in dict.fromkeys(header) if name in known]
    keys = {}
    for number, row in enumerate(rows, start=1):
        for col in present:
            value = row.get(col.name)
            if _blank(value):
                if not col.empty_ok:
                    problems.append(Problem(number, col.name, "blank", f"{col.name} may not be blank"))
                continue
            bad = check_cell(col, value)
            if bad:
                problems.append(Problem(number, col.name, bad[0], bad[1]))
        problems += _row_rule(module, number, row, header, operational_date)
        key_cols = UNIQUE_KEYS[module]
        if all(k in header for k in key_cols) and not any(_blank(row.get(k)) for k in key_cols):
            key = tuple(str(row.get(k)).strip() for k in key_cols)
            if key in keys:
                problems.append(
                    Problem(
                        number,
                        ",".join(key_cols),
                        "duplicate_key",
                        f"same {', '.join(key_cols)} as row {keys[key]}",
                    )
                )
            else:
                keys[key] = number
    return problems


def _row_rule(module, number, row, header, operational_date):
    problems = []
    if module == 2:
        filled = [f for f in M2_SESSION_FIELDS if not _blank(row.get(f))]
        if filled and len(filled) < len(M2_SESSION_FIELDS):
            for f in M2_SESSION_FIELDS:
                if _blank(row.get(f)):
                    problems.append(
                        Problem(
                            number,
                            f,
                            "m2_empty_session",
                            f"{f} is blank: a session row fills all of {', '.join(M2_SESSION_FIELDS)} "
                            "(or leaves them all blank for 'no sessions this period')",
                        )
                    )
    elif module == 3:
        start = row.get("uptime_reporting_start")
        if _blank(row.get("uptime")) and operational_date and not _blank(start) and DATETIME_RE.match(str(start)):
            reporting = datetime.strptime(str(start).strip()[:10], "%Y-%m-%d").date()
            try:
                year_before = reporting.replace(year=reporting.year - 1)
            except ValueError:  # 29 February
                year_before = reporting.replace(year=reporting.year - 1, day=28)
            if operational_date < year_before:
                problems.append(
                    Problem(
                        number,
                        "uptime",
                        "m3_operational_one_year",
                        f"uptime is blank but the station is operational since {operational_date}, "
                        "more than a year before the reporting start",
                    )
                )
    elif module == 4:
        if _blank(row.get("outage_id")) != _blank(row.get("outage_duration")):
            problems.append(
                Problem(
                    number,
                    "outage_id,outage_duration",
                    "m4_empty_outage",
                    "outage_id and outage_duration must be both blank or both filled",
                )
            )
    elif module == 9:
        if not all(_blank(row.get(f)) for f in M9_COST_FIELDS):
            for f in M9_REQUIRED_COST_FIELDS:
                if _blank(row.get(f)):
                    problems.append(
                        Problem(
                            number,
                            f,
                            "m9_empty_capital_install_costs",
                            f"{f} is blank: when any cost is given, every required cost field is filled",
                        )
                    )
    return problems


def read_csv_text(text: str) -> tuple[list[str], list[dict]]:
    """Header and rows of a module CSV; template rows 2 (types) and 3 (Required/Recommended) of
    the official templates are dropped."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    lines = list(reader)
    if not lines:
        return [], []
    header = [h.strip() for h in lines[0]]
    body = lines[1:]
    while (
        body
        and body[0]
        and str(body[0][0]).strip().lower()
        in (
            "string",
            "decimal",
            "datetime",
            "boolean",
            "integer",
            "required",
            "recommended",
            "optional",
        )
    ):
        body = body[1:]
    rows = [dict(zip(header, line, strict=False)) for line in body if any(cell.strip() for cell in line)]
    return header, rows


def validate_csv_text(module: int, text: str, operational_date: date | None = None) -> list[Problem]:
    header, rows = read_csv_text(text)
    return validate(module, header, rows, operational_date)


class EvChartError(ValueError):
    def __init__(self, problems):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def write_csv(module: int, header: list[str], rows: list[dict], operational_date: date | None = None) -> str:
    """The CSV text of a module file; raises EvChartError listing every problem instead."""
    problems = validate(module, header, rows, operational_date)
    if problems:
        raise EvChartError(problems)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in header})
    return buffer.getvalue()


def quarterly_due_date(year: int, quarter: int) -> date:
    """EV-ChART quarterly data is due the last day of the month after the quarter."""
    first_after = date(year + (quarter * 3 + 1 > 12), (quarter * 3) % 12 + 1, 1)
    month_after_end = date(first_after.year + (first_after.month == 12), first_after.month % 12 + 1, 1)
    return month_after_end - timedelta(days=1)


def quarterly_due_dates(start: date, end: date):
    """(year, quarter, due date) of every calendar quarter overlapping [start, end]."""
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while date(year, quarter * 3 - 2, 1) <= end:
        yield year, quarter, quarterly_due_date(year, quarter)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
