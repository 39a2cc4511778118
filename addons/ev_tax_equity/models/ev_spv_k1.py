"""A partner's Schedule K-1 (Form 1065) for a tax year, generated from the locked return."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_tax_1065
from ..report import ev_tax_report_values
from .ev_spv import TAX_MANAGER

K1_STATES = [
    ("draft", "Draft"),
    ("released", "Released"),
    ("filed", "Filed"),
    ("superseded", "Superseded (amended)"),
]


def _pct(value):
    return f"{value:.6f}"


class EvSpvK1(models.Model):
    _name = "ev.spv.k1"
    _description = "Schedule K-1 (Form 1065)"
    _inherit = ["mail.thread"]
    _order = "year desc, spv_id, member_id, version desc"
    _check_company_auto = True

    tax_year_id = fields.Many2one(
        "ev.spv.tax.year", required=True, index=True, ondelete="restrict", readonly=True, check_company=True
    )
    year = fields.Integer(related="tax_year_id.year", store=True)
    spv_id = fields.Many2one(related="tax_year_id.spv_id", store=True, index=True)
    company_id = fields.Many2one(related="tax_year_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="tax_year_id.currency_id")
    member_id = fields.Many2one(
        "ev.spv.partner", string="Partner", required=True, index=True, readonly=True, check_company=True
    )
    partner_id = fields.Many2one(related="member_id.partner_id", store=True, index=True, string="Contact")
    version = fields.Integer(default=1, readonly=True)
    amended_from_id = fields.Many2one(
        "ev.spv.k1", string="Amends", readonly=True, index=True, ondelete="restrict", check_company=True
    )
    amendment_ids = fields.One2many("ev.spv.k1", "amended_from_id", string="Amended by")
    state = fields.Selection(K1_STATES, default="draft", required=True, readonly=True, tracking=True, index=True)
    data = fields.Json(readonly=True, help="Parts I, II and III as computed (amounts as strings).")
    box_1 = fields.Monetary("Box 1 ordinary income (loss)", currency_field="currency_id", readonly=True)
    box_15 = fields.Monetary("Box 15 credits", currency_field="currency_id", readonly=True)
    box_19 = fields.Monetary("Box 19 distributions", currency_field="currency_id", readonly=True)
    capital_end = fields.Monetary("Item L ending capital (tax)", currency_field="currency_id", readonly=True)
    released_by = fields.Many2one("res.users", readonly=True)
    released_at = fields.Datetime(readonly=True)
    filed_by = fields.Many2one("res.users", readonly=True)
    filed_at = fields.Datetime(readonly=True)
    delivery = fields.Selection(
        [("electronic", "Electronic (consent)"), ("paper", "Paper")],
        readonly=True,
        help="Decided at release: electronic only with the partner's active consent (Rev. Proc. 2012-17).",
    )
    furnishing_ids = fields.One2many("ev.spv.k1.furnishing", "k1_id", string="Furnished")
    html = fields.Html("K-1", compute="_compute_html", sanitize=False)

    _sql_constraints = [
        ("version_uniq", "unique(tax_year_id, member_id, version)", "This K-1 version already exists."),
    ]

    def _compute_display_name(self):
        for k1 in self:
            suffix = _(" (amended, v%s)", k1.version) if k1.version > 1 else ""
            k1.display_name = f"K-1 {k1.year} {k1.partner_id.name or ''}{suffix}"

    def _compute_html(self):
        for k1 in self:
            k1.html = (
                self.env["ir.qweb"]._render(
                    "ev_tax_equity.k1_body",
                    {"o": k1, "data": k1.data, "boxes": k1._ev_boxes(), **ev_tax_report_values.values()},
                )
                if k1.data
                else False
            )

    # ------------------------------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------------------------------
    def _ev_boxes(self):
        """[(box, code, label, amount string)] of Part III, in box order."""
        self.ensure_one()
        boxes = (self.data or {}).get("boxes", {})
        rows = []
        for line, (box, code) in ev_tax_1065.K1_BOXES.items():
            if line in boxes:
                rows.append((box, code, ev_tax_1065.K_LINES[line][0], boxes[line]))
        return rows

    @api.model
    def _ev_vals(self, tax_year, member, partner_k1):
        """Values of the K-1 of ``member`` from ev_tax_1065.PartnerK1 ``partner_k1``."""
        spv = tax_year.spv_id
        company = spv.company_id
        boxes = {line: str(value) for line, value in partner_k1.boxes.items()}
        data = {
            "period": [str(tax_year.date_from), str(tax_year.date_to)],
            "part1": {
                "ein": spv.ein or "",
                "name": spv.legal_name,
                "address": ", ".join(filter(None, [company.street, company.city, company.state_id.code, company.zip])),
                "irs_center": "e-file",
                "ptp": False,
            },
            "part2": {
                "tin": member.sudo().tin_masked or "",
                "name": member.partner_id.name,
                "address": ", ".join(
                    filter(
                        None,
                        [
                            member.partner_id.street,
                            member.partner_id.city,
                            member.partner_id.state_id.code,
                            member.partner_id.zip,
                        ],
                    )
                ),
                "general_partner": member.is_general_partner,
                "foreign": member.is_foreign,
                "entity_type": dict(member._fields["entity_type"].selection).get(member.entity_type),
                "retirement_plan": member.entity_type == "ira",
                "J": {
                    "profit": [_pct(partner_k1.profit_begin), _pct(partner_k1.profit_end)],
                    "loss": [_pct(partner_k1.loss_begin), _pct(partner_k1.loss_end)],
                    "capital": [_pct(partner_k1.capital_begin), _pct(partner_k1.capital_end)],
                },
                "K1": {
                    "nonrecourse": [str(partner_k1.liabilities_begin), str(partner_k1.liabilities_end)],
                    "qualified_nonrecourse": ["0.00", "0.00"],
                    "recourse": ["0.00", "0.00"],
                },
                "L": {key: str(value) for key, value in partner_k1.capital.items()},
                "M": False,
                "N": ["0.00", "0.00"],
            },
            "boxes": boxes,
            "credit_note": _("Box 15 code P: alternative fuel vehicle refueling property credit (Form 8911)")
            if "15f" in boxes
            else "",
        }
        return {
            "data": data,
            "box_1": float(partner_k1.boxes.get("1", 0)),
            "box_15": float(partner_k1.boxes.get("15f", 0)),
            "box_19": float(partner_k1.boxes.get("19a", 0)),
            "capital_end": float(partner_k1.capital.get("ending", 0)),
        }

    # ------------------------------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------------------------------
    def _ev_check_manager(self):
        self.spv_id._ev_check_group(TAX_MANAGER)

    def action_release(self):
        """Release draft K-1s of locked years: furnished electronically (email and portal) to partners with
        an active consent, marked for paper delivery otherwise. An amendment supersedes what it amends."""
        self._ev_check_manager()
        k1s = self.sudo()
        unlocked = k1s.tax_year_id.filtered(lambda y: y.state != "locked")
        if unlocked:
            raise UserError(
                _(
                    "The return of %s is not locked: lock it (its checks must pass) before releasing its K-1s.",
                    ", ".join(unlocked.mapped("display_name")),
                )
            )
        not_draft = k1s.filtered(lambda k: k.state != "draft")
        if not_draft:
            raise UserError(_("Only draft K-1s are released (%s is not).", not_draft[0].display_name))
        consents = self.env["ev.spv.consent"]._ev_active_for(k1s.partner_id)
        now = fields.Datetime.now()
        Furnishing = self.env["ev.spv.k1.furnishing"].sudo()
        for k1 in k1s:
            consent = consents.get(k1.partner_id.commercial_partner_id)
            k1.write(
                {
                    "state": "released",
                    "released_by": self.env.uid,
                    "released_at": now,
                    "delivery": "electronic" if consent else "paper",
                }
            )
            if k1.amended_from_id:
                k1.amended_from_id.write({"state": "superseded"})
            if consent:
                Furnishing.create(
                    [
                        {"k1_id": k1.id, "version": k1.version, "channel": "portal", "consent_id": consent.id},
                        {
                            "k1_id": k1.id,
                            "version": k1.version,
                            "channel": "email",
                            "consent_id": consent.id,
                            "state": "pending",
                        },
                    ]
                )
            else:
                Furnishing.create({"k1_id": k1.id, "version": k1.version, "channel": "paper", "state": "pending"})
        self.env.ref("ev_tax_equity.ir_cron_k1_delivery").sudo()._trigger()
        return True

    def action_mark_filed(self):
        """The K-1s were filed with the IRS with the return."""
        self._ev_check_manager()
        if self.filtered(lambda k: k.state != "released"):
            raise UserError(_("Only released K-1s are marked as filed."))
        self.sudo().write({"state": "filed", "filed_by": self.env.uid, "filed_at": fields.Datetime.now()})
        return True

    def action_amend(self):
        """A new draft version of released or filed K-1s, from the return as locked now (reopen the year,
        correct it, lock it again first). The versions it replaces are kept."""
        self._ev_check_manager()
        amendments = self.browse()
        for k1 in self.sudo():
            if k1.state not in ("released", "filed"):
                raise UserError(_("%s is not released: correct the draft instead of amending it.", k1.display_name))
            if k1.amendment_ids.filtered(lambda a: a.state == "draft"):
                raise UserError(_("%s already has a draft amendment.", k1.display_name))
            year = k1.tax_year_id
            if year.state != "locked":
                raise UserError(_("Lock the corrected return of %s before amending its K-1s.", year.display_name))
            partner_k1 = next(p for p in year._ev_k1_set().partners if p.key == k1.member_id.id)
            amendments |= self.sudo().create(
                {
                    "tax_year_id": year.id,
                    "member_id": k1.member_id.id,
                    "version": k1.version + 1,
                    "amended_from_id": k1.id,
                    **self._ev_vals(year, k1.member_id, partner_k1),
                }
            )
        return amendments

    def action_mark_paper_sent(self):
        """The paper copies were printed and mailed."""
        self._ev_check_manager()
        pending = self.sudo().furnishing_ids.filtered(lambda f: f.channel == "paper" and f.state == "pending")
        pending.write({"state": "done", "furnished_at": fields.Datetime.now(), "user_id": self.env.uid})
        return True

    # ------------------------------------------------------------------------------------------
    # Delivery (cron, batched)
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_deliver(self, batch_size=50):
        """Email the released K-1s furnished electronically, with the PDF attached, by batches."""
        Furnishing = self.env["ev.spv.k1.furnishing"].sudo()
        pending = Furnishing.search([("channel", "=", "email"), ("state", "=", "pending")], order="id")
        template = self.env.ref("ev_tax_equity.mail_template_k1")
        for furnishing in pending[:batch_size]:
            k1 = furnishing.k1_id
            recipient = furnishing.consent_id.user_id.partner_id or k1.partner_id
            mail_id = template.with_context(ev_k1_recipient=recipient.id).send_mail(
                k1.id, email_values={"recipient_ids": [(6, 0, recipient.ids)]}
            )
            furnishing.write({"state": "done", "furnished_at": fields.Datetime.now(), "mail_id": mail_id})
        done = min(len(pending), batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=len(pending) - done)
        return done
