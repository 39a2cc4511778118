"""The bridge's only way to Odoo: one small async interface, one XML-RPC implementation.

All methods are coroutines. ``XmlRpcTransport`` runs the blocking ``xmlrpc.client`` calls in a
dedicated thread pool via ``loop.run_in_executor``; nothing blocks the event loop. A JSON-2
transport (Odoo 19) would implement the same interface.

Errors: ``OdooUnavailable`` (network, timeout, HTTP error: try again later) and ``OdooFault``
(Odoo answered with a fault: the call itself is refused, e.g. a malformed envelope or missing
access rights); ``OdooMethodMissing``, a fault, when Odoo has no such method (an older
``ev_charging`` without ``bridge_stations``); ``OdooPayloadTooLarge``, a fault, for HTTP 413 (the
request is too large for Odoo or a proxy in front of it: split it); ``OdooRequestInvalid``, a
fault, when the request cannot even be encoded (a value XML-RPC cannot carry).
"""

from __future__ import annotations

import abc
import asyncio
import http.client
import logging
import threading
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor

_logger = logging.getLogger("ocpp_bridge.odoo")


class OdooError(Exception):
    pass


class OdooUnavailable(OdooError):
    """Odoo could not be reached or did not answer in time; retry later."""


class OdooFault(OdooError):
    """Odoo answered with an error for this call."""


class OdooMethodMissing(OdooFault):
    """Odoo (or the transport) does not offer this method, e.g. an older ``ev_charging``."""


class OdooPayloadTooLarge(OdooFault):
    """HTTP 413: this request is too large; a smaller one may pass."""


class OdooRequestInvalid(OdooFault):
    """The request could not be encoded (nothing was sent)."""


class OdooTransport(abc.ABC):
    """What the bridge needs from Odoo (see addons/ev_charging/INGESTION.md)."""

    @abc.abstractmethod
    async def ingest(self, events: list[dict]) -> list[dict]:
        """``ev.ocpp.event.ingest``: one result ``{key, status, error}`` per event, same order."""

    @abc.abstractmethod
    async def station(self, identity: str) -> dict | None:
        """``ev.charger.bridge_station``: station dict, or None when the identity is unknown."""

    async def stations(self, identities: list[str]) -> dict[str, dict]:
        """``ev.charger.bridge_stations``: ``{identity: station dict}`` for the known identities
        (unknown ones absent), at most 5,000 per call. Raises ``OdooMethodMissing`` when not
        offered; the caller then falls back to ``station()`` per identity."""
        raise OdooMethodMissing("stations() not implemented by this transport")

    @abc.abstractmethod
    async def authorize(self, identity: str, id_token: str, token_type: str) -> dict:
        """``ev.id.token.bridge_authorize``: ``{status, expiry, cache_seconds}``."""

    async def ingest_and_pull(self, events: list[dict], node: str, identities: list[str]) -> dict:
        """``ev.ocpp.event.ingest_and_pull`` (contract C): ``{"results": [...as ingest...],
        "commands": [...as bridge_pull...]}``. Raises ``OdooMethodMissing`` when not offered."""
        raise OdooMethodMissing("ingest_and_pull() not implemented by this transport")

    @abc.abstractmethod
    async def pull_commands(self, node: str, identities: list[str], ids: list[int] | None = None) -> list[dict]:
        """``ev.charger.command.bridge_pull``: queued ``{id, charger, action, params}`` (with
        ``ids``: only those commands, contract E)."""

    async def features(self) -> list[str]:
        """``ev.ocpp.event.bridge_features``: what Odoo accepts beyond contracts A-G (``derived_log``:
        contract H). Raises ``OdooMethodMissing`` when not offered (an older Odoo)."""
        raise OdooMethodMissing("features() not implemented by this transport")

    async def max_transaction_id(self, node_number: int) -> int:
        """``ev.charger.bridge_max_transaction_id`` (contract F): the highest 1.6 transaction id
        Odoo knows under this node number, 0 if none. Raises ``OdooMethodMissing`` if not offered."""
        raise OdooMethodMissing("max_transaction_id() not implemented by this transport")

    @abc.abstractmethod
    async def command_result(self, command_id: int, state: str, result: dict) -> None:
        """``ev.charger.command.bridge_result``."""

    async def command_results(self, items: list[dict]) -> list[dict]:
        """``ev.charger.command.bridge_results`` (contract I): ``[{id, state, result}]`` ->
        ``[{id, status: "ok"|"error", error}]`` in order. Raises ``OdooMethodMissing`` if not offered."""
        raise OdooMethodMissing("command_results() not implemented by this transport")

    async def report_node(self, node: str, info: dict) -> bool:
        """Tell Odoo which chargers this node holds. Optional: returns False when unsupported.

        INGESTION.md has no such method; Odoo learns the holding node from the ``node`` of
        ``Connection`` events. Implementations that have a method for it return True.
        """
        return False

    async def close(self) -> None:  # noqa: B027 - optional hook, most transports hold nothing
        return None


def _method_missing(fault: str, model: str, method: str) -> bool:
    """Odoo 18's answer to an unknown method: ``AttributeError: The method 'model.method' does not
    exist`` (odoo/service/model.py) or ``The method 'method' does not exist on the model ...``
    (odoo/api.py)."""
    return f"The method '{model}.{method}' does not exist" in fault or f"The method '{method}' does not exist" in fault


