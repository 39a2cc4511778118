"""Prometheus metrics of one bridge instance (own registry, so several instances can coexist)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,  # noqa: F401  (re-exported for control.py)
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.08, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.connections = Gauge("ocpp_bridge_connections", "Chargers connected to this node", ["version"], registry=r)
        self.messages = Counter(
            "ocpp_bridge_messages", "OCPP frames handled", ["direction", "action", "outcome"], registry=r
        )
        self.outbox_depth = Gauge("ocpp_bridge_outbox_depth", "Events waiting in the outbox", registry=r)
        self.outbox_dead = Gauge(
            "ocpp_bridge_outbox_dead_letters", "Events Odoo refused with a fault, set aside", registry=r
        )
        self.ingest_encodings = Counter(
            "ocpp_bridge_ingest_envelopes",
            "Envelopes sent to Odoo by encoding: json (contract J), b64 (contract A) or plain XML-RPC",
            ["encoding"],
            registry=r,
        )
        self.ingest_results = Counter(
            "ocpp_bridge_ingest_results", "Per-event answers of Odoo's ingest", ["status"], registry=r
        )
        self.odoo_push_latency = Histogram(
            "ocpp_bridge_odoo_push_seconds",
            "Duration of one ingest call to Odoo",
            ["outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.command_latency = Histogram(
            "ocpp_bridge_command_seconds",
            "Remote command round trip to the charger",
            ["action", "state"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.validation_skipped = Counter(
            "ocpp_bridge_validation_skipped", "Schema errors let through in relaxed mode", ["action"], registry=r
        )
        self.auth_decisions = Counter(
            "ocpp_bridge_auth_decisions", "Token authorizations by source", ["source"], registry=r
        )
        self.station_lookups = Histogram(
            "ocpp_bridge_station_lookup_batch",
            "Identities per station look-up call to Odoo "
            "(method bridge_stations; bridge_station = one call each, older Odoo)",
            ["method"],
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000),
            registry=r,
        )
        self.disconnects = Counter(
            "ocpp_bridge_disconnects", "Charger disconnections by reason", ["reason"], registry=r
        )
        # limits and throttles (README: limits); every label takes a fixed set of values
        self.handshake_refused = Counter(
            "ocpp_bridge_handshake_refused", "Handshakes refused, by reason", ["reason"], registry=r
        )
        self.auth_failures = Counter("ocpp_bridge_auth_failures", "Wrong Basic-auth credentials", registry=r)
        self.auth_lockouts = Counter(
            "ocpp_bridge_auth_lockouts",
            "Lockouts started after wrong passwords (identity/address)",
            ["scope"],
            registry=r,
        )
        self.outbox_bytes = Gauge("ocpp_bridge_outbox_bytes", "Stored JSON bytes waiting in the outbox", registry=r)
        self.outbox_level = Gauge(
            "ocpp_bridge_outbox_level", "Outbox fill alarm: 0 ok, 1 shedding MessageLog, 2 full", registry=r
        )
        self.outbox_shed = Counter(
            "ocpp_bridge_outbox_shed", "Events not stored because the outbox is (nearly) full", ["action"], registry=r
        )
        self.wakeups = Counter(
            "ocpp_bridge_wakeups", "POST /commands/wake requests by outcome", ["outcome"], registry=r
        )
        self.command_reports = Counter(
            "ocpp_bridge_command_reports",
            "Calls reporting command answers to Odoo, by method (bridge_results carries several)",
            ["method"],
            registry=r,
        )
        self.command_answers_reported = Counter(
            "ocpp_bridge_command_answers_reported",
            "Command answers reported to Odoo, by outcome (recorded, refused by Odoo, given up)",
            ["outcome"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
