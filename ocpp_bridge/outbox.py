"""Durable outbox (SQLite, WAL) and the sender that drains it into Odoo.

* ``Outbox.append(events)`` returns once the events are committed: the bridge answers a
  charger's CALL only after that. Appends arriving together are committed in one transaction
  (group commit) by a single writer thread that owns the SQLite connection.
* Each row gets ``seq`` from an AUTOINCREMENT key (never reused, even after deletes), and the
  idempotency key ``"<node>:<seq>"``. A resend after a crash therefore carries the same key and
  Odoo stores the event once.
* ``OutboxSender`` sends batches of up to N rows, deletes only the rows Odoo acknowledged
  (applied, duplicate or rejected) and backs off exponentially while Odoo is unreachable.
* 1.6 transaction ids: ``node_number << 27 | counter``, the counter persisted in the same
  database, so ids are unique across restarts and across nodes and stay below 2**31.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .logs import utc_now_iso
from .odoo_client import OdooFault, OdooUnavailable

_logger = logging.getLogger("ocpp_bridge.outbox")

ACKNOWLEDGED = ("applied", "duplicate", "rejected")
TX_COUNTER_BITS = 27
TX_COUNTER_MAX = (1 << TX_COUNTER_BITS) - 1
_TX_SEED_EPOCH = 1735689600  # 2025-01-01T00:00:00Z
_TX_REPLAY_WINDOW = 30 * 86400  # a replayed StartTransaction gets its first id back this long


class OutboxLocked(RuntimeError):
    pass


class Outbox:
    def __init__(self, path: str, node: str, node_number: int = 0, synchronous: str = "FULL", metrics=None):
        self.path = str(path)
        self.node = node
        self.node_number = node_number
        self.synchronous = synchronous.upper()
        if self.synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"bad SQLite synchronous mode {synchronous!r}")
        self.metrics = metrics
        self.depth = 0
        self.dead = 0
        self.changed = asyncio.Event()  # set after each commit of new rows
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self._db: sqlite3.Connection | None = None
        self._lock_file = None
        self._pending: list = []  # (kind, data, future|None)
        self._pending_event = asyncio.Event()
        self._writer_task: asyncio.Task | None = None
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    async def open(self):
        await self._run(self._open_db)
        self._set_depth()
        self._writer_task = asyncio.get_running_loop().create_task(self._writer(), name="outbox-writer")

    def _open_db(self):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(f"{self.path}-lock", "a+")
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise OutboxLocked(f"{self.path} is used by another bridge process") from None
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self.synchronous}")
        db.execute("PRAGMA busy_timeout=5000")
        db.executescript("""
            CREATE TABLE IF NOT EXISTS outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                node TEXT NOT NULL,
                body TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS dead_letter (
                seq INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                body TEXT NOT NULL,
                error TEXT,
                buried_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS meta (
                name TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS tx16 (
                fingerprint TEXT PRIMARY KEY,
                transaction_id INTEGER NOT NULL,
                created REAL NOT NULL
            );
        """)
        db.execute("DELETE FROM tx16 WHERE created < ?", (time.time() - _TX_REPLAY_WINDOW,))
        # Seed a brand-new counter from the clock (minutes since 2025) so that a node whose
        # database was lost does not restart its 1.6 transaction ids at 1.
        seed = max(1, int((time.time() - _TX_SEED_EPOCH) // 60)) % TX_COUNTER_MAX
        db.execute("INSERT OR IGNORE INTO meta(name, value) VALUES ('tx_counter', ?)", (seed,))
        self._db = db
        self.depth = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        self.dead = db.execute("SELECT count(*) FROM dead_letter").fetchone()[0]

    async def close(self):
        if self._closed:
            return
        self._closed = True
        if self._writer_task:
            # let queued appends reach the disk first
            if self._pending:
                await self.flush()
            self._writer_task.cancel()
            try:
                await self._writer_task
            except asyncio.CancelledError:
                pass
        await self._run(self._close_db)
        self._executor.shutdown(wait=True)

    def _close_db(self):
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _set_depth(self):
        if self.metrics:
            self.metrics.outbox_depth.set(self.depth)
            self.metrics.outbox_dead.set(self.dead)

    # ------------------------------------------------------------------ writing
    async def append(self, events: list[dict]) -> list[str]:
        """Commit events; returns their idempotency keys once they are on disk."""
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(("events", events, fut))
        return await fut

    def append_nowait(self, events: list[dict]) -> None:
        """Queue events for the next group commit without waiting (MessageLog frames)."""
        if events:
            self._enqueue(("events", events, None))

    async def next_transaction_id(self, fingerprint: str | None = None) -> tuple[int, bool]:
        """Allocate a 1.6 transaction id, persisted before it is returned. With a fingerprint
        of the StartTransaction, a replay of the same start (charger resending because it never
        got the answer) gets the id it was given the first time. Returns ``(id, replayed)``."""
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(("txid", fingerprint, fut))
        return await fut

    async def flush(self) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(("flush", None, fut))
        await fut

    def _enqueue(self, op):
        if self._closed and op[0] != "flush":
            raise RuntimeError("outbox is closed")
        self._pending.append(op)
        self._pending_event.set()

    async def _writer(self):
        while True:
            await self._pending_event.wait()
            self._pending_event.clear()
            ops, self._pending = self._pending, []
            if not ops:
                continue
            try:
                results = await self._run(self._write, ops)
            except Exception as exc:  # disk full, corrupted file...
                _logger.exception("outbox write failed")
                for _kind, _data, fut in ops:
                    if fut is not None and not fut.done():
                        fut.set_exception(exc)
                continue
            added = 0
            for (kind, data, fut), result in zip(ops, results, strict=False):
                if kind == "events":
                    added += len(data)
                if fut is not None and not fut.done():
                    fut.set_result(result)
            if added:
                self.depth += added
                self._set_depth()
                self.changed.set()

    def _write(self, ops):
        db = self._db
        results = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for kind, data, _fut in ops:
                if kind == "events":
                    keys = []
                    for event in data:
                        cur = db.execute(
                            "INSERT INTO outbox(node, body) VALUES (?, ?)",
                            (self.node, json.dumps(event, separators=(",", ":"), default=str)),
                        )
                        keys.append(f"{self.node}:{cur.lastrowid}")
                    results.append(keys)
                elif kind == "txid":
                    results.append(self._allocate_tx(db, data))
                else:
                    results.append(None)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return results

    def _allocate_tx(self, db, fingerprint):
        if fingerprint:
            row = db.execute("SELECT transaction_id FROM tx16 WHERE fingerprint=?", (fingerprint,)).fetchone()
            if row:
                return row[0], True
        counter = db.execute("SELECT value FROM meta WHERE name='tx_counter'").fetchone()[0] + 1
        if counter > TX_COUNTER_MAX:
            _logger.warning("1.6 transaction id counter wrapped around")
            counter = 1
        db.execute("UPDATE meta SET value=? WHERE name='tx_counter'", (counter,))
        transaction_id = (self.node_number << TX_COUNTER_BITS) | counter
        if fingerprint:
            db.execute(
                "INSERT INTO tx16(fingerprint, transaction_id, created) VALUES (?, ?, ?)",
                (fingerprint, transaction_id, time.time()),
            )
        return transaction_id, False

    # ------------------------------------------------------------------ reading / acking
    async def fetch(self, limit: int, after: int = 0) -> list[tuple[int, dict]]:
        return await self._run(self._fetch, limit, after)

    def _fetch(self, limit, after):
        rows = self._db.execute(
            "SELECT seq, node, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
        ).fetchall()
        out = []
        for seq, node, body in rows:
            envelope = json.loads(body)
            envelope["key"] = f"{node}:{seq}"
            out.append((seq, envelope))
        return out

    async def ack(self, seqs: list[int]) -> int:
        if not seqs:
            return 0
        removed = await self._run(self._delete, list(seqs))
        self.depth = max(0, self.depth - removed)
        self._set_depth()
        return removed

    def _delete(self, seqs):
        removed = 0
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for i in range(0, len(seqs), 500):
                chunk = seqs[i : i + 500]
                cur = db.execute(f"DELETE FROM outbox WHERE seq IN ({','.join('?' * len(chunk))})", chunk)
                removed += cur.rowcount
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return removed

    async def bury(self, seq: int, error: str) -> None:
        """Move one event Odoo keeps refusing to the dead_letter table (kept for review)."""
        moved = await self._run(self._bury, seq, error)
        if moved:
            self.depth = max(0, self.depth - 1)
            self.dead += 1
            self._set_depth()

    def _bury(self, seq, error):
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute(
                "INSERT INTO dead_letter(seq, node, body, error, buried_at) "
                "SELECT seq, node, body, ?, ? FROM outbox WHERE seq=?",
                (error[:4000], utc_now_iso(), seq),
            )
            db.execute("DELETE FROM outbox WHERE seq=?", (seq,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return cur.rowcount


class OutboxSender:
    """Drains the outbox into ``transport.ingest`` in batches, with exponential backoff."""

    def __init__(
        self,
        outbox: Outbox,
        transport,
        batch_size: int = 500,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        idle_interval: float = 1.0,
        metrics=None,
        sleep=asyncio.sleep,
    ):
        self.outbox = outbox
        self.transport = transport
        self.batch_size = batch_size
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.idle_interval = idle_interval
        self.metrics = metrics
        self._sleep = sleep
        self._task: asyncio.Task | None = None
        self.failures = 0
        self.odoo_ok: bool | None = None
        self.last_error: str | None = None
        self.sent_ok = 0

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self.run(), name="outbox-sender")
        return self._task

    async def stop(self, drain_timeout: float = 0.0):
        if self._task is None:
            return
        if drain_timeout > 0 and self.odoo_ok is not False:
            deadline = time.monotonic() + drain_timeout
            while self.outbox.depth and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None

    def backoff(self, failures: int) -> float:
        return min(self.backoff_max, self.backoff_initial * (2 ** max(0, failures - 1)))

    async def _fail(self, reason: str):
        self.failures += 1
        self.odoo_ok = False
        self.last_error = reason
        delay = self.backoff(self.failures)
        _logger.warning(
            "Odoo ingest failed (%s); retrying in %.2fs",
            reason,
            delay,
            extra={"failures": self.failures, "outbox_depth": self.outbox.depth},
        )
        await self._sleep(delay)

    async def _ingest(self, rows):
        started = time.monotonic()
        outcome = "error"
        try:
            results = await self.transport.ingest([envelope for _seq, envelope in rows])
            outcome = "ok"
            return results
        except OdooFault:
            outcome = "fault"
            raise
        finally:
            if self.metrics:
                self.metrics.odoo_push_latency.labels(outcome).observe(time.monotonic() - started)

    async def _acknowledge(self, rows, results) -> int:
        """Delete acknowledged rows; returns how many rows were acknowledged."""
        by_key = {}
        if isinstance(results, list):
            for item in results:
                if isinstance(item, dict) and item.get("key"):
                    by_key[item["key"]] = item
        done = []
        for seq, envelope in rows:
            result = by_key.get(envelope["key"])
            status = result.get("status") if result else None
            if self.metrics:
                self.metrics.ingest_results.labels(status or "missing").inc()
            if status in ACKNOWLEDGED:
                done.append(seq)
                if status == "rejected":
                    _logger.warning(
                        "Odoo rejected event %s (%s): %s",
                        envelope["key"],
                        envelope.get("action"),
                        result.get("error"),
                        extra={"charger": envelope.get("charger")},
                    )
        await self.outbox.ack(done)
        return len(done)

    async def run(self):
        limit = self.batch_size
        while True:
            self.outbox.changed.clear()
            rows = await self.outbox.fetch(limit)
            if not rows:
                try:
                    await asyncio.wait_for(self.outbox.changed.wait(), self.idle_interval)
                except TimeoutError:
                    pass
                continue
            try:
                results = await self._ingest(rows)
            except OdooFault as exc:
                if len(rows) > 1:
                    # bisect to find out whether one event poisons the batch
                    limit = max(1, len(rows) // 2)
                    self.last_error = str(exc)
                    _logger.error("Odoo refused a batch of %d events: %s", len(rows), exc)
                    await self._sleep(self.backoff_initial)
                    continue
                if await self._probe_poison(rows[0], exc):
                    limit = self.batch_size
                    continue
                await self._fail(f"fault: {exc}")
                continue
            except (TimeoutError, OdooUnavailable, OSError) as exc:
                await self._fail(str(exc))
                continue
            except Exception as exc:  # a bug in a transport must not kill the sender
                _logger.exception("unexpected error while sending the outbox")
                await self._fail(f"{exc.__class__.__name__}: {exc}")
                continue
            acked = await self._acknowledge(rows, results)
            self.sent_ok += acked
            if acked < len(rows):
                await self._fail(f"{len(rows) - acked} of {len(rows)} events not acknowledged")
                continue
            self.failures = 0
            self.odoo_ok = True
            self.last_error = None
            limit = self.batch_size

    async def _probe_poison(self, row, fault) -> bool:
        """A single event faulted. If the next event goes through and this one faults again,
        this one is poison: bury it. Returns True when progress was made."""
        seq, envelope = row
        following = await self.outbox.fetch(1, after=seq)
        if not following:
            return False
        try:
            results = await self._ingest(following)
        except (TimeoutError, OdooFault, OdooUnavailable, OSError):
            return False  # systemic: back off
        await self._acknowledge(following, results)
        try:
            results = await self._ingest([row])
        except OdooFault as again:
            _logger.error(
                "Odoo keeps refusing event %s (%s); moved to dead_letter: %s",
                envelope["key"],
                envelope.get("action"),
                again,
                extra={"charger": envelope.get("charger")},
            )
            await self.outbox.bury(seq, str(again))
            return True
        except (TimeoutError, OdooUnavailable, OSError):
            return True
        await self._acknowledge([row], results)
        return True
