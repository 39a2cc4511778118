from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ev_access import MANAGER, require_records

TOKEN_TYPES = [
    ("Central", "Central"),
    ("eMAID", "eMAID"),
    ("ISO14443", "ISO 14443 (RFID)"),
    ("ISO15693", "ISO 15693 (RFID)"),
    ("KeyCode", "Key code"),
    ("Local", "Local"),
    ("MacAddress", "MAC address"),
    ("NoAuthorization", "No authorization"),
]
TOKEN_STATUSES = [("accepted", "Accepted"), ("blocked", "Blocked"), ("expired", "Expired"), ("invalid", "Invalid")]
#: our status → OCPP 2.0.1 AuthorizationStatusEnumType
OCPP_AUTH_STATUS = {"accepted": "Accepted", "blocked": "Blocked", "expired": "Expired", "invalid": "Invalid"}


class EvIdToken(models.Model):
    _name = "ev.id.token"
    _description = "Id token (RFID card, app, key code)"
    _inherit = ["mail.thread"]
    _order = "value"
    _rec_name = "value"
    _check_company_auto = True

    value = fields.Char(
        "Token",
        required=True,
        index=True,
        tracking=True,
        help="idToken as the station sends it (OCPP 2.0.1: up to 36 characters; 1.6 idTag: 20).",
    )
    token_type = fields.Selection(TOKEN_TYPES, string="Type", required=True, default="ISO14443")
    partner_id = fields.Many2one(
        "res.partner", string="Driver / account", tracking=True, index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    status = fields.Selection(TOKEN_STATUSES, required=True, default="accepted", tracking=True)
    expiry = fields.Datetime(tracking=True)
    group_token = fields.Char(help="Group id token: tokens of one fleet may stop each other's sessions.")
    session_ids = fields.One2many("ev.session", "id_token_id")
    active = fields.Boolean(default=True)

    _sql_constraints = [("value_type_uniq", "unique(value, token_type)", "This token is already registered.")]

    @api.constrains("value")
    def _check_value(self):
        for token in self:
            if not token.value or len(token.value) > 36 or not token.value.isprintable() or " " in token.value:
                raise ValidationError(_("Token %r must be 1 to 36 printable characters without spaces.", token.value))

    def _effective_status(self, now=None):
        self.ensure_one()
        now = now or fields.Datetime.now()
        if self.status == "accepted" and self.expiry and self.expiry <= now:
            return "expired"
        return self.status

    @api.model
    def bridge_authorize(self, identity, id_token, token_type=None):
        """Authorization answer for the bridge (INGESTION.md §3)."""
        self.env["ev.charger"]._check_bridge_access()
        if token_type == "NoAuthorization":
            return {"status": "Accepted", "expiry": False, "cache_seconds": 300}
        charger = self.env["ev.charger"].sudo().search([("identity", "=", identity)], limit=1)
        domain = [("value", "=", id_token)]
        if token_type:
            domain.append(("token_type", "=", token_type))
        token = self.sudo().search(domain, limit=1)
        if not token and token_type:  # 1.6 idTags carry no type
            token = self.sudo().search([("value", "=", id_token)], limit=1)
        if not token or (charger and token.company_id and token.company_id != charger.company_id):
            return {"status": "Unknown", "expiry": False, "cache_seconds": 60}
        return token._bridge_auth_answer(charger)

    def _bridge_auth_answer(self, charger):
        """The answer for this known token at ``charger`` (empty if unknown); other addons add their policy
        (ev_billing: a wallet driver without credit gets NoCredit)."""
        self.ensure_one()
        return {
            "status": OCPP_AUTH_STATUS[self._effective_status()],
            "expiry": self.expiry.isoformat() + "Z" if self.expiry else False,
            "cache_seconds": 300,
        }

    def action_block(self):
        require_records(self, "write", MANAGER, _("block an id token"))
        self.write({"status": "blocked"})
        return True

    def action_accept(self):
        require_records(self, "write", MANAGER, _("accept an id token"))
        self.write({"status": "accepted"})
        return True
