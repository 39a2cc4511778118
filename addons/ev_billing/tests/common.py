import hashlib
import hmac
import json
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from odoo import Command
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.ev_billing.models.payment_provider import STRIPE_API_BASE_PARAM
from odoo.addons.ev_charging.demo import ev_demo_streams as ev_demo
from odoo.addons.payment_stripe.tests.common import StripeCommon

from .fake_stripe import running_server

UTC = UTC


class EvBillingCase(AccountTestInvoicingCommon):
    """Odoo's invoicing test base (its own company with a chart of accounts, an accounting manager as the
    user, here also EV manager) plus: a New York site with a 2.0.1 and a 1.6 station, a second site, a
    driver with a token, a USD tariff (0.50/kWh + 1.00 per session) as the company default."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref("ev_charging.group_ev_manager")

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


class EvStripeCase(StripeCommon, EvBillingCase):
    """EvBillingCase plus payment_stripe's own test base (StripeCommon: the company's Stripe provider in test
    state, on top of PaymentCommon), set up for pay by QR (manual capture, card), and Stripe itself replaced
    only at its HTTP boundary: a fake Stripe server (tests/fake_stripe.py) runs on 127.0.0.1 for the class and
    ``ev_billing.stripe_api_base`` points at it, so payment_stripe's own request and response code runs.
    Transactions are post-processed for real (account_payment books the payments)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env.ref("payment.payment_method_card")
        cls.stripe.write(
            {
                "capture_manually": True,
                "payment_method_ids": [Command.link(cls.card.id)],
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        cls.card.active = True
        server = running_server()
        cls.stripe_api_base, cls.fake = server.__enter__()
        cls.addClassCleanup(server.__exit__, None, None, None)
        cls.env["ir.config_parameter"].sudo().set_param(STRIPE_API_BASE_PARAM, cls.stripe_api_base)
        cls.webhook_secret = cls.stripe.stripe_webhook_secret

    def setUp(self):
        self.enable_post_process_patcher = False  # as account_payment's AccountPaymentCommon: post-process for real
        super().setUp()
        self.fake.reset()

    def stripe_event(self, event_type, intent, secret=None, timestamp=None):
        """A Stripe webhook event and its ``Stripe-Signature`` header (signed with ``secret``, default the
        provider's webhook secret): (body, headers)."""
        body = json.dumps({"type": event_type, "data": {"object": dict(intent)}})
        timestamp = timestamp or int(time.time())
        signed = f"{timestamp}.{body}".encode()
        signature = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return body, {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


class PageMixin:
    """For an HttpCase reading portal pages: the text of an element class, a JSON-RPC call as the page's JS
    makes it."""

    def text(self, tree, css_class):
        return " ".join(" ".join("".join(node.itertext()).split()) for node in tree.find_class(css_class))

    def json_rpc(self, url, params):
        """A JSON-RPC call (as payment.form's JS makes it); Odoo logs a refused call as a warning, muted."""
        with mute_logger("odoo.http"):
            response = self.url_open(
                url,
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200)
        return response.json()
