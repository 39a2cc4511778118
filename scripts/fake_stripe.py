#!/usr/bin/env python3
"""A fake Stripe API (PaymentIntents) on 127.0.0.1 for the demo: payment_stripe talks to it when the
system parameter ``ev_billing.stripe_api_base`` points here (the demo database sets
http://127.0.0.1:8099; honoured for Stripe providers in *test* state only).

    python scripts/fake_stripe.py [--port 8099] [--verbose]

The state machine is addons/ev_billing/lib/ev_fake_stripe.py (also used by the tests). Intents live
in memory: restarting the fake forgets them.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "addons", "ev_billing", "lib"))

from ev_fake_stripe import make_server  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, verbose=args.verbose)
    print(f"fake Stripe API on http://{args.host}:{server.server_address[1]}/v1/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
