"""``python -m ocpp_bridge [--config FILE] [--check]``"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from .app import Bridge
from .config import ConfigError, load_config
from .logs import setup_logging


async def _serve(config) -> int:
    bridge = Bridge(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await bridge.start()
    try:
        await stop.wait()
    finally:
        await bridge.stop()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocpp_bridge", description="OCPP 2.0.1/1.6 bridge to Odoo")
    parser.add_argument("--config", "-c", help="TOML or YAML file (default: $EV_BRIDGE_CONFIG)")
    parser.add_argument(
        "--check", action="store_true", help="validate the configuration, print it (secrets masked) and exit"
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except (ConfigError, OSError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print(json.dumps(config.redacted(), indent=2))
        return 0
    setup_logging(config.log_level, config.node, config.log_json)
    logging.getLogger("ocpp_bridge").info("starting", extra={"config": config.redacted()})
    try:
        return asyncio.run(_serve(config))
    except ValueError as exc:  # e.g. Odoo settings missing
        logging.getLogger("ocpp_bridge").error("cannot start: %s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
