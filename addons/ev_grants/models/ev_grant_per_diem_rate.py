from collections import defaultdict
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_per_diem as pd


class EvGrantPerDiemRate(models.Model):
    """GSA per diem rates kept in Odoo: one row per destination, fiscal year and month. Rows come
    from data (the FY2026 standard CONUS rate), a rates CSV import, manual entry or the GSA API."""

    _name = "ev.grant.per.diem.rate"
    _description = "GSA per diem rate"
    _order = "fiscal_year desc, state_code, city, zip, month"

    fiscal_year = fields.Integer(required=True, index=True)
    standard = fields.Boolean("Standard CONUS rate", help="Used where no destination rate is known.")
    state_code = fields.Char("State", size=2, index=True)
    city = fields.Char(index=True)
    county = fields.Char()
    zip = fields.Char("ZIP", size=5, index=True)
    month = fields.Integer(required=True)
    lodging = fields.Float(required=True, digits=(10, 2))
    mie = fields.Float("M&IE", required=True, digits=(10, 2))
    source = fields.Selection(
        [("data", "Shipped data"), ("csv", "CSV import"), ("api", "GSA API"), ("manual", "Entered")],
        default="manual",
        required=True,
    )

    _sql_constraints = [
        ("month_ok", "CHECK (month BETWEEN 1 AND 12)", "The month must be 1 to 12."),
        ("amounts_ok", "CHECK (lodging >= 0 AND mie >= 0)", "Rates cannot be negative."),
        (
            "destination_uniq",
            "unique(fiscal_year, standard, state_code, city, zip, month)",
            "This destination already has a rate for this fiscal year and month.",
        ),
    ]

    def _destination(self):
        self.ensure_one()
        if self.standard:
            return _("Standard CONUS rate")
        return ", ".join(x for x in (self.city, self.state_code, self.zip) if x)

    @api.model
    def _store_rows(self, rows, source):
        """Create or update rows as ``ev_grants_per_diem.parse_rates_csv`` gives them."""
        count = 0
        for row in rows:
            key = [
                ("fiscal_year", "=", row["fiscal_year"]),
                ("standard", "=", bool(row.get("standard") and not row.get("zip") and not row.get("city"))),
                ("state_code", "=", row["state"] or False),
                ("city", "=", row["city"] or False),
                ("zip", "=", row["zip"] or False),
                ("month", "=", row["month"]),
            ]
            vals = {
                "fiscal_year": row["fiscal_year"],
                "standard": bool(row.get("standard") and not row.get("zip") and not row.get("city")),
                "state_code": row["state"] or False,
                "city": row["city"] or False,
                "county": row.get("county") or False,
                "zip": row["zip"] or False,
                "month": row["month"],
                "lodging": float(row["lodging"]),
                "mie": float(row["mie"]),
                "source": source,
            }
            existing = self.sudo().search(key, limit=1)
            if existing:
                existing.write(vals)
            else:
                self.sudo().create(vals)
            count += 1
        return count

    @api.model
    def _find(self, fy, zip_code=None, city=None, state=None):
        domains = []
        if zip_code:
            domains.append([("zip", "=", zip_code)])
        if city and state:
            domains.append([("city", "=ilike", city), ("state_code", "=", state.upper()), ("zip", "=", False)])
        for domain in domains:
            rows = self.search(domain + [("fiscal_year", "=", fy), ("standard", "=", False)])
            if rows:
                return rows
        return self.browse()

    @api.model
    def _rate(self, day, zip_code=None, city=None, state=None):
        """ev_grants_per_diem.Rate of the destination on ``day``: the table's destination rate,
        else (when an API key is configured) the GSA API's, else the standard CONUS rate."""
        fy = pd.fiscal_year(day)
        rows = self._find(fy, zip_code, city, state)
        if not rows and self.env["ev.grant.gsa.client"]._enabled():
            self.env["ev.grant.gsa.client"]._fetch(fy, zip_code=zip_code, city=city, state=state)
            rows = self._find(fy, zip_code, city, state)
        if not rows:
            rows = self.search([("fiscal_year", "=", fy), ("standard", "=", True)])
        if not rows:
            raise UserError(
                _(
                    "No per diem rate for fiscal year %(fy)s (destination %(dest)s, nor the standard CONUS rate): "
                    "import the GSA rates CSV for FY%(fy)s or configure the GSA API key.",
                    fy=fy,
                    dest=", ".join(x for x in (city, state, zip_code) if x) or _("unknown"),
                )
            )
        by_month = defaultdict(list)
        for row in rows:
            by_month[row.month].append(row)
        lodging = {m: pd.money(r[0].lodging) for m, r in by_month.items()}
        missing = [m for m in range(1, 13) if m not in lodging]
        if missing:
            raise UserError(
                _(
                    "The per diem rate of %(dest)s for FY%(fy)s has no lodging for month(s) %(months)s.",
                    dest=rows[0]._destination(),
                    fy=fy,
                    months=", ".join(map(str, missing)),
                )
            )
        return pd.Rate(fy, lodging, Decimal(str(rows[0].mie)).quantize(pd.CENT), rows[0]._destination())
