"""A stateful fake of Stripe's PaymentIntents API, for the tests and the demo only (stdlib only: never
imports Odoo; it is not part of the product: it lives with the tests, and scripts/fake_stripe.py runs it
for ``./ev run``; unit tests in tests/unit/test_fake_stripe.py).

Stripe cannot be reached from our machines. Odoo's own payment_stripe code runs unchanged; only the
answers to its HTTP requests come from here, over real HTTP: the tests run :class:`running_server` in a
thread and point payment_stripe at it with the ``ev_billing.stripe_api_base`` system parameter (honoured
for providers in *test* state only); ``./ev run`` runs scripts/fake_stripe.py on 127.0.0.1:8099 before the
demo database is built, so the demo's pay-by-QR session goes through it too.

What it models (the subset payment_stripe and ev_billing use)
------------------------------------------------------------
``POST /v1/customers``                       -> a customer id.
``POST /v1/payment_intents``                 -> ``requires_payment_method`` (the browser's
                                                stripe.js confirms the card), or confirmed at once
                                                with ``confirm=true`` (token / off-session flow).
``POST /v1/payment_intents/<id>/confirm``    -> ``requires_capture`` (``capture_method=manual``)
                                                or ``succeeded`` (what stripe.js does in the driver's
                                                browser; the demo calls it with the publishable key).
``GET  /v1/payment_intents/<id>``            -> the intent.
``POST /v1/payment_intents/<id>/capture``    -> ``succeeded`` with ``amount_received`` =
                                                ``amount_to_capture`` (default: all); refuses more
                                                than authorized, 0, or an intent not awaiting capture.
``POST /v1/payment_intents/<id>/cancel``     -> ``canceled`` (not after capture).
An ``Idempotency-Key`` replays the first answer. ``expand[]=payment_method`` returns the payment
method object, else its id. Errors are Stripe-shaped ``{"error": {"code", "message"}}`` with 4xx.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse


class FakeStripe:
    """PaymentIntents state machine. ``handle(method, path, data, headers)`` -> ``(status, body)``."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forget every intent and call (a test starts from a blank Stripe account)."""
        self.intents: dict[str, dict] = {}
        self.calls: list[dict] = []
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._n = 0

    def _id(self, prefix):
        self._n += 1
        return f"{prefix}_fake{self._n:06d}"

    @staticmethod
    def _error(status, code, message):
        return status, {"error": {"code": code, "message": message, "type": "invalid_request_error"}}

    @staticmethod
    def _view(intent, data):
        body = dict(intent)
        if data.get("expand[]") != "payment_method":
            body["payment_method"] = intent["payment_method"]["id"]
        return body

    def handle(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        method = method.upper()
        path = urlparse(path).path
        data = {k: v for k, v in (data or {}).items() if v is not None}
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        with self._lock:
            self.calls.append({"method": method, "path": path.removeprefix("/v1/"), "data": data, "headers": headers})
            key = headers.get("idempotency-key") if method == "POST" else None
            if key and key in self._idempotent:
                return self._idempotent[key]
            answer = self._handle(method, path, data)
            if key and answer[0] < 500:
                self._idempotent[key] = answer
            return answer

    def _handle(self, method, path, data):
        if not path.startswith("/v1/"):
            return self._error(404, "resource_missing", f"Unrecognized request URL ({method}: {path}).")
        parts = path.removeprefix("/v1/").strip("/").split("/")
        if parts == ["customers"] and method == "POST":
            return 200, {"id": self._id("cus"), "object": "customer", "email": data.get("email")}
        if parts == ["payment_intents"] and method == "POST":
            return self._create(data)
        if parts[0] == "payment_intents" and len(parts) in (2, 3):
            intent = self.intents.get(parts[1])
            if not intent:
                return self._error(404, "resource_missing", f"No such payment_intent: '{parts[1]}'")
            action = parts[2] if len(parts) == 3 else None
            if action is None and method == "GET":
                return 200, self._view(intent, data)
            if method == "POST" and action in ("confirm", "capture", "cancel"):
                return getattr(self, f"_{action}")(intent, data)
        return self._error(404, "resource_missing", f"Unrecognized request URL ({method}: {path}).")

    def _create(self, data):
        try:
            amount = int(data.get("amount"))
        except (TypeError, ValueError):
            return self._error(400, "parameter_invalid_integer", "Invalid integer: amount")
        if amount <= 0:
            return self._error(400, "parameter_invalid_integer", "amount must be a positive integer")
        if not data.get("currency"):
            return self._error(400, "parameter_missing", "Missing required param: currency.")
        manual = data.get("capture_method") == "manual"
        pi_id = self._id("pi")
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "currency": str(data["currency"]).lower(),
            "description": data.get("description"),
            "customer": data.get("customer"),
            "capture_method": "manual" if manual else "automatic",
            "client_secret": f"{pi_id}_secret_fake",
            "status": "requires_payment_method",
            "amount_capturable": 0,
            "amount_received": 0,
            "payment_method": {
                "id": self._id("pm"),
                "object": "payment_method",
                "type": "card",
                "card": {"brand": "visa", "last4": "4242"},
            },
            "latest_charge": None,
            "livemode": False,
        }
        self.intents[pi_id] = intent
        if str(data.get("confirm", "")).lower() == "true":
            return self._confirm(intent, data)
        return 200, self._view(intent, data)

    def _confirm(self, intent, data):
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            return self._error(
                400,
                "payment_intent_unexpected_state",
                f"This PaymentIntent's status is {intent['status']}: it cannot be confirmed.",
            )
        intent["latest_charge"] = self._id("ch")
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
        return 200, self._view(intent, data)

    def _capture(self, intent, data):
        if intent["status"] != "requires_capture":
            return self._error(
                400,
                "payment_intent_unexpected_state",
                f"This PaymentIntent could not be captured because it has a status of {intent['status']}.",
            )
        try:
            to_capture = int(data.get("amount_to_capture", intent["amount_capturable"]))
        except (TypeError, ValueError):
            return self._error(400, "parameter_invalid_integer", "Invalid integer: amount_to_capture")
        if to_capture <= 0 or to_capture > intent["amount_capturable"]:
            return self._error(
                400,
                "amount_too_large" if to_capture > 0 else "parameter_invalid_integer",
                "amount_to_capture must be above 0 and less than or equal to the authorized "
                f"amount ({intent['amount_capturable']}), got {to_capture}.",
            )
        intent.update(status="succeeded", amount_received=to_capture, amount_capturable=0)
        return 200, self._view(intent, data)

    def _cancel(self, intent, data):
        if intent["status"] in ("succeeded", "canceled"):
            return self._error(
                400,
                "payment_intent_unexpected_state",
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
            )
        intent.update(status="canceled", amount_capturable=0)
        return 200, self._view(intent, data)

    # --- what the driver's browser (stripe.js) does -------------------------------------------
    def confirm_card(self, pi_id: str) -> dict:
        """The card confirmation stripe.js performs in the browser; returns the intent."""
        status, body = self.handle("POST", f"/v1/payment_intents/{pi_id}/confirm", {"expand[]": "payment_method"})
        if status != 200:
            raise ValueError(body["error"]["message"])
        return body

    def calls_to(self, suffix):
        return [c for c in self.calls if c["path"].endswith(suffix)]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe = None  # set by make_server

    def _answer(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        data = dict(parse_qsl(url.query)) | dict(parse_qsl(body))
        status, answer = self.fake.handle(self.command, url.path, data, dict(self.headers.items()))
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, fmt, *args):  # quiet by default; scripts/fake_stripe.py logs its own way
        if getattr(self.server, "verbose", False):
            return super().log_message(fmt, *args)
        return None


def make_server(
    host: str = "127.0.0.1", port: int = 0, fake: FakeStripe | None = None, verbose: bool = False
) -> ThreadingHTTPServer:
    """An HTTP server answering like Stripe's API from ``fake`` (port 0: any free port)."""
    handler = type("FakeStripeHandler", (_Handler,), {"fake": fake or FakeStripe()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose
    server.fake = handler.fake
    return server


class running_server:
    """``with running_server() as (base_url, fake):`` a fake Stripe on a free local port, in a thread."""

    def __init__(self, fake: FakeStripe | None = None):
        self.server = make_server(fake=fake)
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-stripe", daemon=True)

    def __enter__(self):
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}", self.server.fake

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        return False
