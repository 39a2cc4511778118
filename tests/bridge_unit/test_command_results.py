"""Contract I, the bridge side: command answers reach Odoo together (``bridge_results``) when they
come while a report is in flight; one by one to an older Odoo or when Odoo faults a whole call."""

import asyncio
import logging

from bridge_helpers import charger, run, running_bridge, station
from ocpp.routing import on
from ocpp.v201 import ChargePoint as LibCP201
from ocpp.v201 import call
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from ocpp_bridge.metrics import Metrics
from ocpp_bridge.reporter import ResultReporter

BOOT = call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp")


def reporter_for(odoo, **kw):
    async def features():
        return await odoo.features()

    async def no_sleep(_seconds):
        return None

    return ResultReporter(odoo, features, sleep=no_sleep, **kw)


async def report_while_first_in_flight(reporter, items, settle=0.02):
    """Report ``items[0]`` ((id, state, result)), then the others while its call is in flight; returns
    whether each was recorded, in order, and closes the reporter."""
    first = asyncio.ensure_future(reporter.report(*items[0]))
    await asyncio.sleep(settle)
    answers = await asyncio.gather(first, *(reporter.report(*item) for item in items[1:]))
    await reporter.close()
    return answers


def test_answers_that_come_during_a_report_go_together(odoo):
    odoo.command_results_offered = True
    odoo.results_delay = 0.2

    items = [(1, "accepted", {"status": "Accepted"})] + [(i, "accepted", {}) for i in range(2, 7)]
    assert run(report_while_first_in_flight(reporter_for(odoo), items, settle=0.05)) == [True] * 6
    assert odoo.results_calls == [[1], [2, 3, 4, 5, 6]]
    assert [r[0] for r in odoo.results] == [1, 2, 3, 4, 5, 6]


def test_batches_are_bounded(odoo):
    odoo.command_results_offered = True
    odoo.results_delay = 0.1

    items = [(0, "accepted", {})] + [(i, "failed", {"error": "x"}) for i in range(1, 8)]
    assert run(report_while_first_in_flight(reporter_for(odoo, batch_max=3), items)) == [True] * 8
    assert odoo.results_calls == [[0], [1, 2, 3], [4, 5, 6], [7]]


def test_an_item_odoo_cannot_record_is_dropped_alone(odoo, caplog):
    odoo.command_results_offered = True
    odoo.results_delay = 0.1

    items = [(1, "accepted", {}), (2, "maybe", {}), (3, "rejected", {})]
    with caplog.at_level(logging.WARNING, "ocpp_bridge.commands"):
        assert run(report_while_first_in_flight(reporter_for(odoo), items)) == [True, False, True]
    assert [r[0] for r in odoo.results] == [1, 3]
    assert "Odoo did not record command 2 result: got 'maybe'" in caplog.text


def test_a_faulted_call_is_reported_one_by_one(odoo, caplog):
    """One answer Odoo refuses must not hold the answers reported with it."""
    odoo.command_results_offered = True
    odoo.results_delay = 0.1
    odoo.results_fault_ids = {3}

    items = [(i, "accepted", {}) for i in (1, 2, 3, 4)]
    with caplog.at_level(logging.WARNING, "ocpp_bridge.commands"):
        assert run(report_while_first_in_flight(reporter_for(odoo), items)) == [True, True, False, True]
    assert odoo.results_calls == [[1], [2, 3, 4]]
    assert sorted(r[0] for r in odoo.results) == [1, 2, 4]
    assert "reporting them one by one" in caplog.text
    assert "giving up reporting command 3" in caplog.text


def test_odoo_unreachable_is_tried_again_then_given_up(odoo, caplog):
    odoo.command_results_offered = True

    async def scenario():
        reporter = reporter_for(odoo, attempts=3)
        odoo.results_down = 2
        assert await reporter.report(1, "accepted", {}) is True, "third attempt"
        odoo.results_down = 3
        assert await reporter.report(2, "accepted", {}) is False
        await reporter.close()

    with caplog.at_level(logging.WARNING, "ocpp_bridge.commands"):
        run(scenario())
    assert odoo.results_calls == [[1], [1], [1], [2], [2], [2]]
    assert odoo.results == [(1, "accepted", {})]
    assert "giving up reporting command 2" in caplog.text


def test_older_odoo_gets_one_bridge_result_each(odoo):
    metrics = Metrics()

    async def scenario():
        reporter = reporter_for(odoo, metrics=metrics)
        answers = await asyncio.gather(*(reporter.report(i, "accepted", {}) for i in (1, 2, 3)))
        await reporter.close()
        return answers

    assert run(scenario()) == [True, True, True]
    reports = {
        method: metrics.registry.get_sample_value("ocpp_bridge_command_reports_total", {"method": method}) or 0
        for method in ("bridge_result", "bridge_results")
    }
    assert reports == {"bridge_result": 3, "bridge_results": 0}
    assert odoo.results_calls == [] and [r[0] for r in odoo.results] == [1, 2, 3]


class SlowCharger201(LibCP201):
    @on(Action201.cost_updated)
    async def on_cost(self, total_cost, transaction_id, **kw):
        return result201.CostUpdated()


def test_cost_updated_answers_of_many_chargers_share_calls(tmp_path, odoo):
    """Over real websockets: 20 chargers answer the CostUpdated Odoo queued for each; the answers
    reach Odoo in fewer calls than answers, every one recorded."""
    odoo.command_results_offered = True
    odoo.results_delay = 0.05
    identities = [f"CP{i}" for i in range(20)]
    for identity in identities:
        odoo.chargers[identity] = station(identity)

    async def scenario():
        async with running_bridge(tmp_path, odoo, command_poll_interval=0) as bridge:
            async with asyncio.TaskGroup() as group:
                stop = asyncio.Event()
                connected = []

                async def one(identity):
                    async with charger(bridge, identity, cls=SlowCharger201) as cp:
                        await cp.call(BOOT)
                        connected.append(identity)
                        await stop.wait()

                for identity in identities:
                    group.create_task(one(identity))
                await odoo.wait_for(lambda: len(connected) == 20 and bridge.outbox.depth == 0)
                await asyncio.sleep(0.3)  # the connect-time pulls are done
                for n, identity in enumerate(identities):
                    odoo.queued.append(
                        {
                            "id": 100 + n,
                            "charger": identity,
                            "action": "CostUpdated",
                            "params": {"totalCost": 1.0 + n, "transactionId": f"T{n}"},
                        }
                    )
                await bridge.command_runner.pull(identities)
                await odoo.wait_for(lambda: len(odoo.results) == 20)
                stop.set()

    run(scenario())
    assert sorted(r[0] for r in odoo.results) == list(range(100, 120))
    assert {r[1] for r in odoo.results} == {"accepted"}
    # shared: fewer calls than answers (all of them in one call when they all came before the first report)
    assert len(odoo.results_calls) < 20, odoo.results_calls
    assert sorted(i for ids in odoo.results_calls for i in ids) == list(range(100, 120)), "each answer sent once"


def test_closing_answers_the_waiters_of_a_report_in_flight(odoo):
    """A node stopping while a report is in flight: its waiters learn it was not recorded (no hang)."""
    odoo.command_results_offered = True
    odoo.results_delay = 5.0

    async def scenario():
        reporter = reporter_for(odoo)
        in_flight = asyncio.ensure_future(reporter.report(1, "accepted", {}))
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(reporter.report(2, "accepted", {}))
        await asyncio.sleep(0)
        await reporter.close()
        return await asyncio.wait_for(asyncio.gather(in_flight, waiting), 1.0)

    assert run(scenario()) == [False, False]
    assert odoo.results == []
