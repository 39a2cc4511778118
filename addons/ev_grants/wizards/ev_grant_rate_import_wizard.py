import base64
import binascii

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_per_diem as pd


class EvGrantRateImportWizard(models.TransientModel):
    _name = "ev.grant.rate.import.wizard"
    _description = "Import GSA per diem rates (CSV)"

    file = fields.Binary("Rates CSV", required=True)
    file_name = fields.Char()
    imported = fields.Integer(readonly=True)

    def action_import(self):
        self.ensure_one()
        if not self.env.user.has_group("ev_grants.group_grant_manager"):
            raise UserError(_("Only grant managers may import per diem rates."))
        try:
            text = base64.b64decode(self.file).decode("utf-8-sig")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise UserError(_("The file is not a UTF-8 CSV: %s", exc)) from exc
        try:
            rows = pd.parse_rates_csv(text)
        except pd.RatesCsvError as exc:
            raise UserError(
                _(
                    "Nothing was imported; fix these lines of the CSV:\n%(errors)s\nColumns: %(columns)s",
                    errors="\n".join(exc.errors),
                    columns=", ".join(pd.CSV_COLUMNS),
                )
            ) from exc
        self.imported = self.env["ev.grant.per.diem.rate"]._store_rows(rows, "csv")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": _("%s monthly rates imported.", self.imported),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
