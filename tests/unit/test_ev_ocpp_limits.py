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


def test_screen_agrees_with_the_exact_checks():
    """screen() answers from one escaped dump; it must never clear what the walks would refuse."""
    ok = {"key": "k", "charger": "CP-1", "action": "Heartbeat", "payload": {}}
    assert limits.screen(ok) == (None, False)
    # brackets inside strings only make it walk: still exact
    assert limits.screen(dict(ok, payload={"s": "[" * 100 + "{" * 100})) == (None, False)
    assert "deeper than 32" in limits.screen(dict(ok, response=nested(33)))[0]
    assert limits.screen(dict(ok, payload=nested(32)))[0] is None
    assert "deeper than 32" in limits.screen(dict(ok, payload=nested(5000)))[0], "beyond the C encoder's recursion"
    # non-ASCII characters are 6 escaped characters but count 1
    wide = dict(ok, payload={"data": "é" * (limits.MAX_EVENT_CHARS - 40)})
    assert limits.screen(wide)[0] is None
    assert "at most" in limits.screen(dict(ok, payload={"data": "é" * limits.MAX_EVENT_CHARS}))[0]
    for dirty in ({"a": "b\x00"}, {"k\ud800": 1}, {"a": ["\udfff"]}):
        assert limits.screen(dict(ok, meta=dirty)) == (None, True)
        assert limits.has_unstorable(dirty)
    # a valid pair or a backslash text only sends it to the exact check, which clears it
    for clean in ({"a": "\U0001f600"}, {"a": "\\u0000 is text"}):
        assert limits.screen(dict(ok, payload=clean)) == (None, True)
        assert not limits.has_unstorable(clean)


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
