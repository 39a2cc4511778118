"""ev_charging/lib/ev_local_list.py: the local authorisation list built from tokens, full and
differential updates, versions."""

import ev_local_list as ll
import pytest

A = ll.Entry("CARD-A", "ISO14443", "Accepted", "2027-01-01T00:00:00Z", "FLEET-1")
B = ll.Entry("CARD-B", "ISO14443", "Accepted")
C = ll.Entry("KEY-C", "KeyCode", "Blocked")


def test_build_keys_per_version():
    snap201, skipped = ll.build([A, B, C], "2.0.1")
    assert list(snap201) == ["ISO14443:CARD-A", "ISO14443:CARD-B", "KeyCode:KEY-C"] and skipped == []
    snap16, skipped = ll.build([A, B, C], "1.6")
    assert list(snap16) == ["CARD-A", "CARD-B", "KEY-C"] and skipped == []
    assert snap16["CARD-A"] == {
        "value": "CARD-A",
        "token_type": "ISO14443",
        "status": "Accepted",
        "expiry": "2027-01-01T00:00:00Z",
        "group": "FLEET-1",
    }


def test_16_leaves_out_long_tags_and_same_value_of_another_type():
    long_tag = ll.Entry("X" * 21, "ISO14443", "Accepted")
    twin = ll.Entry("CARD-A", "KeyCode", "Accepted")
    snap, skipped = ll.build([A, long_tag, twin], "1.6")
    assert list(snap) == ["CARD-A"]
    assert [value for value, _why in skipped] == ["X" * 21, "CARD-A"]
    assert "longer than 20" in skipped[0][1] and "same value" in skipped[1][1]
    # 2.0.1 tells the two apart by type and takes tokens up to 36 characters
    snap, skipped = ll.build([A, long_tag, twin], "2.0.1")
    assert len(snap) == 3 and skipped == []
    snap, skipped = ll.build([ll.Entry("Y" * 37, "Central", "Accepted")], "2.0.1")
    assert snap == {} and "longer than 36" in skipped[0][1]


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="status 'Maybe'"):
        ll.build([ll.Entry("Z", "ISO14443", "Maybe")], "2.0.1")
    assert ll.build([ll.Entry("Z", "ISO14443", "NoCredit")], "2.0.1")[0]["ISO14443:Z"]["status"] == "NoCredit"


def test_diff_changed_new_and_removed():
    before, _ = ll.build([A, B, C], "2.0.1")
    blocked_b = ll.Entry("CARD-B", "ISO14443", "Blocked")
    new_d = ll.Entry("CARD-D", "ISO14443", "Accepted")
    after, _ = ll.build([A, blocked_b, new_d], "2.0.1")
    changed, removed = ll.diff(before, after)
    assert [e["value"] for e in changed] == ["CARD-B", "CARD-D"]
    assert changed[0]["status"] == "Blocked"
    assert [e["value"] for e in removed] == ["KEY-C"]
    assert ll.diff(after, after) == ([], [])
    assert ll.diff({}, after)[0] == [after[k] for k in sorted(after)]


def test_apply_full_and_differential():
    before, _ = ll.build([A, B, C], "1.6")
    after, _ = ll.build([A, ll.Entry("CARD-B", "ISO14443", "Expired")], "1.6")
    changed, removed = ll.diff(before, after)
    assert ll.apply(before, ll.DIFFERENTIAL, changed, removed, "1.6") == after
    assert ll.apply(before, ll.FULL, list(after.values()), [], "1.6") == after
    assert ll.apply(before, ll.FULL, [], [], "1.6") == {}


def test_params_generic_shape():
    snap, _ = ll.build([A, C], "2.0.1")
    changed, removed = list(snap.values())[:1], list(snap.values())[1:]
    assert ll.params(4, ll.DIFFERENTIAL, changed, removed) == {
        "versionNumber": 4,
        "updateType": "Differential",
        "localAuthorizationList": [
            {
                "idToken": {"idToken": "CARD-A", "type": "ISO14443"},
                "idTokenInfo": {
                    "status": "Accepted",
                    "cacheExpiryDateTime": "2027-01-01T00:00:00Z",
                    "groupIdToken": {"idToken": "FLEET-1", "type": "Central"},
                },
            },
            {"idToken": {"idToken": "KEY-C", "type": "KeyCode"}},
        ],
    }
    assert ll.params(1, ll.FULL, [], []) == {"versionNumber": 1, "updateType": "Full", "localAuthorizationList": []}
    with pytest.raises(ValueError, match="no removed"):
        ll.params(2, ll.FULL, [], removed)
    with pytest.raises(ValueError, match="positive"):
        ll.params(0, ll.FULL, [], [])
    with pytest.raises(ValueError, match="Full or Differential"):
        ll.params(1, "Partial", [], [])


def test_versions():
    assert ll.next_version() == 1
    assert ll.next_version(3, None, 7, -1) == 8
    assert ll.next_version(-1) == 1
    assert ll.reported_version({"versionNumber": 5}, "2.0.1") == 5
    assert ll.reported_version({"listVersion": -1}, "1.6") == -1
    with pytest.raises(ValueError):
        ll.reported_version({"versionNumber": 5}, "1.6")
    with pytest.raises(ValueError):
        ll.reported_version({"versionNumber": True}, "2.0.1")
