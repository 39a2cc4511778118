from odoo import fields, models

from .ev_bulk import drop_indexes


class EvMeterValue(models.Model):
    _name = "ev.meter.value"
    _description = "Sampled meter value"
    _order = "timestamp, id"

    session_id = fields.Many2one("ev.session", ondelete="cascade", index=True)
    charger_id = fields.Many2one("ev.charger", required=True, ondelete="cascade", index=True)
    connector_id = fields.Many2one("ev.connector", ondelete="set null")
    timestamp = fields.Datetime(required=True, index=True, help="UTC")
    # not indexed: a handful of values (every query goes through the session or the charger), and each
    # index costs every reading of this append-only table an entry
    measurand = fields.Char(required=True, default="Energy.Active.Import.Register")
    phase = fields.Char()
    context = fields.Char(help="Sample.Periodic, Transaction.Begin, Transaction.End, …")
    location = fields.Char()
    value = fields.Float(digits=(16, 3), required=True, help="Normalised to the standard unit (Wh, W, A, V, …).")
    unit = fields.Char()

    def init(self):
        drop_indexes(self.env.cr, ["ev_meter_value__measurand_index"])  # before 2026-12-01
