"""Status notifications (issue 14 item 4): subscriptions per charger, site and network make users
followers with the chosen subtypes; a fault is mailed (email) or put in the inbox, with the fault task
assigned to the site's technician in the field-service project's first stage; recovery, offline
longer than the threshold, back online and failed commands; a flapping charger does not send
hundreds of mails and a digest sums up what happened."""

from datetime import UTC, timedelta

from odoo import fields
from odoo.tests import new_test_user

from .common import EvCase, iso


class TestNotifications(EvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_create_nolog=True))
        cls.mailer = new_test_user(
            cls.env,
            "ev-notify-mail",
            groups="ev_charging.group_ev_user",
            email="mail@example.com",
            notification_type="email",
        )
        cls.inboxer = new_test_user(
            cls.env,
            "ev-notify-inbox",
            groups="ev_charging.group_ev_user",
            email="inbox@example.com",
            notification_type="inbox",
        )
        cls.digester = new_test_user(
            cls.env, "ev-notify-digest", groups="ev_charging.group_ev_user", email="digest@example.com"
        )
        cls.tech = new_test_user(cls.env, "ev-notify-tech", groups="ev_charging.group_ev_technician")
        cls.site.write({"technician_id": cls.tech.id, "latitude": 40.6744, "longitude": -74.011})
        cls.Sub = cls.env["ev.notification.subscription"]
        cls.env["ir.config_parameter"].sudo().set_param("ev_charging.fault_creates_task", "True")

    def status(self, status, ts, error="GroundFailure"):
        payload = {"connectorId": 1, "status": status, "errorCode": error if status == "Faulted" else "NoError"}
        payload["timestamp"] = iso(ts)
        return self.ev("T-16", "StatusNotification", payload, ts)

    def mails_to(self, partner):
        """The messages ``partner`` is notified of by email (mail.notification: whether the mail was
        already sent and deleted or is still queued)."""
        return (
            self.env["mail.notification"]
            .sudo()
            .search([("res_partner_id", "=", partner.id), ("notification_type", "=", "email")])
            .mail_message_id
        )

    def inbox_of(self, partner):
        return (
            self.env["mail.notification"]
            .sudo()
            .search([("res_partner_id", "=", partner.id), ("notification_type", "=", "inbox")])
        )

    def test_subscriptions_make_followers_with_the_chosen_subtypes(self):
        sub = self.Sub.with_user(self.mailer).create({"scope": "site", "site_id": self.site.id, "on_recovery": False})
        follower = self.cp16.message_follower_ids.filtered(lambda f: f.partner_id == self.mailer.partner_id)
        self.assertEqual(
            set(follower.subtype_ids.mapped(lambda s: s.get_external_id()[s.id])),
            {
                "ev_charging.mt_charger_fault",
                "ev_charging.mt_charger_offline",
                "ev_charging.mt_charger_online",
            },
        )
        # a station added to the site later is covered too
        new = self.env["ev.charger"].create({"identity": "T-NEW", "site_id": self.site.id})
        self.assertIn(self.mailer.partner_id, new.message_partner_ids)
        # a digest subscription does not follow; removing the subscription removes the follower
        sub.delivery = "daily"
        self.assertNotIn(self.mailer.partner_id, self.cp16.message_partner_ids)
        sub.delivery = "immediate"
        sub.unlink()
        self.assertNotIn(self.mailer.partner_id, self.cp16.message_partner_ids)

    def test_fault_mail_inbox_and_task_then_recovery(self):
        self.Sub.with_user(self.mailer).create({"scope": "charger", "charger_id": self.cp16.id})
        self.Sub.with_user(self.inboxer).create({"scope": "global"})
        self.ingest([self.status("Available", self.t0), self.status("Faulted", self.minutes(self.t0, 5))])
        event = self.env["ev.notification.event"].search([("charger_id", "=", self.cp16.id), ("kind", "=", "fault")])
        self.assertEqual(len(event), 1)
        self.assertEqual(event.detail, "GroundFailure")
        self.assertIn("Fault", event.message_id.subject)
        self.assertIn("Test Depot", event.message_id.body)
        self.assertIn("T-16", self.mails_to(self.mailer.partner_id).mapped("subject")[0])
        self.assertEqual(len(self.inbox_of(self.inboxer.partner_id)), 1, "the inbox user is told in Odoo")
        self.assertFalse(self.mails_to(self.inboxer.partner_id))
        task = self.env["project.task"].search([("ev_charger_id", "=", self.cp16.id)])
        self.assertEqual(task.user_ids, self.tech, "assigned to the site's technician")
        self.assertEqual(task.project_id, self.env.ref("ev_charging.project_field_service"))
        self.assertEqual(task.stage_id, self.env.ref("ev_charging.stage_field_new"))
        self.assertIn("openstreetmap.org/directions", task.ev_site_directions_url)
        stages = self.env.ref("ev_charging.project_field_service").type_ids
        self.assertGreaterEqual(len(stages), 5)
        self.ingest([self.status("Available", self.minutes(self.t0, 30))])
        kinds = self.env["ev.notification.event"].search([("charger_id", "=", self.cp16.id)]).mapped("kind")
        self.assertEqual(sorted(kinds), ["fault", "recovery"])
        self.assertEqual(len(self.mails_to(self.mailer.partner_id)), 2)

    def test_offline_longer_than_the_threshold_then_back_online(self):
        self.Sub.with_user(self.mailer).create({"scope": "charger", "charger_id": self.cp201.id})
        aware = fields.Datetime.now().replace(tzinfo=UTC)
        self.ingest([self.ev("T-201", "Connection", {"state": "connected", "node": "n1"}, aware - timedelta(hours=1))])
        self.ingest(
            [self.ev("T-201", "Connection", {"state": "disconnected", "node": "n1"}, aware - timedelta(minutes=5))]
        )
        Event = self.env["ev.notification.event"]
        Event._cron_offline_alerts()
        self.assertFalse(Event.search([("charger_id", "=", self.cp201.id)]), "5 minutes: under the 10-minute threshold")
        self.env["ir.config_parameter"].sudo().set_param("ev_charging.offline_alert_minutes", "3")
        Event._cron_offline_alerts()
        Event._cron_offline_alerts()  # once per disconnection
        self.assertEqual(Event.search([("charger_id", "=", self.cp201.id)]).mapped("kind"), ["offline"])
        self.ingest([self.ev("T-201", "Connection", {"state": "connected", "node": "n1"}, aware)])
        self.assertEqual(
            Event.search([("charger_id", "=", self.cp201.id)], order="id").mapped("kind"), ["offline", "online"]
        )
        self.assertEqual(len(self.mails_to(self.mailer.partner_id)), 2)

    def test_failed_command_is_a_notification(self):
        self.Sub.with_user(self.mailer).create(
            {"scope": "charger", "charger_id": self.cp201.id, "on_command_failed": True}
        )
        # the technician presses Refresh status on a station that is not connected: it fails at once (the
        # technician sees it on screen; the subscriber is told)
        self.cp201.with_user(self.tech).action_trigger_status()
        event = self.env["ev.notification.event"].search([("charger_id", "=", self.cp201.id)])
        self.assertEqual(event.kind, "command_failed")
        self.assertIn("TriggerMessage", event.detail)
        self.assertEqual(len(self.mails_to(self.mailer.partner_id)), 1)

    def test_a_flapping_charger_is_summed_up_in_digests(self):
        self.Sub.with_user(self.mailer).create({"scope": "charger", "charger_id": self.cp16.id})
        digest = self.Sub.with_user(self.digester).create(
            {"scope": "site", "site_id": self.site.id, "delivery": "hourly"}
        )
        digest.sudo().last_digest_at = fields.Datetime.now() - timedelta(hours=1)
        mail_sub = self.Sub.search([("user_id", "=", self.mailer.id)])
        mail_sub.sudo().last_digest_at = fields.Datetime.now() - timedelta(hours=1)
        events = [self.status("Available", self.t0)]
        for n in range(50):  # 50 faults and 50 recoveries within the hour
            events.append(self.status("Faulted", self.minutes(self.t0, 1 + 2 * n)))
            events.append(self.status("Available", self.minutes(self.t0, 2 + 2 * n)))
        self.ingest(events)
        Event = self.env["ev.notification.event"]
        self.assertEqual(Event.search_count([("charger_id", "=", self.cp16.id)]), 100)
        self.assertEqual(Event.search_count([("charger_id", "=", self.cp16.id), ("suppressed", "=", False)]), 4)
        self.assertEqual(len(self.mails_to(self.mailer.partner_id)), 4, "the flap limit, not 100 mails")
        self.assertFalse(self.mails_to(self.digester.partner_id), "digest subscribers get nothing at once")
        self.Sub._cron_send_digests()
        digests = self.mails_to(self.digester.partner_id)
        self.assertEqual(len(digests), 1, "one digest for the hour")
        self.assertIn("100", digests.subject)
        self.assertIn("Fault x 50", digests.body)
        self.assertIn("Recovery x 50", digests.body)
        self.assertEqual(
            len(self.mails_to(self.mailer.partner_id)),
            5,
            "the immediate subscriber gets the 96 noted events in one digest",
        )
        # nothing new: no empty digest
        self.Sub._cron_send_digests()
        self.assertEqual(len(self.mails_to(self.digester.partner_id)), 1)
