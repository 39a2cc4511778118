"""A mass K-1 run: generates the K-1s of a locked tax year in batches, as a cron job reporting progress."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .ev_spv import TAX_MANAGER


class EvSpvK1Run(models.Model):
    _name = "ev.spv.k1.run"
    _description = "K-1 generation run"
    _order = "id desc"
    _check_company_auto = True

    tax_year_id = fields.Many2one(
        "ev.spv.tax.year", required=True, readonly=True, ondelete="cascade", index=True, check_company=True
    )
    spv_id = fields.Many2one(related="tax_year_id.spv_id", store=True)
    company_id = fields.Many2one(related="tax_year_id.company_id", store=True, index=True)
    state = fields.Selection(
        [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
    )
    total = fields.Integer(readonly=True)
    done_count = fields.Integer("Done", readonly=True)
    progress = fields.Float(compute="_compute_progress", digits=(5, 1))
    batch_size = fields.Integer(default=250, required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.uid, readonly=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)

    _sql_constraints = [("batch_positive", "CHECK (batch_size > 0)", "A batch has at least one partner.")]

    def _compute_display_name(self):
        for run in self:
            run.display_name = _(
                "K-1 run %(year)s (%(done)s/%(total)s)",
                year=run.tax_year_id.display_name,
                done=run.done_count,
                total=run.total,
            )

    def _compute_progress(self):
        for run in self:
            run.progress = 100.0 * run.done_count / run.total if run.total else 0.0

    @api.model
    def _ev_start(self, tax_year):
        """Queue a run for ``tax_year`` (locked) and wake the cron up."""
        tax_year.spv_id._ev_check_group(TAX_MANAGER)
        tax_year = tax_year.sudo()
        if tax_year.state != "locked":
            raise UserError(_("Lock the return of %s before generating its K-1s.", tax_year.display_name))
        if self.sudo().search_count([("tax_year_id", "=", tax_year.id), ("state", "in", ("queued", "running"))]):
            raise UserError(_("K-1s of %s are being generated already.", tax_year.display_name))
        run = self.sudo().create({"tax_year_id": tax_year.id, "total": len(tax_year.spv_id.partner_ids)})
        self.env.ref("ev_tax_equity.ir_cron_k1_runs").sudo()._trigger()
        return run

    def _ev_step(self):
        """One batch of the run; returns the number of partners still to do."""
        self.ensure_one()
        year = self.tax_year_id
        todo = year._ev_members_without_k1()
        if self.state == "queued":
            self.write({"state": "running", "started_at": fields.Datetime.now(), "total": len(todo) + self.done_count})
        try:
            with self.env.cr.savepoint():
                year._ev_generate_k1s(todo[: self.batch_size])
        except (UserError, ValueError) as exc:
            self.write({"state": "failed", "error": str(exc), "finished_at": fields.Datetime.now()})
            return 0
        batch = min(len(todo), self.batch_size)
        remaining = len(todo) - batch
        vals = {"done_count": self.done_count + batch}
        if not remaining:
            vals.update(state="done", finished_at=fields.Datetime.now())
        self.write(vals)
        return remaining

    @api.model
    def _cron_process(self):
        """Cron: one batch of the oldest run; Odoo calls again at once while work remains."""
        runs = self.sudo().search([("state", "in", ("queued", "running"))], order="id")
        if not runs:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return 0
        remaining = runs[0]._ev_step()
        others = sum(run.total - run.done_count for run in runs[1:])
        self.env["ir.cron"]._notify_progress(done=runs[0].done_count, remaining=remaining + others)
        return remaining + others
