"""Bridge configuration: a TOML or YAML file, overridden by ``EV_BRIDGE_*`` environment variables.

Every setting has one flat name (``odoo_url``, ``outbox_batch_size`` ...). In the file, a section
is the prefix of the names inside it (``[odoo] url = ...`` sets ``odoo_url``); settings without a
section live at the top level. The environment variable of a setting is ``EV_BRIDGE_`` + its flat
name in upper case (``EV_BRIDGE_ODOO_URL``); env values win over the file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "EV_BRIDGE_"


class ConfigError(ValueError):
    pass


@dataclass
class BridgeConfig:
    # --- identity of this node
    node: str = "node-1"
    node_number: int = 0  # 0..15, high bits of 1.6 transaction ids
    # --- OCPP websocket listener
    listen_host: str = "0.0.0.0"
    listen_port: int = 9000
    ocpp_path: str = "/ocpp"  # chargers connect to <ocpp_path>/<identity>
    ocpp_response_timeout: float = 30.0  # wait for a charger's answer to our CALL
    ws_ping_interval: float = 0.0  # websocket keepalive pings, 0 = off
    ws_compression: bool = False  # permessage-deflate (~55 KiB/conn instead of ~17 KiB)
    ws_max_size: int = 1048576  # hard limit: a bigger websocket message closes the connection (1009)
    ws_open_timeout: float = 10.0
    # --- edge limits (protocol.Limits): a frame breaking one gets the version's CALLERROR
    ocpp_max_frame: int = 262144  # characters of one message
    ocpp_max_depth: int = 32  # nesting of arrays/objects
    ocpp_max_string: int = 10000  # characters of any string or object key
    ocpp_max_message_id: int = 64  # characters of the OCPP-J message id (the spec says 36)
    # --- TLS (wss). Both cert and key, or neither.
    tls_cert: str = ""
    tls_key: str = ""
    tls_ca: str = ""  # CA bundle used to verify client certificates
    tls_require_client_cert: bool = False  # Security Profile 3 for every charger
    tls_client_cert_cn_match: bool = True  # profile 3: certificate CN must equal the identity
    tls_terminated_upstream: bool = False  # a proxy terminates TLS: accept profile 2 over ws
    # --- heartbeat and stale connections
    heartbeat_interval: int = 300  # default when Odoo's station has none
    stale_margin: float = 60.0  # closed after heartbeat interval + margin of silence
    stale_check_interval: float = 5.0
    # --- control HTTP endpoint (Odoo's wake-ups; POST /commands for operators)
    control_host: str = "0.0.0.0"
    control_port: int = 9001
    control_token: str = ""  # bearer token of POST /commands, and of /metrics off loopback
    control_public_url: str = ""  # how Odoo reaches this node (reported, informational)
    # --- metrics and health, on their own listener
    metrics_host: str = "127.0.0.1"  # not loopback: /metrics and /health need control_token
    metrics_port: int = 9002
    # --- handshake throttles (throttle.py)
    auth_fail_limit: int = 5  # wrong passwords per identity before a lockout
    auth_fail_address_limit: int = 20  # wrong passwords per source address before a lockout
    auth_fail_window: float = 300.0  # failures older than this (without a lockout) are forgotten
    auth_lockout_initial: float = 2.0  # first lockout, doubled by each further failure
    auth_lockout_max: float = 300.0
    churn_identity_per_minute: float = 20.0  # handshakes per identity per minute (burst as many)
    churn_address_rate: float = 100.0  # handshakes per source address per second, 0 = unlimited
    churn_address_burst: float = 1000.0
    client_address_header: str = ""  # e.g. X-Forwarded-For behind a trusted proxy
    # --- Odoo
    odoo_url: str = ""
    odoo_db: str = ""
    odoo_login: str = ""
    odoo_api_key: str = ""
    odoo_timeout: float = 30.0
    odoo_workers: int = 8  # threads running XML-RPC calls (more than the outbox lanes)
    # --- outbox
    outbox_path: str = ""  # default ./var/outbox-<node>.sqlite3
    outbox_batch_size: int = 500  # events per ingest call (Odoo accepts <= 5000)
    outbox_batch_bytes: int = 1048576  # stored JSON per ingest call (at least one event)
    outbox_parallel: int = 4  # lanes: ingest calls in flight (a charger's events stay in one lane)
    outbox_max_bytes: int = 1073741824  # cap of stored JSON: beyond, CALLs get InternalError
    outbox_shed_ratio: float = 0.8  # above this share of the cap, MessageLog frames are not stored
    outbox_json: bool = True  # every event as its JSON text (contract J) to an Odoo offering it
    outbox_b64: str = "always"  # else: always (default) every event as b64 (contract A); auto: only when needed
    outbox_synchronous: str = "FULL"  # SQLite synchronous pragma: FULL or NORMAL
    outbox_backoff_initial: float = 0.5
    outbox_backoff_max: float = 30.0
    outbox_idle_interval: float = 1.0
    message_log: bool = True  # every OCPP frame also becomes a MessageLog event
    # --- caches and authorization
    station_cache_ttl: float = 60.0
    station_negative_ttl: float = 10.0
    station_batch_window: float = 0.015  # look-ups within this window share one Odoo call
    station_batch_max: int = 1000  # identities per bridge_stations call (Odoo: <= 5000)
    station_boot_max_age: float = 5.0  # first boot of a connection reuses a look-up this fresh
    auth_cache_ttl: float = 300.0
    auth_offline_policy: str = "reject"  # accept | reject, when Odoo is unreachable and no cache
    auth_timeout: float = 5.0
    auth_v16_token_type: str = "ISO14443"  # token type passed to Odoo for 1.6 idTags
    # --- commands
    command_timeout: float = 30.0
    command_poll_interval: float = 60.0  # pull queued commands for connected chargers, 0 = off
    command_ready_wait: float = 10.0  # pulled commands wait this long for the boot
    command_pull_window: float = 0.05  # pulls of chargers connecting this close share a call
    command_wake_window: float = 0.005  # wake-ups this close (or while their pull is in flight) share a pull
    command_wake_rate: float = 20.0  # POST /commands/wake per second (burst below), beyond: 429
    command_wake_burst: float = 100.0
    command_wake_max_wait: float = 60.0  # longest "wait" of a wake-up
    tx_seed_wait: float = 5.0  # a new outbox waits this long for Odoo's highest 1.6 id
    node_report_interval: float = 60.0
    data_transfer_vendors: list = field(default_factory=list)  # vendorIds answered Accepted
    # --- logging
    log_level: str = "INFO"
    log_json: bool = True

    def __post_init__(self):
        if not self.outbox_path:
            self.outbox_path = str(Path("var") / f"outbox-{self.node}.sqlite3")
        self.validate()

    def validate(self):  # noqa: C901 - to split (issue 8)
        errors = []
        if not self.node or len(self.node) > 64 or ":" in self.node:
            errors.append("node must be 1-64 characters without ':'")
        if not 0 <= self.node_number <= 15:
            errors.append("node_number must be between 0 and 15")
        for name in ("listen_port", "control_port", "metrics_port"):
            if not 0 <= getattr(self, name) <= 65535:
                errors.append(f"{name} out of range")
        if bool(self.tls_cert) != bool(self.tls_key):
            errors.append("tls_cert and tls_key go together")
        if self.tls_require_client_cert and not (self.tls_cert and self.tls_ca):
            errors.append("tls_require_client_cert needs tls_cert, tls_key and tls_ca")
        if self.auth_offline_policy not in ("accept", "reject"):
            errors.append("auth_offline_policy must be 'accept' or 'reject'")
        if not 1 <= self.outbox_batch_size <= 5000:
            errors.append("outbox_batch_size must be between 1 and 5000")
        if not 1 <= self.outbox_parallel <= 16:
            errors.append("outbox_parallel must be between 1 and 16")
        elif self.odoo_workers <= self.outbox_parallel:
            errors.append(
                f"odoo_workers ({self.odoo_workers}) must be more than outbox_parallel ({self.outbox_parallel}): "
                "each lane holds a thread during its ingest call, and command answers and station look-ups need one too"
            )
        if self.outbox_batch_bytes < 1024 or self.outbox_max_bytes < 1048576:
            errors.append("outbox_batch_bytes must be >= 1024 and outbox_max_bytes >= 1048576")
        if not 0 < self.outbox_shed_ratio <= 1:
            errors.append("outbox_shed_ratio must be in (0, 1]")
        if self.outbox_b64 not in ("auto", "always"):
            errors.append("outbox_b64 must be 'auto' or 'always'")
        if not 4 <= self.ocpp_max_depth <= 100 or not 1024 <= self.ocpp_max_frame <= self.ws_max_size:
            errors.append("ocpp_max_depth must be 4-100 and ocpp_max_frame between 1024 and ws_max_size")
        if not 100 <= self.ocpp_max_string <= self.ocpp_max_frame or not 36 <= self.ocpp_max_message_id <= 128:
            errors.append("ocpp_max_string must be 100..ocpp_max_frame and ocpp_max_message_id 36..128")
        if self.auth_fail_limit < 1 or self.auth_fail_address_limit < 1 or self.auth_lockout_initial <= 0:
            errors.append("auth_fail_limit / auth_fail_address_limit must be >= 1, auth_lockout_initial > 0")
        if self.churn_identity_per_minute <= 0:
            errors.append("churn_identity_per_minute must be positive")
        if not 1 <= self.station_batch_max <= 5000:
            errors.append("station_batch_max must be between 1 and 5000")
        if not 0 <= self.station_batch_window <= 1:
            errors.append("station_batch_window must be between 0 and 1 second")
        if not 0 <= self.command_pull_window <= 5 or not 0 <= self.command_wake_window <= 5:
            errors.append("command_pull_window and command_wake_window must be between 0 and 5 seconds")
        if self.station_boot_max_age < 0:
            errors.append("station_boot_max_age must not be negative")
        if self.outbox_synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            errors.append("outbox_synchronous must be FULL, NORMAL or EXTRA")
        if not self.ocpp_path.startswith("/"):
            errors.append("ocpp_path must start with '/'")
        if self.heartbeat_interval <= 0:
            errors.append("heartbeat_interval must be positive")
        if errors:
            raise ConfigError("; ".join(errors))

    @property
    def tls_enabled(self) -> bool:
        return bool(self.tls_cert)

    def redacted(self) -> dict:
        data = dataclasses.asdict(self)
        for key in ("odoo_api_key", "control_token"):
            if data.get(key):
                data[key] = "***"
        return data


_FIELDS = {f.name: f for f in dataclasses.fields(BridgeConfig)}
_TYPES = typing.get_type_hints(BridgeConfig)


def _coerce(name, value):
    kind = _TYPES[name]
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name}: not a boolean: {value!r}")
    if kind is int:
        if isinstance(value, bool):
            raise ConfigError(f"{name}: not an integer: {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: not an integer: {value!r}") from None
    if kind is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: not a number: {value!r}") from None
    if kind is list:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value]
        raise ConfigError(f"{name}: not a list: {value!r}")
    return "" if value is None else str(value)


def _flatten(data: dict) -> dict:
    flat = {}
    for key, value in (data or {}).items():
        if isinstance(value, dict):
            prefix = "" if key == "bridge" else f"{key}_"
            for sub, subvalue in value.items():
                flat[f"{prefix}{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def read_file(path: str | os.PathLike) -> dict:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml  # PyYAML, optional

            data = yaml.safe_load(text) or {}
        elif path.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise ConfigError(f"{path}: unsupported config format (use .toml, .yaml or .yml)")
    except ConfigError:
        raise
    except Exception as exc:  # tomllib.TOMLDecodeError, yaml.YAMLError
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    return _flatten(data)


def load_config(path: str | os.PathLike | None = None, env: dict | None = None, **overrides) -> BridgeConfig:
    """File values, then ``EV_BRIDGE_*`` env values, then keyword overrides (tests)."""
    env = os.environ if env is None else env
    path = path or env.get(ENV_PREFIX + "CONFIG") or None
    values = read_file(path) if path else {}
    unknown = sorted(set(values) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"unknown configuration keys: {', '.join(unknown)}")
    for name in _FIELDS:
        env_name = ENV_PREFIX + name.upper()
        if env_name in env:
            values[name] = env[env_name]
    for name, value in overrides.items():
        if name not in _FIELDS:
            raise ConfigError(f"unknown configuration key: {name}")
        values[name] = value
    coerced = {name: _coerce(name, value) for name, value in values.items()}
    return BridgeConfig(**coerced)
