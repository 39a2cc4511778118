"""Unit tests of the test/demo-only fake Stripe (addons/ev_billing/tests/fake_stripe.py, no Odoo): the
PaymentIntents state machine and its HTTP server, loaded the way scripts/fake_stripe.py (run by ./ev run)
loads it."""

import importlib.util
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest

_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "fake_stripe.py")
_spec = importlib.util.spec_from_file_location("fake_stripe_script", _SCRIPT)
fake_stripe_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_stripe_script)
_fake = fake_stripe_script.load_fake()
FakeStripe, running_server = _fake.FakeStripe, _fake.running_server


def create(fake, amount=5000, manual=True, **extra):
    status, intent = fake.handle(
        "POST",
        "/v1/payment_intents",
        {"amount": str(amount), "currency": "usd", "capture_method": "manual" if manual else "automatic", **extra},
    )
    assert status == 200, intent
    return intent


def test_manual_intent_lifecycle_with_partial_capture():
    fake = FakeStripe()
    intent = create(fake)
    assert intent["status"] == "requires_payment_method"
    assert isinstance(intent["payment_method"], str)  # not expanded
    # capturing before the card is confirmed is refused
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/capture")
    assert status == 400 and "status of requires_payment_method" in body["error"]["message"]
    confirmed = fake.confirm_card(intent["id"])
    assert confirmed["status"] == "requires_capture"
    assert confirmed["amount_capturable"] == 5000
    assert confirmed["payment_method"]["card"]["last4"] == "4242"  # expanded
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "5001"})
    assert status == 400 and body["error"]["code"] == "amount_too_large"
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "0"})
    assert status == 400
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "600"})
    assert status == 200
    assert (body["status"], body["amount_received"], body["amount_capturable"]) == ("succeeded", 600, 0)
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": "600"})
    assert status == 400, "captured once only"
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/cancel")
    assert status == 400 and "succeeded" in body["error"]["message"]


def test_full_capture_cancel_and_automatic():
    fake = FakeStripe()
    intent = create(fake)
    fake.confirm_card(intent["id"])
    status, body = fake.handle("POST", f"/v1/payment_intents/{intent['id']}/capture")
    assert body["amount_received"] == 5000
    other = create(fake)
    fake.confirm_card(other["id"])
    status, body = fake.handle("POST", f"/v1/payment_intents/{other['id']}/cancel")
    assert (status, body["status"]) == (200, "canceled")
    with pytest.raises(ValueError, match="cannot be confirmed"):
        fake.confirm_card(other["id"])
    auto = create(fake, manual=False, confirm="true")
    assert (auto["status"], auto["amount_received"]) == ("succeeded", 5000)


@pytest.mark.parametrize(
    "data, code",
    [
        ({"amount": "x", "currency": "usd"}, "parameter_invalid_integer"),
        ({"amount": "-1", "currency": "usd"}, "parameter_invalid_integer"),
        ({"amount": "100"}, "parameter_missing"),
    ],
)
def test_bad_create(data, code):
    status, body = FakeStripe().handle("POST", "/v1/payment_intents", data)
    assert status == 400 and body["error"]["code"] == code


def test_unknown_intent_and_route():
    fake = FakeStripe()
    assert fake.handle("GET", "/v1/payment_intents/pi_nope")[0] == 404
    assert fake.handle("POST", "/v1/charges")[0] == 404
    assert fake.handle("POST", "/payment_intents")[0] == 404


def test_idempotency_key_replays_first_answer():
    fake = FakeStripe()
    intent = create(fake)
    fake.confirm_card(intent["id"])
    path = f"/v1/payment_intents/{intent['id']}/capture"
    first = fake.handle("POST", path, {"amount_to_capture": "100"}, {"Idempotency-Key": "k1"})
    again = fake.handle("POST", path, {"amount_to_capture": "100"}, {"Idempotency-Key": "k1"})
    assert first == again and first[0] == 200
    assert fake.intents[intent["id"]]["amount_received"] == 100


def test_http_server_speaks_form_encoded_like_stripe():
    with running_server() as (base, fake):

        def call(method, path, data=None):
            body = urllib.parse.urlencode(data or {}).encode() if method == "POST" else None
            request = urllib.request.Request(
                base + path, data=body, method=method, headers={"Authorization": "Bearer sk_test_x"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())

        status, intent = call(
            "POST", "/v1/payment_intents", {"amount": 2500, "currency": "eur", "capture_method": "manual"}
        )
        assert status == 200 and intent["currency"] == "eur"
        assert call("POST", f"/v1/payment_intents/{intent['id']}/confirm")[1]["status"] == "requires_capture"
        status, body = call("POST", f"/v1/payment_intents/{intent['id']}/capture", {"amount_to_capture": 3000})
        assert status == 400 and "less than or equal" in body["error"]["message"]
        status, body = call("GET", f"/v1/payment_intents/{intent['id']}?expand[]=payment_method")
        assert status == 200 and body["payment_method"]["type"] == "card"
        assert fake.calls[0]["headers"]["authorization"] == "Bearer sk_test_x"
