from decimal import Decimal

from odoo import api, models


def fmt(value):
    """Display value of a report cell: amounts with thousands separators and two decimals."""
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


class ReportEvGrant(models.AbstractModel):
    _name = "report.ev_grants.report_grant_document"
    _description = "Grant report (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["ev.grant.report.wizard"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "ev.grant.report.wizard",
            "docs": wizards,
            "reports": {w.id: w._tables() for w in wizards},
            "fmt": fmt,
            "is_number": lambda v: isinstance(v, Decimal | float | int) and not isinstance(v, bool),
        }
