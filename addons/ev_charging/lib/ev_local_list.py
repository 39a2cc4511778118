"""The local authorisation list of a station (pure: no Odoo import).

Odoo builds the list a station should hold from its id tokens (``Entry``), compares it with the
list the station last acknowledged (a *snapshot*: ``{key: entry dict}``) and sends either the whole
list (``Full``) or only what changed (``Differential``: changed entries, and removed ones without
their info). Payloads use the generic (OCPP 2.0.1) shape; the bridge translates them for 1.6
stations (idTag / idTagInfo / listVersion).

Rules:

* a token becomes one entry: its value, type, status (what Odoo would answer the station for it
  online: Accepted, Blocked, Expired, Invalid, NoCredit...), expiry and group (``groupIdToken`` /
  1.6 ``parentIdTag``);
* a 1.6 station keys its list by idTag alone (at most 20 characters): a longer token is left out,
  and of two tokens with one value only the first is kept; both are reported as skipped;
* a differential update carries the entries whose content changed and, for a token no longer in
  the list, its id without info (the station deletes it);
* version numbers only grow: the next one is above every version sent or reported (1.6 -1 means
  "no local list support" and counts as 0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

FULL = "Full"
DIFFERENTIAL = "Differential"
#: 1.6 idTag is CiString20
MAX_TAG_16 = 20
#: 2.0.1 idToken is identifierString 36
MAX_TOKEN_201 = 36
#: 2.0.1 AuthorizationStatusEnumType (the bridge maps what 1.6 lacks, e.g. NoCredit, to Invalid)
STATUSES = (
    "Accepted",
    "Blocked",
    "ConcurrentTx",
    "Expired",
    "Invalid",
    "NoCredit",
    "NotAllowedTypeEVSE",
    "NotAtThisLocation",
    "NotAtThisTime",
    "Unknown",
)


@dataclass(frozen=True)
class Entry:
    value: str
    token_type: str
    status: str
    expiry: str | None = None  # ISO 8601 UTC
    group: str | None = None

    def key(self, version: str) -> str:
        """What the station identifies the entry by: 1.6 the idTag, 2.0.1 the token and its type."""
        return self.value if version == "1.6" else f"{self.token_type}:{self.value}"


def build(entries: list[Entry], version: str) -> tuple[dict, list[tuple[str, str]]]:
    """``({key: entry dict}, [(token value, why it was left out)])`` of the list for a station of
    ``version``, in the order given."""
    snapshot, skipped = {}, []
    limit = MAX_TAG_16 if version == "1.6" else MAX_TOKEN_201
    for entry in entries:
        if entry.status not in STATUSES:
            raise ValueError(f"token {entry.value!r}: status {entry.status!r} is not one of {', '.join(STATUSES)}")
        if len(entry.value) > limit:
            skipped.append((entry.value, f"longer than {limit} characters (OCPP {version})"))
            continue
        key = entry.key(version)
        if key in snapshot:
            skipped.append((entry.value, "another token has the same value (OCPP 1.6 idTags carry no type)"))
            continue
        snapshot[key] = asdict(entry)
    return snapshot, skipped


def diff(previous: dict, current: dict) -> tuple[list[dict], list[dict]]:
    """``(changed or new entries, removed entries)`` between two snapshots, in key order."""
    changed = [current[k] for k in sorted(current) if previous.get(k) != current[k]]
    removed = [previous[k] for k in sorted(previous) if k not in current]
    return changed, removed


def apply(snapshot: dict, update_type: str, changed: list[dict], removed: list[dict], version: str) -> dict:
    """The list a station holds after accepting an update (the next differential starts from it)."""
    result = {} if update_type == FULL else dict(snapshot)
    for entry in removed:
        result.pop(Entry(**entry).key(version), None)
    for entry in changed:
        result[Entry(**entry).key(version)] = entry
    return result


def authorization_data(entry: dict, removed: bool = False) -> dict:
    """One generic (2.0.1) AuthorizationData item; a removed entry has no idTokenInfo."""
    item = {"idToken": {"idToken": entry["value"], "type": entry["token_type"]}}
    if removed:
        return item
    info = {"status": entry["status"]}
    if entry.get("expiry"):
        info["cacheExpiryDateTime"] = entry["expiry"]
    if entry.get("group"):
        info["groupIdToken"] = {"idToken": entry["group"], "type": "Central"}
    item["idTokenInfo"] = info
    return item


def params(version_number: int, update_type: str, changed: list[dict], removed: list[dict]) -> dict:
    """The generic SendLocalList request."""
    if update_type not in (FULL, DIFFERENTIAL):
        raise ValueError(f"update type {update_type!r} is not Full or Differential")
    if update_type == FULL and removed:
        raise ValueError("a full list has no removed entries")
    if not isinstance(version_number, int) or version_number < 1:
        raise ValueError(f"list version {version_number!r} must be a positive integer")
    items = [authorization_data(e) for e in changed] + [authorization_data(e, removed=True) for e in removed]
    return {"versionNumber": version_number, "updateType": update_type, "localAuthorizationList": items}


def next_version(*known) -> int:
    """The version of the next update: above every version sent, acknowledged or reported."""
    return max([0] + [v for v in known if isinstance(v, int)]) + 1


def reported_version(result: dict, version: str) -> int:
    """The list version in a GetLocalListVersion answer (2.0.1 versionNumber, 1.6 listVersion)."""
    key = "listVersion" if version == "1.6" else "versionNumber"
    value = result.get(key) if isinstance(result, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"GetLocalListVersion answer without an integer {key}: {result!r}")
    return value
