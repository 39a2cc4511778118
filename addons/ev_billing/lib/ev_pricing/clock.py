"""Instants and time zones: aware datetimes in, UTC inside, IANA zones by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SessionDataError

US_PER_MINUTE = 60_000_000
US_PER_HOUR = 3_600_000_000


def microseconds(delta: timedelta) -> int:
    """A timedelta as a whole number of microseconds (exact, no float)."""
    return delta // timedelta(microseconds=1)


def require_aware(value: Any, what: str) -> datetime:
    """``value`` as an aware UTC datetime; a naive or non-datetime value is a SessionDataError."""
    if not isinstance(value, datetime):
        raise SessionDataError(f"{what}: expected a datetime, got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise SessionDataError(
            f"{what}: naive datetime {value.isoformat()} - pass an aware datetime (UTC), "
            "e.g. datetime(..., tzinfo=timezone.utc)."
        )
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def zone(site_tz: Any) -> ZoneInfo:
    """The site's time zone from an IANA name (or a ZoneInfo)."""
    if isinstance(site_tz, ZoneInfo):
        return site_tz
    if not isinstance(site_tz, str) or not site_tz:
        raise SessionDataError(f"site time zone: expected an IANA name like 'Europe/Berlin', got {site_tz!r}.")
    try:
        return ZoneInfo(site_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SessionDataError(f"site time zone: unknown IANA time zone {site_tz!r}.") from None
