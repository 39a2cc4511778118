"""ev_charging/lib/ev_ocpp_limits.py: what makes one event rejected on its own."""

import ev_ocpp_limits as limits


def nested(levels):
    root = node = {}
    for _ in range(levels - 1):
        node["x"] = {}
        node = node["x"]
    return root


def test_depth():
    assert not limits.depth_over(nested(32), 32)
    assert limits.depth_over(nested(33), 32)
    assert limits.depth_over(nested(5000), 32)  # iterative: no RecursionError
    assert not limits.depth_over([[1], {"a": [2]}], 3)
    assert limits.depth_over([[[["deep"]]]], 3)


def test_envelope_problems():
    ok = {"key": "k", "charger": "CP-1", "action": "Heartbeat", "payload": {}}
    assert limits.envelope_problem(ok) is None
    assert "'action' is 65 characters" in limits.envelope_problem(dict(ok, action="A" * 65))
    assert "'charger' is 65 characters" in limits.envelope_problem(dict(ok, charger="C" * 65))
    assert "'message_id' must be a string" in limits.envelope_problem(dict(ok, message_id=12))
    assert limits.envelope_problem(dict(ok, message_id=False)) is None
    assert "deeper than 32" in limits.envelope_problem(dict(ok, payload=nested(33)))
    assert "deeper than 32" in limits.envelope_problem(dict(ok, meta=nested(40)))
    assert limits.envelope_problem(dict(ok, payload=nested(32))) is None
    big = dict(ok, payload={"data": "x" * limits.MAX_EVENT_CHARS})
    assert f"at most {limits.MAX_EVENT_CHARS}" in limits.envelope_problem(big)


def test_storable_replaces_what_postgresql_refuses():
    clean = {"a": ["b", 1, None], "c": {"d": "e"}}
    assert limits.storable(clean) is clean
    assert not limits.has_unstorable(clean)
    dirty = {"a": ["b\x00", 1], "k\ud800": {"d": "e\udfff"}}
    assert limits.has_unstorable(dirty)
    assert limits.storable(dirty) == {"a": ["b\ufffd", 1], "k\ufffd": {"d": "e\ufffd"}}
    assert limits.storable("ok \U0001f600") == "ok \U0001f600"  # a valid pair is kept


def test_shorten():
    assert limits.shorten("abc") == "abc"
    assert limits.shorten("x" * 100) == "x" * 64 + "... (100 characters)"