class _TimeoutMixin:
    """xmlrpc.client transports with a socket timeout."""

    def __init__(self, timeout, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


class _TimeoutTransport(_TimeoutMixin, xmlrpc.client.Transport):
    pass


class _TimeoutSafeTransport(_TimeoutMixin, xmlrpc.client.SafeTransport):
    pass


class XmlRpcTransport(OdooTransport):
    """Odoo 18 external API over XML-RPC (``/xmlrpc/2``), authenticated with an API key."""

    def __init__(self, url: str, db: str, login: str, api_key: str, timeout: float = 30.0, workers: int = 4):
        if not (url and db and login and api_key):
            raise ValueError("odoo_url, odoo_db, odoo_login and odoo_api_key are required")
        self.url = url.rstrip("/")
        self.db = db
        self.login = login
        self._key = api_key
        self.timeout = timeout
        self._uid = None
        self._uid_lock = threading.Lock()
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="odoo-rpc")

    # -- blocking part, runs in the executor threads only
    def _proxy(self, endpoint: str) -> xmlrpc.client.ServerProxy:
        proxies = getattr(self._local, "proxies", None)
        if proxies is None:
            proxies = self._local.proxies = {}
        if endpoint not in proxies:
            url = f"{self.url}/xmlrpc/2/{endpoint}"
            transport = (_TimeoutSafeTransport if url.startswith("https") else _TimeoutTransport)(self.timeout)
            proxies[endpoint] = xmlrpc.client.ServerProxy(url, transport=transport, allow_none=True)
        return proxies[endpoint]

    def _reset_proxies(self):
        self._local.proxies = {}

    def _authenticate(self) -> int:
        with self._uid_lock:
            if self._uid is None:
                uid = self._proxy("common").authenticate(self.db, self.login, self._key, {})
                if not uid:
                    raise OdooFault(f"authentication failed for {self.login!r} on {self.db!r}")
                self._uid = uid
            return self._uid

    def _execute(self, model: str, method: str, *args):
        try:
            uid = self._authenticate()
            return self._proxy("object").execute_kw(self.db, uid, self._key, model, method, list(args))
        except xmlrpc.client.Fault as exc:
            text = exc.faultString.strip()
            cls = OdooMethodMissing if _method_missing(text, model, method) else OdooFault
            raise cls(f"{model}.{method}: {text[-2000:]}") from None
        except xmlrpc.client.ProtocolError as exc:
            self._reset_proxies()
            if exc.errcode == 413:
                raise OdooPayloadTooLarge(f"{model}.{method}: HTTP 413 {exc.errmsg}") from None
            raise OdooUnavailable(f"{model}.{method}: HTTP {exc.errcode} {exc.errmsg}") from None
        except (TypeError, OverflowError, UnicodeError, RecursionError, ValueError) as exc:
            # raised while encoding the request (xmlrpc.client.dumps): nothing was sent
            self._reset_proxies()
            raise OdooRequestInvalid(f"{model}.{method}: cannot encode the request: {exc!r}"[:2000]) from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            self._reset_proxies()
            raise OdooUnavailable(f"{model}.{method}: {exc.__class__.__name__}: {exc}") from None

    # -- async interface
    async def _call(self, model: str, method: str, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._execute, model, method, *args)

    async def ingest(self, events):
        return await self._call("ev.ocpp.event", "ingest", events)

    async def station(self, identity):
        result = await self._call("ev.charger", "bridge_station", identity)
        return result or None

    async def stations(self, identities):
        result = await self._call("ev.charger", "bridge_stations", list(identities))
        if not isinstance(result, dict):
            raise OdooFault(f"ev.charger.bridge_stations: unexpected answer {type(result).__name__}")
        wanted = set(identities)
        return {identity: station for identity, station in result.items() if identity in wanted and station}

    async def authorize(self, identity, id_token, token_type):
        return await self._call("ev.id.token", "bridge_authorize", identity, id_token, token_type)

    async def ingest_and_pull(self, events, node, identities):
        return await self._call("ev.ocpp.event", "ingest_and_pull", events, node, list(identities))

    async def pull_commands(self, node, identities, ids=None):
        if ids is None:
            return await self._call("ev.charger.command", "bridge_pull", node, list(identities))
        return await self._call("ev.charger.command", "bridge_pull", node, list(identities), list(ids))

    async def features(self):
        result = await self._call("ev.ocpp.event", "bridge_features")
        if not isinstance(result, list):
            raise OdooFault(f"ev.ocpp.event.bridge_features: unexpected answer {type(result).__name__}")
        return result

    async def max_transaction_id(self, node_number):
        return int(await self._call("ev.charger", "bridge_max_transaction_id", int(node_number)) or 0)

    async def command_result(self, command_id, state, result):
        await self._call("ev.charger.command", "bridge_result", command_id, state, result)

    async def command_results(self, items):
        answers = await self._call("ev.charger.command", "bridge_results", list(items))
        if not isinstance(answers, list):
            raise OdooFault(f"ev.charger.command.bridge_results: unexpected answer {type(answers).__name__}")
        return answers

    async def close(self):
        self._executor.shutdown(wait=False, cancel_futures=True)
