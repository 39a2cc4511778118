from markupsafe import Markup

from odoo import api, models

from odoo.addons.ev_tax_equity.report import ev_tax_report_values


class ReportK1Portal(models.AbstractModel):
    _name = "report.ev_portal.report_k1_portal_document"
    _description = "Schedule K-1, portal copy (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["ev.spv.k1"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "ev.spv.k1",
            "docs": docs,
            "mdash": Markup("&#8212;"),
            **ev_tax_report_values.values(),
        }


class ReportCapitalStatement(models.AbstractModel):
    _name = "report.ev_portal.report_capital_statement_document"
    _description = "Capital account statement (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["ev.spv.capital"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "ev.spv.capital",
            "docs": docs,
            "fmt": ev_tax_report_values.fmt,
            "sect": Markup("&#167;"),
        }


class ReportConsentSample(models.AbstractModel):
    _name = "report.ev_portal.report_consent_sample_document"
    _description = "Electronic K-1 delivery: test PDF"

    @api.model
    def _get_report_values(self, docids, data=None):
        return {
            "doc_ids": docids,
            "doc_model": "res.users",
            "docs": self.env["res.users"].browse(docids),
            "code": self.env.context.get("ev_consent_code", ""),
        }
