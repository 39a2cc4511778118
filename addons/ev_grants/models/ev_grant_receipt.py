import base64
import hashlib
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import ev_grants_s3

_logger = logging.getLogger(__name__)


class EvGrantReceipt(models.Model):
    """A receipt (invoice, ticket, photo) of a grant cost. Its bytes live in S3 when a bucket is
    configured (Settings > EV Grants), otherwise in Odoo's filestore (an ir.attachment)."""

    _name = "ev.grant.receipt"
    _description = "Grant receipt"
    _order = "id desc"

    name = fields.Char("File name", required=True)
    cost_id = fields.Many2one("ev.grant.cost", ondelete="cascade", index=True)
    trip_expense_id = fields.Many2one("ev.grant.trip.expense", ondelete="cascade", index=True)
    equipment_id = fields.Many2one("ev.grant.equipment", ondelete="cascade", index=True)
    grant_id = fields.Many2one("ev.grant", compute="_compute_grant", store=True, index=True)
    company_id = fields.Many2one("res.company", compute="_compute_grant", store=True, index=True)
    mimetype = fields.Char(default="application/octet-stream")
    file_size = fields.Integer(readonly=True)
    checksum = fields.Char("SHA-256", readonly=True)
    storage = fields.Selection([("s3", "S3"), ("filestore", "Odoo filestore")], readonly=True)
    s3_bucket = fields.Char(readonly=True)
    s3_key = fields.Char(readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="restrict")
    datas = fields.Binary("File", compute="_compute_datas", inverse="_inverse_datas")

    @api.depends("cost_id.grant_id", "trip_expense_id.trip_id.grant_id", "equipment_id.grant_id")
    def _compute_grant(self):
        for receipt in self:
            grant = (
                receipt.cost_id.grant_id or receipt.trip_expense_id.trip_id.grant_id or receipt.equipment_id.grant_id
            )
            receipt.grant_id = grant
            receipt.company_id = grant.company_id or self.env.company

    @api.constrains("cost_id", "trip_expense_id", "equipment_id")
    def _check_owner(self):
        for receipt in self:
            owners = [o for o in (receipt.cost_id, receipt.trip_expense_id, receipt.equipment_id) if o]
            if len(owners) != 1:
                raise UserError(
                    _("Receipt %s must belong to exactly one cost, trip expense or equipment.", receipt.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            owners = [k for k in ("cost_id", "trip_expense_id", "equipment_id") if vals.get(k)]
            if len(owners) != 1:
                raise UserError(
                    _("Receipt %s must belong to exactly one cost, trip expense or equipment.", vals.get("name"))
                )
        return super().create(vals_list)

    @api.model
    def _s3_store(self):
        """The S3 store of the settings, or None when no bucket is configured."""
        params = self.env["ir.config_parameter"].sudo()
        bucket = params.get_param("ev_grants.s3_bucket")
        if not bucket:
            return None
        return ev_grants_s3.S3Store(
            bucket,
            endpoint_url=params.get_param("ev_grants.s3_endpoint_url") or None,
            region=params.get_param("ev_grants.s3_region") or None,
            access_key=params.get_param("ev_grants.s3_access_key") or None,
            secret_key=params.get_param("ev_grants.s3_secret_key") or None,
        )

    def _compute_datas(self):
        for receipt in self:
            receipt.datas = base64.b64encode(receipt._content()) if receipt.storage else False

    def _content(self):
        self.ensure_one()
        if self.storage == "s3":
            store = self._s3_store()
            if not store or store.bucket != self.s3_bucket:
                raise UserError(
                    _(
                        "Receipt %(name)s is in S3 bucket %(bucket)s, which is not configured.",
                        name=self.name,
                        bucket=self.s3_bucket,
                    )
                )
            try:
                return store.get(self.s3_key)
            except ev_grants_s3.S3Error as exc:
                raise UserError(
                    _("Receipt %(name)s could not be read from S3: %(error)s", name=self.name, error=exc)
                ) from exc
        if self.storage == "filestore":
            return base64.b64decode(self.attachment_id.sudo().datas or b"")
        return b""

    def _inverse_datas(self):
        for receipt in self:
            if not receipt.datas:
                continue
            if receipt.storage:
                raise UserError(
                    _("Receipt %s is kept as filed: add a new receipt instead of replacing it.", receipt.name)
                )
            receipt._store(base64.b64decode(receipt.datas))

    def _store(self, data):
        self.ensure_one()
        sha = hashlib.sha256(data).hexdigest()
        vals = {"file_size": len(data), "checksum": sha}
        store = self._s3_store()
        if store:
            key = ev_grants_s3.receipt_key(self.env.cr.dbname, self.company_id.id, sha, self.name)
            try:
                store.put(key, data, self.mimetype, sha)
            except ev_grants_s3.S3Error as exc:
                raise UserError(
                    _(
                        "Receipt %(name)s could not be stored in S3 (nothing was saved): %(error)s",
                        name=self.name,
                        error=exc,
                    )
                ) from exc
            vals.update(storage="s3", s3_bucket=store.bucket, s3_key=key)
        else:
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": self.name,
                        "raw": data,
                        "mimetype": self.mimetype,
                        "res_model": self._name,
                        "res_id": self.id,
                        "company_id": self.company_id.id,
                    }
                )
            )
            vals.update(storage="filestore", attachment_id=attachment.id)
        self.sudo().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        posted = self.filtered(
            lambda r: (r.trip_expense_id.trip_id.state == "posted") or (r.equipment_id.state == "posted")
        )
        if posted:
            raise UserError(_("Receipts of posted trips and equipment are kept with the grant's records."))

    def unlink(self):
        attachments = self.sudo().attachment_id
        res = super().unlink()
        attachments.unlink()
        return res

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/ev.grant.receipt/{self.id}/datas/{self.name}?download=true",
            "target": "self",
        }
