from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import EvCase


@tagged("post_install", "-at_install")
class TestMultiCompany(EvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "SPV B"})
        cls.site_b = cls.env["ev.site"].create({"name": "B site", "tz": "Europe/Paris", "company_id": cls.company_b.id})
        cls.cp_b = cls.env["ev.charger"].create({"identity": "B-1", "site_id": cls.site_b.id})
        cls.ingest_cls = cls.env["ev.ocpp.event"].ingest
        cls.env["ev.ocpp.event"].ingest(
            [
                {
                    "key": "mc:1",
                    "charger": "B-1",
                    "version": "2.0.1",
                    "action": "TransactionEvent",
                    "ts": "2026-07-01T10:00:00Z",
                    "payload": {
                        "eventType": "Started",
                        "timestamp": "2026-07-01T10:00:00Z",
                        "triggerReason": "Authorized",
                        "seqNo": 0,
                        "transactionInfo": {"transactionId": "B-TX"},
                        "evse": {"id": 1, "connectorId": 1},
                    },
                }
            ]
        )
        cls.user_a = new_test_user(
            cls.env,
            login="ev_user_a",
            groups="ev_charging.group_ev_user",
            company_id=cls.env.company.id,
            company_ids=[cls.env.company.id],
        )

    def test_user_of_company_a_never_reads_company_b(self):
        env_a = self.env(user=self.user_a)
        self.assertIn(self.site, env_a["ev.site"].search([]))
        self.assertNotIn(self.site_b, env_a["ev.site"].search([]))
        self.assertNotIn(self.cp_b, env_a["ev.charger"].search([]))
        self.assertFalse(env_a["ev.session"].search([("charger_id.identity", "=", "B-1")]))
        self.assertFalse(env_a["ev.connector"].search([("charger_id", "=", self.cp_b.id)]))
        self.assertFalse(env_a["ev.ocpp.event"].search([("key", "=", "mc:1")]))
        with self.assertRaises(AccessError):
            env_a["ev.site"].browse(self.site_b.id).read(["name"])
        with self.assertRaises(AccessError):
            env_a["ev.charger"].browse(self.cp_b.id).read(["identity"])

    def test_charger_site_company_must_match(self):
        site_a = self.site
        charger = self.env["ev.charger"].create({"identity": "MOVE-1", "site_id": site_a.id})
        self.assertEqual(charger.company_id, self.env.company)
        charger.site_id = self.site_b
        self.assertEqual(charger.company_id, self.company_b, "a charger's company follows its site")

    def test_plain_user_cannot_write_or_ingest(self):
        env_a = self.env(user=self.user_a)
        with self.assertRaises(AccessError):
            env_a["ev.charger"].browse(self.cp201.id).write({"identity": "HACK"})
        with self.assertRaises(ValidationError):
            env_a["ev.ocpp.event"].ingest([])
        with self.assertRaises(ValidationError):
            env_a["ev.charger"].bridge_station("T-201")

    def test_bridge_user_can_ingest_and_read_station(self):
        bridge = new_test_user(self.env, login="ev_bridge_t", groups="base.group_user,ev_charging.group_ev_bridge")
        env_b = self.env(user=bridge)
        res = env_b["ev.ocpp.event"].ingest(
            [{"key": "br:1", "charger": "T-201", "action": "Heartbeat", "payload": {}, "version": "2.0.1"}]
        )
        self.assertEqual(res[0]["status"], "applied")
        self.assertEqual(env_b["ev.charger"].bridge_station("T-201")["identity"], "T-201")
