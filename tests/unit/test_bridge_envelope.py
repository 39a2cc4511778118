"""Contract A decoding (addons/ev_charging/lib/ev_bridge_envelope.py): golden cases, no Odoo."""

import base64
import json

import ev_bridge_envelope as env
import ev_ocpp_limits as limits
import pytest

CAP = 2 * 1024 * 1024


def b64(obj, raw=None):
    return base64.b64encode(raw if raw is not None else json.dumps(obj).encode()).decode()


def nested(levels):
    value = 1
    for _i in range(levels):
        value = {"a": value}
    return value


def test_roundtrip_restores_payload_response_meta():
    event = {
        "key": "n:e1:1",
        "charger": "CP",
        "action": "DataTransfer",
        "b64": b64({"payload": {"data": "\x01\x1f\r"}, "response": {"status": "Accepted"}, "meta": {"x": 1}}),
    }
    out, reason, _chars = env.decode_envelope(event, CAP, 32)
    assert reason is None
    assert out == {
        "key": "n:e1:1",
        "charger": "CP",
        "action": "DataTransfer",
        "payload": {"data": "\x01\x1f\r"},
        "response": {"status": "Accepted"},
        "meta": {"x": 1},
    }


def test_payload_defaults_to_empty_object():
    out, reason, _chars = env.decode_envelope({"key": "k", "b64": b64({"meta": {"a": 1}})}, CAP, 32)
    assert (reason, out["payload"], out["meta"]) == (None, {}, {"a": 1})


@pytest.mark.parametrize(
    "value, expected",
    [
        ("%%%", "not valid base64"),
        (b64(None, raw=b"\xff\xfe"), "not UTF-8 JSON"),
        (b64(None, raw=b"{NaN}"), "not UTF-8 JSON"),
        (b64([1]), "an object with payload"),
        (b64({"payload": 1}), "payload must be an object"),
        (b64({"meta": []}), "meta must be an object"),
        (b64({"other": {}}), "an object with payload"),
        (b64({"payload": nested(33)}), "payload nests deeper than 32"),
        (b64({"payload": {"d": "x" * 100}}, raw=None), None),
        (123, "must be a string"),
    ],
)
def test_refusals(value, expected):
    _out, reason, _chars = env.decode_envelope({"key": "k", "b64": value}, CAP, 32)
    if expected is None:
        assert reason is None
    else:
        assert expected in reason


def test_depth_limit_is_inclusive_and_counted_per_key():
    ok = {"payload": nested(32), "meta": nested(32)}
    assert env.decode(b64(ok), CAP, 32)[1] is None
    assert not limits.depth_over(nested(32), 32) and limits.depth_over(nested(33), 32)
    assert not limits.depth_over(1, 0) and limits.depth_over([], 0)


def test_deep_json_beyond_the_recursion_limit_is_refused_not_raised():
    deep = "[" * 100000 + "]" * 100000
    inner, reason, _chars = env.decode(b64(None, raw=f'{{"payload": {{"a": {deep}}}}}'.encode()), CAP, 32)
    assert inner is None and "deeper" in reason


def test_size_cap_before_and_after_decoding():
    big = b64({"payload": {"d": "x" * 200}})
    assert "per-event cap" in env.decode(big, 100, 32)[1]
    assert env.decode(big, 1000, 32)[1] is None


def test_top_level_keys_with_b64_refused():
    _out, reason, _chars = env.decode_envelope({"key": "k", "payload": {}, "b64": b64({"payload": {}})}, CAP, 32)
    assert "must not carry payload" in reason


def test_nul_and_lone_surrogates_replaced_original_kept():
    original = {"payload": {"a\x00": "x\x00y", "s": "\ud800z", "ok": "\U0001f600"}}
    text = json.dumps(original)  # ensure_ascii: \u0000 and \ud800 escapes
    value = base64.b64encode(text.encode()).decode()
    inner, reason, _chars = env.decode(value, CAP, 32)
    assert reason is None
    assert inner["payload"] == {"a\ufffd": "x\ufffdy", "s": "\ufffdz", "ok": "\U0001f600"}
    assert inner["meta"]["lossless_b64"] == value
    assert json.loads(base64.b64decode(inner["meta"]["lossless_b64"]).decode("utf-8", "surrogatepass")) == original


def test_raw_lone_surrogate_in_the_utf8_is_replaced_too():
    # not escaped in the JSON but written raw (UTF-8 with surrogatepass, which the decoder accepts)
    original = {"payload": {"s": "\ud800z"}}
    value = base64.b64encode(json.dumps(original, ensure_ascii=False).encode("utf-8", "surrogatepass")).decode()
    inner, reason, _chars = env.decode(value, CAP, 32)
    assert reason is None
    assert inner["payload"] == {"s": "\ufffdz"}
    assert inner["meta"]["lossless_b64"] == value


def test_paired_surrogates_are_not_touched():
    inner, reason, _chars = env.decode(b64({"payload": {"e": "\U0001f600"}}), CAP, 32)
    assert reason is None and inner == {"payload": {"e": "\U0001f600"}}


