"""Structured JSON logs. Every line carries ``charger`` (null for node-wide lines) and ``node``."""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import sys
import time
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_NODE = {"name": None}


_SECOND = (0, "")  # (epoch second, its "YYYY-MM-DDTHH:MM:SS." prefix), replaced atomically


def utc_now_iso() -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2026-11-21T04:21:42.123Z`` (called for every frame:
    the date part is formatted once per second)."""
    global _SECOND
    now = time.time()
    second = int(now)
    cached = _SECOND
    if cached[0] != second:
        cached = _SECOND = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S."))
    return f"{cached[1]}{int((now - second) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "node": _NODE["name"],
            "charger": getattr(record, "charger", None),
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        charger = getattr(record, "charger", None)
        base = super().format(record)
        return f"[{charger}] {base}" if charger else base


class _QueueHandler(logging.handlers.QueueHandler):
    """Hands records to a writer thread: writing to stderr never blocks the event loop."""

    def prepare(self, record):
        record = logging.makeLogRecord(record.__dict__)
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return record


_LISTENER = {"listener": None}


def setup_logging(level: str = "INFO", node: str | None = None, as_json: bool = True):
    _NODE["name"] = node
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if as_json else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    if _LISTENER["listener"] is not None:
        _LISTENER["listener"].stop()
    records: queue.SimpleQueue = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, handler, respect_handler_level=False)
    listener.start()
    _LISTENER["listener"] = listener
    atexit.register(listener.stop)
    root.addHandler(_QueueHandler(records))
    root.setLevel(level.upper())
    # the ocpp library logs every frame at INFO; the bridge logs frames itself
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    logging.getLogger("websockets").setLevel(logging.WARNING)
    quiet_aborted_handshakes()
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


class _AbortedHandshake(logging.Filter):
    """websockets logs a TCP connection closed before any HTTP request (a port probe, a load
    balancer's health check, a charger giving up) as ERROR "opening handshake failed"; that is
    not an error of the bridge: logged at INFO."""

    def filter(self, record):
        if record.levelno >= logging.ERROR and record.getMessage() == "opening handshake failed":
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None and type(exc).__name__ in ("InvalidMessage", "EOFError", "TimeoutError"):
                record.levelno, record.levelname = logging.INFO, "INFO"
                record.exc_info, record.exc_text = None, None
                record.msg, record.args = "opening handshake aborted by the peer (%s)", (exc,)
                return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


def quiet_aborted_handshakes():
    logger = logging.getLogger("websockets.server")
    if not any(isinstance(f, _AbortedHandshake) for f in logger.filters):
        logger.addFilter(_AbortedHandshake())


class ChargerLogger(logging.LoggerAdapter):
    """Adds ``charger`` to every record and keeps call-site ``extra`` fields."""

    def process(self, msg, kwargs):
        kwargs["extra"] = {**self.extra, **(kwargs.get("extra") or {})}
        return msg, kwargs


def charger_logger(identity: str, name: str = "ocpp_bridge.charger") -> ChargerLogger:
    return ChargerLogger(logging.getLogger(name), {"charger": identity})
