"""A node's last_seen (models/ev_bridge_node.py): moved at most once a minute, and never waiting for nor
conflicting with another transaction of the same node (its outbox lanes ingest in parallel)."""

from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import get_db_name

T0 = datetime(2026, 11, 30, 12, 0, 0)


@tagged("post_install", "-at_install")
class TestBridgeNodeLastSeen(TransactionCase):
    @classmethod
    def setUpClass(cls):
        # another connection (another lane's transactions) commits a node before this class's
        # transaction takes its snapshot, so both see it
        cls.other = sql_db.db_connect(get_db_name()).cursor()
        cls.other.execute(
            "INSERT INTO ev_bridge_node (name, active, last_seen) VALUES ('test-node-lanes', true, %s) RETURNING id",
            (T0,),
        )
        cls.node_id = cls.other.fetchone()[0]
        cls.other.commit()
        cls.addClassCleanup(cls._remove_node)
        super().setUpClass()

    @classmethod
    def _remove_node(cls):
        cls.other.rollback()
        cls.other.execute("DELETE FROM ev_bridge_node WHERE id = %s", (cls.node_id,))
        cls.other.commit()
        cls.other.close()

    def tearDown(self):
        self.other.rollback()  # the other lane's uncommitted work ends with the test
        super().tearDown()

    def test_moves_once_a_minute(self):
        node = self.env["ev.bridge.node"].create({"name": "test-node-minute"})
        node._seen(T0)
        self.assertEqual(node.last_seen, T0)
        node._seen(T0 + timedelta(seconds=59))
        self.assertEqual(node.last_seen, T0, "less than a minute later: unchanged")
        node._seen(T0 + timedelta(seconds=61))
        node.flush_recordset()
        self.env.cr.execute("SELECT last_seen FROM ev_bridge_node WHERE id = %s", (node.id,))
        self.assertEqual(self.env.cr.fetchone()[0], T0 + timedelta(seconds=61))

    def test_row_held_by_another_batch_is_left_to_it(self):
        node = self.env["ev.bridge.node"].browse(self.node_id)
        self.assertEqual(node.last_seen, T0)
        # another lane's batch holds the row (not committed yet)
        self.other.execute(
            "UPDATE ev_bridge_node SET last_seen = %s WHERE id = %s", (T0 + timedelta(minutes=5), node.id)
        )
        node._seen(T0 + timedelta(minutes=3))  # returns at once: no lock wait
        self.env.flush_all()  # nothing pending on the row: the flush does not wait either
        self.assertEqual(node.last_seen, T0, "left to the batch that holds it")

    def test_row_moved_by_a_batch_committed_meanwhile_is_left_to_it(self):
        node = self.env["ev.bridge.node"].browse(self.node_id)
        self.assertEqual(node.last_seen, T0)  # read in this transaction's snapshot
        self.other.execute(
            "UPDATE ev_bridge_node SET last_seen = %s WHERE id = %s", (T0 + timedelta(minutes=5), node.id)
        )
        self.other.commit()
        self.addCleanup(self._reset_node)
        node._seen(T0 + timedelta(minutes=3))  # no serialization failure raised, the batch goes on
        self.env.flush_all()
        self.env.cr.execute("SELECT 1")  # the transaction is still usable
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        self.assertEqual(node.last_seen, T0, "left to the batch that moved it")

    def _reset_node(self):
        self.other.execute("UPDATE ev_bridge_node SET last_seen = %s WHERE id = %s", (T0, self.node_id))
        self.other.commit()


@tagged("post_install", "-at_install")
class TestBridgePullSideBySide(TransactionCase):
    """Two pulls of the same node at once (an outbox lane's ingest_and_pull and a wake-up pull) may find
    the same queued command: it is handed over once, by whichever locks it; the other pull neither waits
    nor fails to serialize (the whole batch retried, an ERROR logged - as the benchmark showed)."""

    @classmethod
    def setUpClass(cls):
        # the charger and its queued commands are committed by another connection (the other pull's)
        cls.other = sql_db.db_connect(get_db_name()).cursor()
        other_env = api.Environment(cls.other, SUPERUSER_ID, {})
        site = other_env["ev.site"].create({"name": "Pull lanes site", "tz": "UTC"})
        charger = other_env["ev.charger"].create({"identity": "T-PULL-LANES", "site_id": site.id})
        commands = other_env["ev.charger.command"].create(
            [{"charger_id": charger.id, "action": "ClearCache", "params": {}} for _i in range(3)]
        )
        cls.site_id, cls.charger_id, cls.command_ids = site.id, charger.id, commands.ids
        cls.other.commit()
        cls.addClassCleanup(cls._remove_rows)
        super().setUpClass()
        cls.bridge = cls.env["res.users"].create(
            {
                "name": "Bridge pull lanes",
                "login": "bridge-pull-lanes",
                "groups_id": [(6, 0, [cls.env.ref("ev_charging.group_ev_bridge").id])],
            }
        )

    @classmethod
    def _remove_rows(cls):
        cls.other.rollback()
        other_env = api.Environment(cls.other, SUPERUSER_ID, {})
        other_env["ev.charger.command"].browse(cls.command_ids).unlink()
        other_env["ev.charger"].browse(cls.charger_id).unlink()
        other_env["ev.site"].browse(cls.site_id).unlink()
        cls.other.commit()
        cls.other.close()

    def tearDown(self):
        self.other.rollback()
        super().tearDown()

    def pull(self):
        self.env.cr.execute("SET LOCAL lock_timeout = '5s'")  # a pull that waits fails here instead of hanging
        return self.env["ev.charger.command"].with_user(self.bridge).bridge_pull("node-lanes", ["T-PULL-LANES"])

    def test_a_command_another_pull_holds_is_left_to_it(self):
        first, second, third = self.command_ids
        # another pull has taken the second command and not committed yet
        self.other.execute("UPDATE ev_charger_command SET state = 'sent' WHERE id = %s", (second,))
        pulled = self.pull()  # returns at once: no lock wait
        self.assertEqual([c["id"] for c in pulled], [first, third])
        self.env.flush_all()
        self.assertEqual(self.env["ev.charger.command"].browse(second).state, "queued", "as this snapshot saw it")

    def test_a_command_handed_over_meanwhile_is_not_handed_over_again(self):
        first = self.command_ids[0]
        self.assertEqual(self.env["ev.charger.command"].browse(first).state, "queued")  # the snapshot is taken
        # another pull handed the first command over and committed since
        self.other.execute("UPDATE ev_charger_command SET state = 'sent' WHERE id = %s", (first,))
        self.other.commit()
        self.addCleanup(self._requeue)
        self.assertEqual(self.pull(), [], "left for the next pull; no serialization failure raised")
        self.env.cr.execute("SELECT 1")  # the transaction is still usable
        self.assertEqual(self.env.cr.fetchone()[0], 1)

    def _requeue(self):
        self.other.execute("UPDATE ev_charger_command SET state = 'queued' WHERE charger_id = %s", (self.charger_id,))
        self.other.commit()
