#!/usr/bin/env python3
"""A fake Stripe API (PaymentIntents) on 127.0.0.1 for the demo: payment_stripe talks to it when the
system parameter ``ev_billing.stripe_api_base`` points here (honoured for Stripe providers in *test*
state only). ``./ev run`` starts it before building the demo database, on ``EV_FAKE_STRIPE_PORT`` (8099),
and the demo database points the parameter at it.

    python scripts/fake_stripe.py [--port 8099] [--verbose]

The state machine is addons/ev_billing/tests/fake_stripe.py (test/demo-only code, also used by the
tests; never part of the installed product). Intents live in memory: restarting the fake forgets them.
"""

import argparse
import importlib.util
import os

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "addons", "ev_billing", "tests", "fake_stripe.py")


def load_fake():
    """The fake's module, loaded from its file (the addon's tests package is not imported: it needs Odoo)."""
    spec = importlib.util.spec_from_file_location("ev_billing_fake_stripe", FAKE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = load_fake().make_server(args.host, args.port, verbose=args.verbose)
    print(f"fake Stripe API on http://{args.host}:{server.server_address[1]}/v1/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
