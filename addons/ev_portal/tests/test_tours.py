"""Browser tours (issue 12 item 5) in headless Chromium through Odoo's HttpCase.start_tour, at phone width
(390 px; every page checked for sideways scrolling): invitation link -> sign-up -> K-1 download (and every SPV
page); an expired link; the driver's wallet top-up, with Stripe's browser SDK and API answered at their HTTP
boundary (the fake stripe.js and ev_billing's fake Stripe server)."""

import json
import re
from urllib.parse import urlparse

from odoo.tests import HttpCase, tagged

from .common import EvPortalCase
from .test_wallet import EvWalletPortalCase

PHONE = "390x844"

#: Stripe's browser SDK as payment_stripe uses it (elements, payment element, confirmPayment): the card is
#: confirmed by a request to Stripe's API host, which the test answers with its fake Stripe (fetch_proxy)
FAKE_STRIPE_JS = """
window.Stripe = function (publishableKey) {
    return {
        elements() {
            return {
                create() {
                    return {
                        on() {},
                        mount(element) {
                            const card = document.createElement("div");
                            card.className = "ev_fake_stripe_element";
                            card.textContent = "Test card";
                            element.appendChild(card);
                        },
                    };
                },
                async submit() { return {}; },
                update() {},
            };
        },
        async confirmPayment({ clientSecret, confirmParams }) {
            const intent = clientSecret.split("_secret_")[0];
            const response = await fetch(
                `https://api.stripe.com/v1/payment_intents/${intent}/confirm?key=${publishableKey}`
            );
            if (!response.ok) {
                return { error: { message: "card declined" } };
            }
            const url = confirmParams.return_url;
            window.location = url + (url.includes("?") ? "&" : "?") + "payment_intent=" + intent;
            return {};
        },
    };
};
"""


@tagged("post_install", "-at_install")
class TestInvestorTours(EvPortalCase, HttpCase):
    browser_size = PHONE

    def invitation_token(self, invitation):
        mail = self.env["mail.mail"].search(
            [("model", "=", "ev.portal.invitation"), ("res_id", "=", invitation.id)], order="id desc", limit=1
        )
        return re.search(r"/ev/invitation/([\w-]+)", mail.body_html).group(1)

    def test_invitation_signup_and_k1_download(self):
        contact = self.env["res.partner"].create(
            {"name": "Tara Tour", "parent_id": self.inv.partner_id.id, "email": "tara@investor.example.com"}
        )
        invitation = self._invite(contact, self.spv)
        invitation._ev_send()
        token = self.invitation_token(invitation)
        self.start_tour(f"/ev/invitation/{token}", "ev_portal_invitation_signup")
        user = contact.user_ids
        self.assertEqual((invitation.state, invitation.user_id), ("accepted", user))
        self.assertTrue(user.share)
        self.assertIn("downloaded by Tara Tour", " ".join(self.spv_notes(self.spv)[:3]))

    def test_expired_link(self):
        invitation = self._invite(self.ivy_contact, self.spv)
        invitation._ev_send()
        token = self.invitation_token(invitation)
        invitation.valid_until = self.days(-1)
        self.start_tour(f"/ev/invitation/{token}", "ev_portal_expired_link")
        self.assertFalse(self.env["ev.portal.access"].search([("user_id", "=", self.ivy.id)]))


@tagged("post_install", "-at_install")
class TestWalletTour(EvWalletPortalCase, HttpCase):
    browser_size = PHONE

    def fetch_proxy(self, url):
        """Requests of the browser to outside hosts: Stripe's SDK and API come from the fakes."""
        parsed = urlparse(url)
        headers = [{"name": "Access-Control-Allow-Origin", "value": "*"}]
        if parsed.netloc == "js.stripe.com":
            response = self.make_fetch_proxy_response(FAKE_STRIPE_JS)
            response["responseHeaders"] = headers + [{"name": "Content-Type", "value": "application/javascript"}]
            return response
        match = re.fullmatch(r"/v1/payment_intents/(\w+)/confirm", parsed.path)
        if parsed.netloc == "api.stripe.com" and match:
            intent = self.fake.confirm_card(match.group(1))
            response = self.make_fetch_proxy_response(json.dumps(intent))
            response["responseHeaders"] = headers + [{"name": "Content-Type", "value": "application/json"}]
            return response
        return super().fetch_proxy(url)

    def test_wallet_top_up(self):
        self.start_tour("/my/ev/wallet", "ev_portal_wallet_topup", login="ev-wallet-driver")
        self.env.invalidate_all()
        self.assertEqual(self.wallet.balance, 37.0)
        tx = self.env["payment.transaction"].search([("ev_wallet_id", "=", self.wallet.id)])
        self.assertEqual((tx.state, tx.amount), ("done", 25.0))
