"""``python -m ocpp_bridge [--config FILE] [--check | --requeue-dead-letters]``"""

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
from .outbox import Outbox, OutboxLocked


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


async def _requeue(config) -> int:
    outbox = Outbox(config.outbox_path, config.node, config.node_number, lanes=config.outbox_parallel)
    try:
        await outbox.open()
    except OutboxLocked as exc:
        print(f"{exc}: stop the node first", file=sys.stderr)
        return 1
    try:
        moved = await outbox.requeue_dead_letters()
    finally:
        await outbox.close()
    print(f"{moved} dead letters moved back to the outbox of {config.node}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocpp_bridge", description="OCPP 2.0.1/1.6 bridge to Odoo")
    parser.add_argument("--config", "-c", help="TOML or YAML file (default: $EV_BRIDGE_CONFIG)")
    parser.add_argument(
        "--check", action="store_true", help="validate the configuration, print it (secrets masked) and exit"
    )
    parser.add_argument(
        "--requeue-dead-letters",
        action="store_true",
        help="move the outbox's dead letters back to the outbox (same keys) and exit; run it with the node stopped",
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
    if args.requeue_dead_letters:
        return asyncio.run(_requeue(config))
    setup_logging(config.log_level, config.node, config.log_json)
    logging.getLogger("ocpp_bridge").info("starting", extra={"config": config.redacted()})
    try:
        return asyncio.run(_serve(config))
    except ValueError as exc:  # e.g. Odoo settings missing
        logging.getLogger("ocpp_bridge").error("cannot start: %s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
