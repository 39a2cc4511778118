"""A dated compliance obligation of an SPV (its compliance calendar), with an activity, a reminder and an
overdue flag."""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .ev_spv import TAX_MANAGER

KINDS = [
    ("form_1065", "Form 1065 due"),
    ("form_1065_extended", "Form 1065 due (with extension)"),
    ("k1_delivery", "K-1s to partners"),
    ("k1_delivery_extended", "K-1s to partners (with extension)"),
    ("recapture_end", "§30C recapture period ends"),
    ("evchart_annual", "EV-ChART annual report"),
    ("evchart_quarterly", "EV-ChART quarterly report"),
    ("custom", "Other obligation"),
]


class EvSpvObligation(models.Model):
    _name = "ev.spv.obligation"
    _description = "SPV compliance obligation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "due_date, id"
    _check_company_auto = True

    spv_id = fields.Many2one("ev.spv", string="SPV", required=True, index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="spv_id.company_id", store=True, index=True)
    name = fields.Char(required=True)
    kind = fields.Selection(KINDS, required=True, default="custom")
    tax_year = fields.Integer()
    site_id = fields.Many2one("ev.site", check_company=True)
    due_date = fields.Date(required=True, tracking=True)
    reminder_days = fields.Integer(default=14, help="A reminder is posted this many days before the due date.")
    reminded = fields.Boolean(readonly=True, copy=False)
    state = fields.Selection([("open", "Open"), ("done", "Done")], default="open", required=True, tracking=True)
    done_date = fields.Date(readonly=True)
    done_by = fields.Many2one("res.users", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", default=lambda self: self.env.uid)
    overdue = fields.Boolean(compute="_compute_overdue", search="_search_overdue")
    key = fields.Char(readonly=True, copy=False, help="Identifies a generated obligation (no duplicates).")
    note = fields.Text()

    _sql_constraints = [("key_uniq", "unique(spv_id, key)", "This obligation is already in the SPV's calendar.")]

    def _compute_overdue(self):
        today = fields.Date.context_today(self)
        for obligation in self:
            obligation.overdue = obligation.state == "open" and obligation.due_date < today

    def _search_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search overdue obligations with = True or = False."))
        overdue = [("state", "=", "open"), ("due_date", "<", fields.Date.context_today(self))]
        return overdue if (operator == "=") == value else ["!", "&", *overdue]

    @api.model_create_multi
    def create(self, vals_list):
        obligations = super().create(vals_list)
        for obligation in obligations:
            obligation._ev_schedule_activity()
        return obligations

    def _ev_schedule_activity(self):
        self.ensure_one()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.due_date,
            summary=self.name,
            user_id=self.user_id.id or self.env.uid,
        )

    def action_done(self):
        self.spv_id._ev_check_group(TAX_MANAGER)
        self.sudo().write({"state": "done", "done_date": fields.Date.context_today(self), "done_by": self.env.uid})
        self.sudo().activity_ids.action_feedback(feedback=_("Done"))
        return True

    @api.model
    def _cron_remind(self, today=None):
        """Daily: post a reminder on the obligations whose reminder day has come."""
        today = today or fields.Date.context_today(self)
        due = self.sudo().search([("state", "=", "open"), ("reminded", "=", False)])
        due = due.filtered(lambda o: o.due_date - timedelta(days=o.reminder_days) <= today)
        for obligation in due:
            obligation.message_post(
                body=_("Reminder: %(name)s is due on %(date)s.", name=obligation.name, date=obligation.due_date),
                partner_ids=obligation.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        due.write({"reminded": True})
        return due
