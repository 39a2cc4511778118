from contextlib import contextmanager
from datetime import UTC, datetime

from odoo.tests.common import TransactionCase

from odoo.addons.ev_charging.lib import ev_demo

UTC = UTC


class EvBillingCase(TransactionCase):
    """A New York site with a 2.0.1 and a 1.6 station, a second site, a driver with a token, a
    USD tariff (0.50/kWh + 1.00 per session) as the company default."""

    @classmethod
    def _setup_stripe_test_provider(cls, webhook_secret):
        """Odoo's Stripe provider in test mode with manual capture and fake keys (Stripe itself is
        replaced at the request boundary by the tests that use it)."""
        cls.stripe = cls.env.ref("payment.payment_provider_stripe")
        cls.card = cls.env.ref("payment.payment_method_card")
        journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.stripe.write(
            {
                "state": "test",
                "company_id": cls.company.id,
                "capture_manually": True,
                "stripe_secret_key": "sk_test_fake",
                "stripe_publishable_key": "pk_test_fake",
                "stripe_webhook_secret": webhook_secret,
                "payment_method_ids": [(4, cls.card.id)],
                "journal_id": cls.stripe.journal_id.id or journal.id,
            }
        )
        cls.card.active = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.usd = cls.env.ref("base.USD")
        cls.site = cls.env["ev.site"].create({"name": "Bill Depot", "code": "BD", "tz": "America/New_York"})
        cls.site2 = cls.env["ev.site"].create({"name": "Bill Garage", "code": "BG", "tz": "America/Chicago"})
        cls.cp201 = cls.env["ev.charger"].create(
            {"identity": "BILL-201", "site_id": cls.site.id, "ocpp_version": "2.0.1"}
        )
        cls.cp16 = cls.env["ev.charger"].create(
            {"identity": "BILL-16", "site_id": cls.site.id, "ocpp_version": "1.6", "register_kind": "cumulative"}
        )
        cls.cp2 = cls.env["ev.charger"].create(
            {"identity": "BILL-G-201", "site_id": cls.site2.id, "ocpp_version": "2.0.1"}
        )
        cls.driver = cls.env["res.partner"].create({"name": "Bill Driver", "email": "bill@example.com"})
        cls.token = cls.env["ev.id.token"].create({"value": "BILL-TOKEN-1", "partner_id": cls.driver.id})
        cls.tariff = cls.env["ev.tariff"].create(
            {
                "name": "Test standard",
                "currency_id": cls.usd.id,
                "energy_rate": 0.50,
                "session_fee": 1.00,
            }
        )
        cls.company.ev_default_tariff_id = cls.tariff
        # Wednesday 2026-07-01 14:00 UTC = 10:00 EDT
        cls.t0 = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
        cls._tx = 0

    def next_tx(self):
        type(self)._tx += 1
        return str(700000 + self._tx)

    def session_events(
        self, charger, start=None, minutes=60, power_kw=10.0, register_wh=1000.0, token=None, tx_id=None, connector=1
    ):
        """Events of one complete session (ev_charging's demo generator, bridge envelope format)."""
        stream = ev_demo.EventStream(node=f"bill-test-{self.next_tx()}")
        tx_id = tx_id or (self.next_tx() if charger.ocpp_version == "1.6" else f"{charger.identity}-{self.next_tx()}")
        ev_demo.session_events(
            stream,
            charger.identity,
            charger.ocpp_version,
            connector,
            tx_id,
            token or self.token.value,
            start or self.t0,
            minutes,
            power_kw,
            register_wh,
        )
        return stream.events, tx_id

    def ingest(self, events):
        results = self.env["ev.ocpp.event"].ingest(events)
        self.assertEqual([r["status"] for r in results], ["applied"] * len(events), results)
        self.env.invalidate_all()
        return results

    def run_session(self, charger, **kwargs):
        events, tx_id = self.session_events(charger, **kwargs)
        self.ingest(events)
        return self.find_session(charger, tx_id)

    def find_session(self, charger, tx_id):
        return self.env["ev.session"].search([("charger_id", "=", charger.id), ("transaction_id", "=", str(tx_id))])

    def make_tax(self, percent=10.0, name=None):
        return self.env["account.tax"].create(
            {
                "name": name or f"Test sales tax {percent}%",
                "amount": percent,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.company.id,
            }
        )

    @contextmanager
    def assertRaisesMessage(self, exception, regex):
        """Odoo's assertRaises (rolls back to a savepoint) plus a check of the message."""
        with self.assertRaises(exception) as ctx:
            yield ctx
        self.assertRegex(str(ctx.exception), regex)

    @staticmethod
    def lines_by_kind(session, kind):
        return session.cost_line_ids.filtered(lambda ln: ln.kind == kind)
