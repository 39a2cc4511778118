"""Who is told what: a user subscribes to the status notifications (ev.notification.event) of one
charger, of every charger of a site, or of the whole network, for the kinds they choose, either at
once (they follow the chargers with the matching subtypes: email or Odoo inbox, as their
preference says) or as an hourly or daily digest (one message listing what happened)."""

from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ev_notification_event import KINDS, SUBTYPES

SCOPES = [("global", "Whole network"), ("site", "Site"), ("charger", "Charger")]
DELIVERY = [("immediate", "At once"), ("hourly", "Hourly digest"), ("daily", "Daily digest")]
KIND_FIELDS = {
    "fault": "on_fault",
    "recovery": "on_recovery",
    "offline": "on_offline",
    "online": "on_online",
    "command_failed": "on_command_failed",
}


class EvNotificationSubscription(models.Model):
    _name = "ev.notification.subscription"
    _description = "Charging station notification subscription"
    _inherit = ["mail.thread"]
    _order = "user_id, scope, id"

    user_id = fields.Many2one(
        "res.users", required=True, index=True, default=lambda self: self.env.user, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="user_id.partner_id")
    active = fields.Boolean(default=True)
    scope = fields.Selection(SCOPES, required=True, default="site")
    site_id = fields.Many2one("ev.site", index=True, ondelete="cascade")
    charger_id = fields.Many2one("ev.charger", index=True, ondelete="cascade")
    on_fault = fields.Boolean("Faults", default=True)
    on_recovery = fields.Boolean("Recoveries", default=True)
    on_offline = fields.Boolean("Offline", default=True, help="Disconnected for longer than the configured threshold.")
    on_online = fields.Boolean("Back online", default=True)
    on_command_failed = fields.Boolean("Failed commands", default=False)
    delivery = fields.Selection(
        DELIVERY,
        required=True,
        default="immediate",
        help="At once: every notification (a flapping charger is summed up in an hourly digest). "
        "Digest: one message per hour or per day listing what happened.",
    )
    last_digest_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    name = fields.Char(compute="_compute_name")

    @api.depends("scope", "site_id", "charger_id", "user_id")
    def _compute_name(self):
        labels = dict(SCOPES)
        for sub in self:
            target = sub.charger_id.display_name or sub.site_id.display_name or labels[sub.scope]
            sub.name = f"{sub.user_id.name or ''}: {target}"

    @api.constrains("scope", "site_id", "charger_id")
    def _check_scope(self):
        for sub in self:
            if sub.scope == "site" and not sub.site_id:
                raise ValidationError(_("Choose the site whose chargers you want to hear about."))
            if sub.scope == "charger" and not sub.charger_id:
                raise ValidationError(_("Choose the charger you want to hear about."))

    # --- followers -----------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        subs = super().create(vals_list)
        subs._sync_followers()
        return subs

    def write(self, vals):
        users = self.user_id
        result = super().write(vals)
        (self | self.search([("user_id", "in", users.ids)]))._sync_followers()
        return result

    def unlink(self):
        users = self.user_id
        result = super().unlink()
        self.search([("user_id", "in", users.ids)])._sync_followers(users)
        return result

    def _kinds(self):
        self.ensure_one()
        return [kind for kind, field in KIND_FIELDS.items() if self[field]]

    def _chargers(self):
        """The chargers this subscription covers (the subscriber's companies only)."""
        self.ensure_one()
        Charger = self.env["ev.charger"].sudo()
        companies = self.user_id.company_ids
        if self.scope == "charger":
            return self.charger_id.sudo().filtered(lambda c: c.company_id in companies)
        domain = [("company_id", "in", companies.ids)]
        if self.scope == "site":
            domain.append(("site_id", "=", self.site_id.id))
        return Charger.search(domain)

    def _sync_followers(self, users=None):
        """Each subscriber follows exactly the chargers of their immediate subscriptions, with the
        subtypes of the kinds they chose (other subtypes they follow a charger with are kept)."""
        users = (users or self.env["res.users"]) | self.user_id
        if not users:
            return
        ev_subtypes = {kind: self.env.ref(xmlid) for kind, xmlid in SUBTYPES.items()}
        ev_subtype_ids = {s.id for s in ev_subtypes.values()}
        all_subs = self.sudo().search([("user_id", "in", users.ids), ("delivery", "=", "immediate")])
        Followers = self.env["mail.followers"].sudo()
        for user in users:
            partner = user.partner_id
            wanted = defaultdict(set)
            for sub in all_subs.filtered(lambda s, user=user: s.user_id == user):
                subtype_ids = {ev_subtypes[k].id for k in sub._kinds()}
                for charger in sub._chargers():
                    wanted[charger.id] |= subtype_ids
            current = Followers.search([("res_model", "=", "ev.charger"), ("partner_id", "=", partner.id)])
            for follower in current:
                others = set(follower.subtype_ids.ids) - ev_subtype_ids
                mine = wanted.pop(follower.res_id, set())
                if not mine and not others:
                    follower.unlink()
                elif set(follower.subtype_ids.ids) != others | mine:
                    follower.subtype_ids = [(6, 0, sorted(others | mine))]
            for charger_id, subtype_ids in wanted.items():
                if subtype_ids:
                    Followers.create(
                        {
                            "res_model": "ev.charger",
                            "res_id": charger_id,
                            "partner_id": partner.id,
                            "subtype_ids": [(6, 0, sorted(subtype_ids))],
                        }
                    )

    @api.model
    def _sync_for_new_chargers(self, chargers):
        """Site and network subscriptions cover chargers created later too."""
        subs = self.sudo().search(
            [
                ("delivery", "=", "immediate"),
                "|",
                ("scope", "=", "global"),
                "&",
                ("scope", "=", "site"),
                ("site_id", "in", chargers.site_id.ids),
            ]
        )
        if subs:
            subs._sync_followers()

    # --- digests -------------------------------------------------------------------------------
    @api.model
    def _cron_send_digests(self):
        """Hourly: the digest of every hourly subscription, the daily ones whose last digest is a day
        old, and, for subscribers told at once, the events a flapping charger only noted."""
        now = fields.Datetime.now()
        subs = self.sudo().search([("user_id.active", "=", True)])
        for sub in subs:
            if (
                sub.delivery == "daily"
                and sub.last_digest_at
                and now - sub.last_digest_at < timedelta(hours=23, minutes=50)
            ):
                continue
            sub._send_digest(now, suppressed_only=sub.delivery == "immediate")
        return True

    def _digest_events(self, since, until, suppressed_only=False):
        self.ensure_one()
        domain = [
            ("charger_id", "in", self._chargers().ids),
            ("kind", "in", self._kinds()),
            ("create_date", ">", since),
            ("create_date", "<=", until),
        ]
        if suppressed_only:
            domain.append(("suppressed", "=", True))
        return self.env["ev.notification.event"].sudo().search(domain, order="charger_id, date, id")

    def _send_digest(self, now, suppressed_only=False):
        """One message to the subscriber listing the events since the last digest (none: nothing sent)."""
        self.ensure_one()
        since = self.last_digest_at or (now - timedelta(days=1))
        events = self._digest_events(since, now, suppressed_only)
        self.last_digest_at = now
        if not events:
            return False
        labels = dict(KINDS)
        digest = []
        for charger in events.charger_id:
            mine = events.filtered(lambda e, charger=charger: e.charger_id == charger)
            counts = defaultdict(int)
            for event in mine:
                counts[event.kind] += 1
            digest.append(
                {
                    "charger": charger.display_name,
                    "site": charger.site_id.name,
                    "counts": ", ".join(f"{labels[k]} x {n}" for k, n in counts.items()),
                    "lines": [(e.date_local, labels[e.kind], e.detail or "") for e in mine],
                }
            )
        template = self.env.ref("ev_charging.mail_template_ev_digest").with_context(
            ev_digest=digest, ev_digest_count=len(events)
        )
        body = template._render_field("body_html", self.ids)[self.id]
        subject = template._render_field("subject", self.ids)[self.id]
        return self.sudo().message_notify(
            partner_ids=self.partner_id.ids,
            subject=subject,
            body=body,
            email_layout_xmlid="mail.mail_notification_light",
        )
