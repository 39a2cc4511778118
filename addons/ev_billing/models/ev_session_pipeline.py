"""Where ev_billing plugs into the session pipelines of ev_charging (ev.session COMPLETION_STAGES and
PROGRESS_STAGES): the one declaration of what billing does, and in which order, when a session
progresses or ends."""

from odoo import models


class EvSession(models.Model):
    _inherit = "ev.session"

    def _completion_steps(self):
        """energy (ev_charging) -> price -> bill -> settle payment -> final cost to the station."""
        steps = super()._completion_steps()
        steps.setdefault("price", []).extend(["_ev_qr_link", "_ev_price"])
        steps.setdefault("bill", []).append("_ev_bill")
        steps.setdefault("settle_payment", []).append("_ev_settle_payment")
        steps.setdefault("final_cost", []).append("_ev_send_final_cost")
        return steps

    def _progress_steps(self):
        """energy (ev_charging) -> running estimate -> running cost to the station."""
        steps = super()._progress_steps()
        steps.setdefault("estimate", []).extend(["_ev_qr_link", "_ev_estimate_running"])
        steps.setdefault("running_cost", []).append("_ev_send_running_cost")
        return steps
