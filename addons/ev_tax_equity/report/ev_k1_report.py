from odoo import api, models

from . import ev_tax_report_values


class ReportK1(models.AbstractModel):
    _name = "report.ev_tax_equity.report_k1_document"
    _description = "Schedule K-1 (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["ev.spv.k1"].browse(docids)
        return {"doc_ids": docids, "doc_model": "ev.spv.k1", "docs": docs, **ev_tax_report_values.values()}
