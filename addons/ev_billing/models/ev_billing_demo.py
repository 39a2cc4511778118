"""Demo data of ev_billing: tariffs, billing modes, a wallet, and the demo sessions priced and billed."""

import logging
import os
import secrets
from datetime import UTC, datetime, timedelta

import requests

from odoo import Command, _, api, models
from odoo.exceptions import UserError

from odoo.addons.ev_charging.demo import ev_demo_streams as ev_demo
from odoo.addons.payment_stripe.controllers.main import StripeController

from .payment_provider import STRIPE_API_BASE_PARAM

#: the Stripe test API the demo talks to: ./ev run starts scripts/fake_stripe.py there before it builds the
#: demo database and passes its URL in this environment variable
FAKE_STRIPE_ENV = "EV_FAKE_STRIPE_URL"
DEFAULT_FAKE_STRIPE = "http://127.0.0.1:8099"
DEMO_QR_CHARGER = "NYC-L2-01"
DEMO_QR_NODE = "demo-pay-qr"

_logger = logging.getLogger(__name__)


class EvBillingDemo(models.AbstractModel):
    _name = "ev.billing.demo"
    _description = "EV Billing demo data generator"

    def _xmlid(self, name, record):
        self.env["ir.model.data"].create(
            {"module": "ev_billing", "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
        )

    @api.model
    def _generate(self):
        env = self.env
        company = env.company
        currency = company.currency_id
        standard = env["ev.tariff"].create(
            {
                "name": "Standard AC (demo)",
                "currency_id": currency.id,
                "energy_rate": 0.45,
                "session_fee": 1.00,
                "idle_fee_per_minute": 0.40,
                "idle_grace_minutes": 10,
                "min_price": 2.00,
                "description": "0.45/kWh, 0.60 on weekday peak 16:00-21:00, 0.30 at night 22:00-06:00.",
                "window_ids": [
                    Command.create(
                        {
                            "name": "Peak",
                            "sat": False,
                            "sun": False,
                            "start_hour": 16,
                            "end_hour": 21,
                            "energy_rate": 0.60,
                            "priority": 20,
                        }
                    ),
                    Command.create(
                        {"name": "Night", "start_hour": 22, "end_hour": 6, "energy_rate": 0.30, "priority": 10}
                    ),
                ],
            }
        )
        self._xmlid("tariff_demo_standard", standard)
        fast = env["ev.tariff"].create(
            {
                "name": "DC fast (demo)",
                "currency_id": currency.id,
                "energy_rate": 0.56,
                "idle_fee_per_minute": 0.50,
                "idle_grace_minutes": 5,
                "max_price": 80.00,
            }
        )
        self._xmlid("tariff_demo_fast", fast)
        company.ev_default_tariff_id = standard
        chargers = env["ev.charger"].search([("identity", "like", "-DC-")])
        chargers.write({"tariff_id": fast.id})
        chargers.filtered(lambda c: c.identity == "SF-DC-01").write({"price_multiplier": 1.1})

        partners = {
            p.name: p
            for p in env["res.partner"].search(
                [("name", "in", ["Ada Driver", "Ben Fleet", "Chen Commuter", "Dana Rideshare", "Eli Courier"])]
            )
        }
        for name in ("Ben Fleet", "Chen Commuter", "Dana Rideshare"):
            if name in partners:
                partners[name].ev_billing_mode = "monthly"
        if "Ada Driver" in partners:
            partners["Ada Driver"].ev_billing_mode = "wallet"
            wallet = env["ev.wallet"].create({"partner_id": partners["Ada Driver"].id, "credit_limit": 20.0})
            self._xmlid("wallet_demo_ada", wallet)
            wallet._ev_top_up(150.0, "Demo top-up")

        sessions = env["ev.session"].search(
            [("state", "=", "completed"), ("priced_at", "=", False)], order="start_time, id"
        )
        sessions._ev_price()
        sessions._ev_bill()
        env["ev.session"]._cron_ev_invoicing()
        _logger.info("ev_billing demo: %s sessions priced", len(sessions))

        provider = self._ev_demo_stripe_provider()
        api_base = os.environ.get(FAKE_STRIPE_ENV) or DEFAULT_FAKE_STRIPE
        env["ir.config_parameter"].sudo().set_param(STRIPE_API_BASE_PARAM, api_base)
        connector = env["ev.charger"].search([("identity", "=", DEMO_QR_CHARGER)], limit=1).connector_ids[:1]
        if connector and os.environ.get(FAKE_STRIPE_ENV) and self._ev_demo_stripe_answers(api_base):
            now = datetime.now(UTC).replace(microsecond=0)
            auth = self._ev_demo_pay_qr(
                provider, connector, now - timedelta(minutes=55), 40, 7.0, email="qr.driver@example.com"
            )
            self._xmlid("pay_qr_demo_authorization", auth)
        else:
            _logger.info(
                "ev_billing demo: no Stripe test API at %s=%s: no pay-by-QR demo session (./ev run starts one)",
                FAKE_STRIPE_ENV,
                os.environ.get(FAKE_STRIPE_ENV, ""),
            )

    @api.model
    def _ev_demo_stripe_answers(self, api_base):
        """Whether a Stripe API (the fake) answers at ``api_base`` (any HTTP answer will do)."""
        try:
            requests.get(f"{api_base}/v1/payment_intents/pi_probe", timeout=3)
        except requests.RequestException:
            return False
        return True

    @api.model
    def _ev_demo_stripe_provider(self, journal=None):
        """Odoo's Stripe provider in test state with manual capture (pay by QR). Its keys and webhook secret
        are generated here, at install time (the fake Stripe accepts any key): no secret is committed, and a
        webhook signed with a published secret is refused."""
        company = self.env.company
        provider = self.env.ref("payment.payment_provider_stripe")
        card = self.env.ref("payment.payment_method_card")
        journal = (
            journal
            or provider.journal_id.filtered(lambda j: j.company_id == company)
            or self.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        )
        provider.write(
            {
                "state": "test",
                "company_id": company.id,
                "capture_manually": True,
                "stripe_secret_key": f"sk_test_{secrets.token_urlsafe(24)}",
                "stripe_publishable_key": f"pk_test_{secrets.token_urlsafe(24)}",
                "stripe_webhook_secret": f"whsec_{secrets.token_urlsafe(32)}",
                "payment_method_ids": [Command.link(card.id)],
                "journal_id": journal.id,
            }
        )
        card.active = True  # allowed once a provider supporting it is in test state
        return provider

    @api.model
    def _ev_demo_pay_qr(self, provider, connector, start, minutes, power_kw, email):
        """One pay-by-QR session end to end, through the same code as a live one, against the Stripe test
        API the provider's API base points at (the fake Stripe):

        1. the QR page's steps: authorization for ``connector``, transaction, PaymentIntent (manual capture);
        2. the driver's browser confirms the card (what stripe.js does: Stripe's confirm call with the
           publishable key, :meth:`_ev_demo_confirm_card`);
        3. Stripe's return route: Odoo fetches the PaymentIntent and processes it -> authorized -> the remote
           start command is created;
        4. the charger side is simulated like ev_charging's demo does, through the bridge API: the station
           connects to a node (without control URL, so commands wait to be pulled), the node pulls the start
           command and the station accepts it, the session's TransactionEvents carry the generated id token
           (``ev.ocpp.event.ingest``), the node delivers the CostUpdated commands, the station disconnects;
        5. at the stop the session is priced and invoiced and the real cost captured (amount_to_capture).
        """
        env = self.env
        charger = connector.charger_id
        stream = ev_demo.EventStream(node=f"{DEMO_QR_NODE}-{connector.id}-{start:%Y%m%d%H%M}")
        stream.add(
            charger.identity,
            charger.ocpp_version,
            "Connection",
            {"state": "connected", "node": DEMO_QR_NODE},
            start - timedelta(minutes=2),
        )
        self._ev_demo_ingest(stream.events)
        stream.events.clear()

        auth = env["ev.payment.authorization"]._ev_create_for_connector(connector, email=email)
        tx = auth._ev_create_transaction(provider, env.ref("payment.payment_method_card"))
        processing = tx._get_processing_values()
        pi_id = processing["client_secret"].split("_secret_")[0]
        self._ev_demo_confirm_card(provider, pi_id)
        intent = provider._stripe_make_request(
            f"payment_intents/{pi_id}", payload={"expand[]": "payment_method"}, method="GET"
        )
        notification = {"reference": tx.reference}
        StripeController._include_payment_intent_in_notification_data(intent, notification)
        env["payment.transaction"].sudo()._handle_notification_data("stripe", notification)
        self._ev_demo_node_delivers(charger)  # the remote start

        last = env["ev.session"].search(
            [("charger_id", "=", charger.id), ("state", "=", "completed")], order="stop_time desc, id desc", limit=1
        )
        tx_id = f"{charger.identity}-QR-{auth.id:04d}"
        ev_demo.session_events(
            stream,
            charger.identity,
            charger.ocpp_version,
            connector.evse_number,
            tx_id,
            auth.id_token_value,
            start,
            minutes,
            power_kw,
            last.meter_stop_wh or 1000.0,
        )
        events = list(stream.events)
        self._ev_demo_ingest(events[:-2])  # up to the last meter value: running session
        self._ev_demo_node_delivers(charger)  # the running cost
        self._ev_demo_ingest(events[-2:])  # Ended: priced, invoiced, captured
        self._ev_demo_node_delivers(charger)  # the final total
        stream.events.clear()
        stream.add(
            charger.identity,
            charger.ocpp_version,
            "Connection",
            {"state": "disconnected", "node": DEMO_QR_NODE},
            start + timedelta(minutes=minutes + 1),
        )
        self._ev_demo_ingest(stream.events)
        return auth

    @api.model
    def _ev_demo_confirm_card(self, provider, pi_id):
        """The card confirmation stripe.js makes in the driver's browser: Stripe's confirm call, authenticated
        with the publishable key, with Stripe's test card."""
        response = requests.post(
            f"{provider._ev_stripe_api_base()}/v1/payment_intents/{pi_id}/confirm",
            data={"payment_method": "pm_card_visa"},
            headers={"Authorization": f"Bearer {provider.stripe_publishable_key}"},
            timeout=10,
        )
        if not response.ok:
            raise UserError(_("The demo card confirmation of %(pi)s failed: %(body)s", pi=pi_id, body=response.text))
        return response.json()

    @api.model
    def _ev_demo_ingest(self, events):
        """Ingest and insist every event is applied."""
        results = self.env["ev.ocpp.event"].ingest(events)
        bad = [r for r in results if r["status"] != "applied"]
        if bad:
            raise UserError(_("Demo events were not applied: %s", bad))
        return results

    @api.model
    def _ev_demo_node_delivers(self, charger):
        """The demo node pulls the station's queued commands and the simulated station accepts them."""
        Command_ = self.env["ev.charger.command"]
        for payload in Command_.bridge_pull(DEMO_QR_NODE, [charger.identity]):
            answer = {"status": "Accepted"} if payload["action"] == "RequestStartTransaction" else {}
            Command_.bridge_result(payload["id"], "accepted", answer)