def test_the_decoded_size_screens_a_storable_envelope_without_dumping_it(monkeypatch):
    """decode_envelope gives the length of the JSON it decoded when that is storable as it is:
    ev_ocpp_limits.screen then needs no dump of the parts (and gives the same answer as with one)."""
    event = {"key": "k", "charger": "CP-1", "action": "DataTransfer", "b64": b64({"payload": {"vendorId": "V"}})}
    out, reason, chars = env.decode_envelope(event, CAP, 32)
    assert reason is None and chars == len(json.dumps({"payload": {"vendorId": "V"}}))
    assert limits.screen(out) == limits.screen(out, chars) == (None, False)
    monkeypatch.setattr(limits.json, "dumps", lambda *a, **k: pytest.fail("dumped"))
    assert limits.screen(out, chars) == (None, False)
    monkeypatch.undo()
    # sanitized on decoding (meta grows by the original b64): no size given, screened the usual way
    _out, _reason, sanitized = env.decode_envelope(dict(event, b64=b64({"payload": {"s": "a\x00"}})), CAP, 32)
    assert sanitized is None


def test_a_decoded_size_too_large_to_vouch_for_is_screened_by_the_dump():
    """Numbers written short grow when written again ("1e15" is 1000000000000000.0): a JSON text over
    MAX_EVENT_CHARS / MAX_JSON_GROWTH gets the exact check, which refuses what is over the limit."""
    numbers = "[" + ",".join(["1e15"] * (limits.MAX_EVENT_CHARS // 15)) + "]"
    text = '{"payload": {"data": ' + numbers + "}}"
    raw = base64.b64encode(text.encode()).decode()
    out, reason, chars = env.decode_envelope({"key": "k", "charger": "C", "action": "A", "b64": raw}, CAP, 32)
    assert reason is None and chars == len(text) < limits.MAX_EVENT_CHARS
    problem, _unstorable = limits.screen(out, chars)
    assert problem and f"at most {limits.MAX_EVENT_CHARS}" in problem


# --- contract J: the envelope's JSON text ("json") -----------------------------------------------
def json_envelope(inner, **outer):
    return {"key": "k", "charger": "CP", "action": "TransactionEvent", **outer, "json": json.dumps(inner)}


def test_json_text_restores_every_key_but_key_charger_action():
    inner = {
        "payload": {"seqNo": 2**40, "data": "\x01\r"},
        "response": {},
        "meta": None,
        "version": "2.0.1",
        "ts": "2026-12-01T06:00:00.123Z",
        "message_id": "m-1",
        "log": {"result_ts": "2026-12-01T06:00:00.125Z"},
    }
    out, reason, chars = env.decode_json_envelope(json_envelope(inner), CAP, 32)
    assert reason is None and chars == len(json.dumps(inner))
    assert out == {"key": "k", "charger": "CP", "action": "TransactionEvent", **inner}


def test_json_text_payload_defaults_to_empty_object():
    out, reason, _chars = env.decode_json_envelope(json_envelope({"ts": "2026-12-01T06:00:00Z"}), CAP, 32)
    assert (reason, out["payload"]) == (None, {})


@pytest.mark.parametrize(
    "event, expected",
    [
        ({"key": "k", "json": 5}, "json must be a string"),
        ({"key": "k", "json": '{"payload": {'}, "json is not valid JSON"),
        ({"key": "k", "json": "NaN"}, "json is not valid JSON"),
        ({"key": "k", "json": "[1]"}, "an object with payload"),
        (json_envelope({"charger": "OTHER"}), "an object with payload"),
        (json_envelope({"b64": "e30="}), "an object with payload"),
        (json_envelope({"payload": 1}), "json: payload must be an object"),
        (json_envelope({"log": {}, "meta": []}), "json: meta must be an object"),
        (json_envelope({"payload": nested(33)}), "json: payload nests deeper than 32"),
        (json_envelope({}, payload={}), "must carry its other keys in it"),
        (json_envelope({}, b64="e30="), "must carry its other keys in it"),
        (json_envelope({"payload": {"d": "x" * 200}}), None),
    ],
)
def test_json_text_refusals(event, expected):
    out, reason, chars = env.decode_json_envelope(event, CAP, 32)
    if expected is None:
        assert reason is None and chars
    else:
        assert expected in reason and out is event and chars is None


def test_json_text_size_cap():
    event = json_envelope({"payload": {"d": "x" * 200}})
    assert "per-event cap" in env.decode_json_envelope(event, 100, 32)[1]
    assert env.decode_json_envelope(event, 1000, 32)[1] is None
    # counted in bytes of UTF-8 when the text is not ASCII: 300 characters of 2 bytes each
    wide = {"key": "k", "json": json.dumps({"payload": {"d": "é" * 300}}, ensure_ascii=False)}
    assert len(wide["json"]) < 400 < len(wide["json"].encode())
    assert "per-event cap" in env.decode_json_envelope(wide, 400, 32)[1]
    assert env.decode_json_envelope(wide, 1000, 32)[1] is None


def test_json_text_nul_and_lone_surrogates_replaced_original_kept():
    original = {"payload": {"a\x00": "x\x00y", "s": "\ud800z"}, "meta": {"m": 1}}
    event = json_envelope(original)
    out, reason, chars = env.decode_json_envelope(event, CAP, 32)
    assert reason is None and chars is None, "sanitized: no size to vouch for"
    assert out["payload"] == {"a\ufffd": "x\ufffdy", "s": "\ufffdz"}
    assert out["meta"]["m"] == 1 and out["meta"]["lossless_json"] == event["json"]
    assert json.loads(out["meta"]["lossless_json"]) == original
