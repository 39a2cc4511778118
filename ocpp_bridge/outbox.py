"""Durable outbox (SQLite, WAL): events waiting for Odoo, 1.6 transaction ids, dead letters.

* ``Outbox.append(events)`` returns once the events are committed: the bridge answers a
  charger's CALL only after that. Appends arriving together are committed in one transaction
  (group commit) by a single writer thread that owns the SQLite connection.
* Each row gets ``seq`` from an AUTOINCREMENT key (never reused, even after deletes) and the
  idempotency key ``"<node>:<epoch>:<seq>"`` (INGESTION.md, contract B). ``epoch`` is a random
  token created with the file: a node restarted without its outbox gets a new epoch, so its keys
  never collide with keys Odoo already has. A resend after a crash carries the same key and Odoo
  stores the event once. (Rows written before epochs existed keep their ``"<node>:<seq>"`` key.)
* Rows are spread over ``lanes`` by charger (``crc32(identity) % lanes``): each lane is sent by
  its own sender task, so several batches are in flight while one charger's events stay in order.
* Size cap (``max_bytes`` of stored JSON): above ``shed_ratio`` of it MessageLog frames are not
  stored any more; at the cap a CALL is answered ``InternalError`` (the charger keeps its message
  and retries) and new connections are refused; ``Connection`` events are always stored.
* To an Odoo offering contract J (``json_envelopes``), every envelope is sent as its JSON text
  (``json``: all but its key, charger and action, compact ASCII JSON), one string instead of an XML-RPC
  struct of payloads. To an older Odoo, envelopes whose payload, response or meta holds something
  XML-RPC cannot carry (XML-illegal characters, a carriage return, integers beyond 32 bits) are
  sent as ``b64`` (contract A; every one with ``b64 = "always"``).
* A handled CALL is one row: its event carries ``log`` (contract H) and Odoo writes the CALL and
  CALLRESULT lines of the message log from it. For an Odoo without contract H, ``fetch`` adds the
  two MessageLog envelopes the row stands for (keys ``<event key>:call`` / ``:result``).
* 1.6 transaction ids: ``node_number << 27 | counter``, the counter persisted in the same
  database; seeded above the highest id Odoo knows for this node (contract F), so ids are never
  reissued, even after the file was lost.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import json
import logging
import re
import secrets
import sqlite3
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from .logs import utc_now_iso

_logger = logging.getLogger("ocpp_bridge.outbox")

TX_COUNTER_BITS = 27
TX_COUNTER_MAX = (1 << TX_COUNTER_BITS) - 1
_TX_SEED_EPOCH = 1735689600  # 2025-01-01T00:00:00Z
_TX_REPLAY_WINDOW = 30 * 86400  # a replayed StartTransaction gets its first id back this long
#: ids skipped past Odoo's highest one when the outbox file is new: ids handed out from a lost
#: outbox but never delivered to Odoo are not reissued either
TX_LOST_OUTBOX_GAP = 10000

B64_KEYS = ("payload", "response", "meta")
# In the stored JSON (ensure_ascii): C0 controls other than TAB/LF (\u00XX, \b, \f), CR (XML
# parsers turn it into LF), surrogates (lone ones are illegal; pairs are false positives, harmless)
# and U+FFFE/U+FFFF. A match inside a string that merely contains a backslash is a false
# positive too: b64 is lossless, only a little larger.
_XML_UNSAFE = re.compile(r"\\u00[01][0-9a-fA-F]|\\[bfr]|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\u[fF]{3}[eEfF]")
_LONG_INT = re.compile(r"-?\d{10,}")
_XMLRPC_INT_MAX = 2**31 - 1


def needs_b64(body: str) -> bool:
    """True when the stored JSON of an event holds a value XML-RPC would refuse or alter."""
    if _XML_UNSAFE.search(body):
        return True
    return any(abs(int(m)) > _XMLRPC_INT_MAX for m in _LONG_INT.findall(body))


def encode_b64(envelope: dict) -> dict:
    """Move payload/response/meta into ``b64`` (contract A); returns the envelope."""
    inner = {k: envelope.pop(k) for k in B64_KEYS if k in envelope}
    text = json.dumps(inner, separators=(",", ":"), ensure_ascii=True)
    envelope["b64"] = base64.b64encode(text.encode("ascii")).decode("ascii")
    return envelope


#: what stays outside the JSON text of a contract J envelope
JSON_OUTSIDE = ("key", "charger", "action")


def encode_json(envelope: dict) -> dict:
    """Contract J: the envelope as ``{"key", "charger", "action", "json"}``, ``json`` the ASCII JSON text
    of everything else (XML-safe: JSON escapes every control and non-ASCII character)."""
    inner = {k: v for k, v in envelope.items() if k not in JSON_OUTSIDE}
    out = {k: envelope[k] for k in JSON_OUTSIDE if k in envelope}
    out["json"] = json.dumps(inner, separators=(",", ":"), ensure_ascii=True)
    return out


def message_log_envelopes(envelope: dict) -> tuple[dict, dict]:
    """Contract H for an Odoo without it: the MessageLog envelopes of the CALL and the CALLRESULT the
    event's ``log`` stands for, keyed ``<event key>:call`` / ``:result`` (so a resend is a duplicate
    too). ``log`` is taken out of ``envelope``."""
    log = envelope.pop("log", None) or {}
    ts = envelope.get("ts")
    result_ts = log.get("result_ts") or ts
    head = {k: envelope[k] for k in ("charger", "version") if k in envelope}
    frame = {"action": envelope.get("action"), "unique_id": envelope.get("message_id")}
    call = dict(
        head,
        key=f"{envelope['key']}:call",
        action="MessageLog",
        ts=ts,
        payload=dict(frame, direction="in", type="CALL", payload=envelope.get("payload") or {}, ts=ts),
    )
    result = dict(
        head,
        key=f"{envelope['key']}:result",
        action="MessageLog",
        ts=result_ts,
        payload=dict(frame, direction="out", type="CALLRESULT", payload=envelope.get("response") or {}, ts=result_ts),
    )
    return call, result


class Row(NamedTuple):
    """An outbox row ready to send: ``envelope`` for ``ingest`` and the JSON ``size`` stored.
    ``logs``: for an Odoo without contract H, the (CALL, CALLRESULT) MessageLog envelopes the event
    stands for, sent around it."""

    seq: int
    envelope: dict
    size: int
    logs: tuple = ()

    def envelopes(self) -> list[dict]:
        return [self.logs[0], self.envelope, self.logs[1]] if self.logs else [self.envelope]


class OutboxLocked(RuntimeError):
    pass


class OutboxFull(RuntimeError):
    pass


class TransactionIdsUnavailable(RuntimeError):
    """A new outbox file cannot hand out 1.6 transaction ids before Odoo said which it issued."""


# fill levels
OK, SHEDDING, FULL = 0, 1, 2
LEVEL_NAMES = {OK: "ok", SHEDDING: "shedding MessageLog", FULL: "full"}


class Outbox:
    def __init__(
        self,
        path: str,
        node: str,
        node_number: int = 0,
        synchronous: str = "FULL",
        metrics=None,
        lanes: int = 1,
        max_bytes: int = 1 << 30,
        shed_ratio: float = 0.8,
        b64: str = "auto",
        tx_seed_wait: float = 5.0,
    ):
        self.path = str(path)
        self.node = node
        self.node_number = node_number
        self.synchronous = synchronous.upper()
        if self.synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"bad SQLite synchronous mode {synchronous!r}")
        self.metrics = metrics
        self.lanes = max(1, int(lanes))
        self.max_bytes = int(max_bytes)
        self.shed_bytes = int(max_bytes * shed_ratio)
        self.b64 = b64
        self.tx_seed_wait = tx_seed_wait
        self.depth = 0
        self.bytes = 0
        self.dead = 0
        self.level = OK
        self.epoch = ""
        self.fresh = False  # the file was created by this process (nothing persisted before)
        self._epoch_from = 1
        self._level_logged = 0.0
        self.changed = [asyncio.Event() for _ in range(self.lanes)]  # set after commits, per lane
        self.tx_seeded = asyncio.Event()
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
        if not self.fresh:
            self.tx_seeded.set()  # the persisted counter was seeded when the file was new
        self._update_level()
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
            CREATE TABLE IF NOT EXISTS settings (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS tx16 (
                fingerprint TEXT PRIMARY KEY,
                transaction_id INTEGER NOT NULL,
                created REAL NOT NULL
            );
        """)
        columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
        if "charger" not in columns:  # files of bridges before lanes
            db.execute("ALTER TABLE outbox ADD COLUMN charger TEXT NOT NULL DEFAULT ''")
            db.execute("ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 0")
            db.execute("UPDATE outbox SET charger = coalesce(json_extract(body, '$.charger'), '')")
        db.execute("CREATE INDEX IF NOT EXISTS outbox_lane_seq ON outbox(lane, seq)")
        db.execute("DELETE FROM tx16 WHERE created < ?", (time.time() - _TX_REPLAY_WINDOW,))
        settings = dict(db.execute("SELECT name, value FROM settings"))
        had_counter = db.execute("SELECT 1 FROM meta WHERE name='tx_counter'").fetchone() is not None
        if "epoch" not in settings:
            # contract B: keys of this file never collide with keys of a lost one
            last = db.execute("SELECT seq FROM sqlite_sequence WHERE name='outbox'").fetchone()
            settings["epoch"] = "e" + secrets.token_hex(6)
            settings["epoch_from"] = str((last[0] if last else 0) + 1)
            db.executemany("INSERT INTO settings(name, value) VALUES (?, ?)", list(settings.items()))
        self.epoch = settings["epoch"]
        self._epoch_from = int(settings["epoch_from"])
        self.fresh = not had_counter
        # a brand-new counter starts from the clock (minutes since 2025) until Odoo tells the
        # highest id it knows (seed_transaction_counter)
        seed = max(1, int((time.time() - _TX_SEED_EPOCH) // 60)) % TX_COUNTER_MAX
        db.execute("INSERT OR IGNORE INTO meta(name, value) VALUES ('tx_counter', ?)", (seed,))
        if settings.get("lanes") != str(self.lanes):
            db.execute("BEGIN IMMEDIATE")
            for (charger,) in db.execute("SELECT DISTINCT charger FROM outbox").fetchall():
                db.execute("UPDATE outbox SET lane=? WHERE charger=?", (self.lane_of(charger), charger))
            db.execute("INSERT OR REPLACE INTO settings(name, value) VALUES ('lanes', ?)", (str(self.lanes),))
            db.execute("COMMIT")
        self._db = db
        self.depth, self.bytes = db.execute("SELECT count(*), coalesce(sum(length(body)), 0) FROM outbox").fetchone()
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

    def key(self, node: str, seq: int) -> str:
        return f"{node}:{self.epoch}:{seq}" if seq >= self._epoch_from else f"{node}:{seq}"

    def lane_of(self, charger: str) -> int:
        return zlib.crc32(charger.encode("utf-8", "surrogatepass")) % self.lanes if self.lanes > 1 else 0

    # ------------------------------------------------------------------ size cap
    def _update_level(self):
        level = FULL if self.bytes >= self.max_bytes else SHEDDING if self.bytes >= self.shed_bytes else OK
        now = time.monotonic()
        if level != self.level or (level != OK and now - self._level_logged > 60):
            log = _logger.warning if level != OK else _logger.info
            log(
                "outbox %s: %d events, %.1f MiB of %.1f MiB",
                LEVEL_NAMES[level],
                self.depth,
                self.bytes / 1048576,
                self.max_bytes / 1048576,
                extra={"outbox_depth": self.depth, "outbox_bytes": self.bytes, "outbox_level": level},
            )
            self._level_logged = now
        self.level = level
        if self.metrics:
            self.metrics.outbox_depth.set(self.depth)
            self.metrics.outbox_bytes.set(self.bytes)
            self.metrics.outbox_level.set(level)
            self.metrics.outbox_dead.set(self.dead)

    def _shed(self, action):
        if self.metrics:
            self.metrics.outbox_shed.labels(action).inc()

    # ------------------------------------------------------------------ writing
    async def append(self, events: list[dict], force: bool = False) -> list[str]:
        """Commit events; returns their idempotency keys once they are on disk. Raises
        OutboxFull at the cap unless ``force`` (Connection events)."""
        if self.level == FULL and not force:
            self._shed(events[0].get("action") if events else "?")
            raise OutboxFull(f"outbox holds {self.bytes} bytes (cap {self.max_bytes})")
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(("events", events, fut))
        return await fut

    async def append_event(self, event: dict) -> bool:
        """Commit one charger event; False (nothing written) when the outbox is full."""
        try:
            await self.append([event])
        except OutboxFull:
            return False
        return True

    def append_log(self, event: dict) -> None:
        """Queue a MessageLog event for the next group commit without waiting; dropped (and
        counted) while the outbox is above its shedding level."""
        if self.log_accepted():
            self._enqueue(("events", [event], None))

    def log_accepted(self, frames: int = 1) -> bool:
        """Whether message-log frames are stored; when not (above the shedding level) the ``frames``
        dropped are counted."""
        if self.level == OK:
            return True
        for _i in range(frames):
            self._shed("MessageLog")
        return False

    def append_nowait(self, events: list[dict]) -> None:
        """Queue events for the next group commit without waiting."""
        if events:
            self._enqueue(("events", events, None))

    async def next_transaction_id(self, fingerprint: str | None = None) -> tuple[int, bool]:
        """Allocate a 1.6 transaction id, persisted before it is returned. With a fingerprint
        of the StartTransaction, a replay of the same start (charger resending because it never
        got the answer) gets the id it was given the first time. Returns ``(id, replayed)``.
        A new outbox file first waits (``tx_seed_wait``) for Odoo's highest id, else raises
        TransactionIdsUnavailable (the charger gets InternalError and retries)."""
        if not self.tx_seeded.is_set():
            try:
                await asyncio.wait_for(self.tx_seeded.wait(), self.tx_seed_wait)
            except TimeoutError:
                raise TransactionIdsUnavailable(
                    "1.6 transaction ids are issued once Odoo has told the highest id of this node"
                ) from None
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(("txid", fingerprint, fut))
        return await fut

    async def seed_transaction_counter(self, highest_id: int) -> int:
        """Contract F: move the counter above ``highest_id`` (Odoo's highest 1.6 id of this
        node, 0 if none); returns the counter. Ids issued before stay valid."""
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(("txseed", int(highest_id or 0), fut))
        counter = await fut
        self.tx_seeded.set()
        return counter

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
                results, lanes, added, size = await self._run(self._write, ops)
            except Exception as exc:  # disk full, corrupted file...
                _logger.exception("outbox write failed")
                for _kind, _data, fut in ops:
                    if fut is not None and not fut.done():
                        fut.set_exception(exc)
                continue
            for (_kind, _data, fut), result in zip(ops, results, strict=True):
                if fut is not None and not fut.done():
                    fut.set_result(result)
            if added:
                self.depth += added
                self.bytes += size
                self._update_level()
                for lane in lanes:
                    self.changed[lane].set()

    def _write(self, ops):
        db = self._db
        results = []
        lanes = set()
        added = size = 0
        db.execute("BEGIN IMMEDIATE")
        try:
            for kind, data, _fut in ops:
                if kind == "events":
                    keys = []
                    for event in data:
                        body = json.dumps(event, separators=(",", ":"), default=str)
                        charger = str(event.get("charger") or "")
                        lane = self.lane_of(charger)
                        cur = db.execute(
                            "INSERT INTO outbox(node, body, charger, lane) VALUES (?, ?, ?, ?)",
                            (self.node, body, charger, lane),
                        )
                        keys.append(self.key(self.node, cur.lastrowid))
                        lanes.add(lane)
                        added += 1
                        size += len(body)
                    results.append(keys)
                elif kind == "txid":
                    results.append(self._allocate_tx(db, data))
                elif kind == "txseed":
                    results.append(self._seed_tx(db, data))
                else:
                    results.append(None)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return results, lanes, added, size

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

    def _seed_tx(self, db, highest_id):
        counter = db.execute("SELECT value FROM meta WHERE name='tx_counter'").fetchone()[0]
        if highest_id and highest_id >> TX_COUNTER_BITS == self.node_number:
            floor = (highest_id & TX_COUNTER_MAX) + (TX_LOST_OUTBOX_GAP if self.fresh else 0)
            if floor > counter:
                if floor > TX_COUNTER_MAX:
                    _logger.warning("1.6 transaction id counter wrapped around")
                    floor = 1
                _logger.info("1.6 transaction id counter moved from %d to %d (Odoo's highest id)", counter, floor)
                counter = floor
                db.execute("UPDATE meta SET value=? WHERE name='tx_counter'", (counter,))
        return counter

    # ------------------------------------------------------------------ reading / acking
    async def fetch(
        self,
        limit: int,
        after: int = 0,
        lane: int | None = None,
        max_bytes: int | None = None,
        derived_log: bool = True,
        json_text: bool = False,
    ) -> list[Row]:
        """Up to ``limit`` rows (and ``max_bytes`` of stored JSON, at least one row) of one lane
        (or all), oldest first, ready for ``ingest``. ``derived_log``: Odoo writes the message log
        of an event carrying ``log`` itself (contract H); else the row also holds the MessageLog
        envelopes it stands for. ``json_text``: Odoo takes contract J envelopes (else b64 as
        configured)."""
        return await self._run(self._fetch, limit, after, lane, max_bytes, derived_log, json_text)

    def _fetch(self, limit, after, lane, max_bytes, derived_log=True, json_text=False):
        if lane is None:
            rows = self._db.execute(
                "SELECT seq, node, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        else:
            rows = self._db.execute(
                "SELECT seq, node, body FROM outbox WHERE lane = ? AND seq > ? ORDER BY seq LIMIT ?",
                (lane, after, limit),
            ).fetchall()
        out = []
        total = 0
        for seq, node, body in rows:
            if out and max_bytes and total + len(body) > max_bytes:
                break
            total += len(body)
            envelope = json.loads(body)
            envelope["key"] = self.key(node, seq)
            logs = message_log_envelopes(envelope) if not derived_log and "log" in envelope else ()
            if json_text:
                envelope = encode_json(envelope)
                logs = tuple(encode_json(log) for log in logs)
            elif self.b64 == "always" or needs_b64(body):
                encode_b64(envelope)
                logs = tuple(encode_b64(log) for log in logs)
            out.append(Row(seq, envelope, len(body), logs))
        return out

    async def ack(self, rows) -> int:
        """Delete rows (``Row``: seq, envelope, size) Odoo acknowledged; returns how many."""
        if not rows:
            return 0
        removed = await self._run(self._delete, [row[0] for row in rows])
        self.depth = max(0, self.depth - removed)
        self.bytes = max(0, self.bytes - sum(row[2] for row in rows))
        self._update_level()
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

    async def bury(self, row, error: str) -> None:
        """Move one event Odoo cannot take to the dead_letter table (kept for review and
        ``python -m ocpp_bridge --requeue-dead-letters``)."""
        moved = await self._run(self._bury, row[0], error)
        if moved:
            self.depth = max(0, self.depth - 1)
            self.bytes = max(0, self.bytes - row[2])
            self.dead += 1
            self._update_level()

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

    async def requeue_dead_letters(self) -> int:
        """Put every dead letter back in the outbox with its seq (hence its key)."""
        moved = await self._run(self._requeue)
        if moved:
            await self._run(self._recount)
            self._update_level()
            for event in self.changed:
                event.set()
        return moved

    def _requeue(self):
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute("SELECT seq, node, body FROM dead_letter").fetchall()
            for seq, node, body in rows:
                charger = str(json.loads(body).get("charger") or "")
                db.execute(
                    "INSERT OR IGNORE INTO outbox(seq, node, body, charger, lane) VALUES (?, ?, ?, ?, ?)",
                    (seq, node, body, charger, self.lane_of(charger)),
                )
            db.execute("DELETE FROM dead_letter")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(rows)

    def _recount(self):
        self.depth, self.bytes = self._db.execute(
            "SELECT count(*), coalesce(sum(length(body)), 0) FROM outbox"
        ).fetchone()
        self.dead = self._db.execute("SELECT count(*) FROM dead_letter").fetchone()[0]
