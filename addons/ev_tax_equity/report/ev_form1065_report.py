from odoo import _, api, models
from odoo.exceptions import UserError

from . import ev_tax_report_values


class ReportForm1065(models.AbstractModel):
    _name = "report.ev_tax_equity.report_form_1065_document"
    _description = "Form 1065 (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["ev.spv.tax.year"].browse(docids)
        missing = docs.filtered(lambda y: not y.return_data)
        if missing:
            raise UserError(_("Compute the return of %s first.", ", ".join(missing.mapped("display_name"))))
        return {"doc_ids": docids, "doc_model": "ev.spv.tax.year", "docs": docs, **ev_tax_report_values.values()}
